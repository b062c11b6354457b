// http_server.h - serve's HTTP front: an event-driven route table on
// libmicrohttpd that idle and slow clients cannot starve.
//
// A few polling threads (epoll) serve every connection; a connection that
// is waiting for the rest of its request header, or idling between
// keep-alive requests, costs a socket and a little memory, never a thread.
// Deadlines (a watchdog thread shuts the socket down when one passes):
//   - a new connection must have sent a complete request header within
//     `header_seconds` of being accepted (however it trickles its bytes);
//   - after a response, a keep-alive connection must have sent its next
//     complete request header within `idle_seconds`;
//   - any connection silent for `idle_seconds` (also while a response is
//     being written to a client that does not read) is closed.
// A client address may hold at most `per_ip_connections` connections at a
// time, the server at most `max_connections` (connections beyond either are
// accepted and closed at once); a request header larger than `header_bytes`
// gets 431 (414 when the request line alone is that long), a malformed
// request 400.
//
// Routes: Handle(path, handler) maps an exact path (no prefix matching, no
// normalisation: "/a/../b" is not "/b") to a handler that returns status,
// content type and body. GET and HEAD are routed (HEAD gets GET's headers
// without the body); other methods get 405, unknown paths 404. Every
// response carries `X-Content-Type-Options: nosniff`, and
// `Cache-Control: no-store` unless the handler sets a Cache-Control itself
// (the dashboard's embedded files: revalidated by ETag).
//
// Thread safety: Handle() before Start() only. Handlers run on the polling
// threads, possibly several at once; a slow handler delays the other
// connections of its thread, so handlers must not block for long.
#ifndef MAILLENS_SERVE_HTTP_SERVER_H_
#define MAILLENS_SERVE_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "util/status.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace maillens {

// One request, valid during the handler call only.
class HttpRequest {
 public:
  HttpRequest(MHD_Connection* connection, std::string_view method, std::string_view path)
      : connection_(connection), method_(method), path_(path) {}
  std::string_view method() const { return method_; }
  std::string_view path() const { return path_; }  // percent-decoded, without the query
  // A header's value (name case-insensitive); "" when absent.
  std::string Header(const char* name) const;
  // A query parameter (percent-decoded); false when absent.
  bool Query(const char* key, std::string* value) const;

 private:
  MHD_Connection* connection_;
  std::string_view method_, path_;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                      // 0: any free port (see HttpServer::port())
  std::string tls_cert, tls_key;     // PEM files; both set: HTTPS
  unsigned threads = 2;              // polling threads
  unsigned header_seconds = 5;       // accept -> complete first request header
  unsigned idle_seconds = 15;        // response -> next complete header; any silence
  unsigned per_ip_connections = 64;  // per client address
  unsigned max_connections = 512;    // in all
  size_t header_bytes = 32 * 1024;   // request line + headers
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options) : options_(std::move(options)) {}
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes GET/HEAD `path` to `handler` (before Start()).
  void Handle(std::string path, HttpHandler handler) { routes_[std::move(path)] = std::move(handler); }

  // Listens and starts the polling threads. Errors: IOError "cannot listen"
  // (address, port), InvalidArgument for an unreadable or bad certificate/key.
  Status Start();
  // The port listened on (after Start()).
  int port() const { return port_; }
  // Stops the threads and closes every connection (also done by the destructor).
  void Stop();

  // Connections closed by a deadline so far.
  uint64_t deadline_closes() const;

  // For the libmicrohttpd callbacks.
  int Dispatch(MHD_Connection* connection, const char* url, const char* method);
  struct Tracked;
  void OnConnection(MHD_Connection* connection, void** socket_context, bool started);
  // A request's header is complete (deadline off) / its response is done
  // (deadline: idle_seconds from now).
  void OnHeaderDone(MHD_Connection* connection);
  void OnRequestDone(MHD_Connection* connection);

 private:
  using Clock = std::chrono::steady_clock;
  void Watchdog();

  HttpServerOptions options_;
  std::map<std::string, HttpHandler, std::less<>> routes_;
  std::string cert_pem_, key_pem_;
  MHD_Daemon* daemon_ = nullptr;
  int listen_fd_ = -1;  // ours until MHD_start_daemon
  int port_ = 0;
  // Live connections and their deadlines, for the watchdog.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unordered_set<Tracked*> tracked_;
  uint64_t deadline_closes_ = 0;
  std::thread watchdog_;
};

}  // namespace maillens

#endif  // MAILLENS_SERVE_HTTP_SERVER_H_
