// http_server.cc - HttpServer on libmicrohttpd (epoll, internal thread pool).
#include "serve/http_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <strings.h>
#include <fstream>
#include <sstream>

namespace maillens {

namespace {

MHD_Result Answer(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                  const char*, size_t* upload_size, void** con_cls) {
  auto* server = static_cast<HttpServer*>(cls);
  // First call: the header is complete. The answer is queued at once (no
  // route takes a body; one sent anyway is read and dropped by
  // libmicrohttpd, or the connection is closed after the answer).
  if (*con_cls == nullptr) {
    static int marker;
    *con_cls = &marker;
    server->OnHeaderDone(connection);
    return server->Dispatch(connection, url, method) ? MHD_YES : MHD_NO;
  }
  *upload_size = 0;
  return MHD_YES;
}

void Completed(void* cls, MHD_Connection* connection, void**, MHD_RequestTerminationCode) {
  static_cast<HttpServer*>(cls)->OnRequestDone(connection);
}

void Notify(void* cls, MHD_Connection* connection, void** socket_context, MHD_ConnectionNotificationCode code) {
  static_cast<HttpServer*>(cls)->OnConnection(connection, socket_context, code == MHD_CONNECTION_NOTIFY_STARTED);
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return !in.bad();
}

// A listening, non-blocking socket on host:port; -1 when it cannot be had.
int Listen(const std::string& host, int port, int* bound_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return -1;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  *bound_port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

}  // namespace

std::string HttpRequest::Header(const char* name) const {
  const char* v = MHD_lookup_connection_value(connection_, MHD_HEADER_KIND, name);
  return v ? v : "";
}

bool HttpRequest::Query(const char* key, std::string* value) const {
  const char* v = MHD_lookup_connection_value(connection_, MHD_GET_ARGUMENT_KIND, key);
  if (v == nullptr) return false;
  *value = v;
  return true;
}

struct HttpServer::Tracked {
  int fd;
  Clock::time_point deadline;  // max(): none
  bool shut = false;
};

HttpServer::~HttpServer() { Stop(); }

void HttpServer::OnConnection(MHD_Connection* connection, void** socket_context, bool started) {
  std::lock_guard<std::mutex> lock(mu_);
  if (started) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    auto* t = new Tracked{info ? info->connect_fd : -1, Clock::now() + std::chrono::seconds(options_.header_seconds)};
    tracked_.insert(t);
    *socket_context = t;
  } else if (auto* t = static_cast<Tracked*>(*socket_context); t != nullptr) {
    // Called before libmicrohttpd closes the socket: the watchdog, which
    // shuts sockets down under mu_, never touches a closed (reused) fd.
    tracked_.erase(t);
    delete t;
    *socket_context = nullptr;
  }
}

namespace {
HttpServer::Tracked* TrackedOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info ? static_cast<HttpServer::Tracked*>(info->socket_context) : nullptr;
}
}  // namespace

void HttpServer::OnHeaderDone(MHD_Connection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Tracked* t = TrackedOf(connection)) t->deadline = Clock::time_point::max();
}

void HttpServer::OnRequestDone(MHD_Connection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Tracked* t = TrackedOf(connection)) t->deadline = Clock::now() + std::chrono::seconds(options_.idle_seconds);
}

uint64_t HttpServer::deadline_closes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return deadline_closes_;
}

void HttpServer::Watchdog() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(200));
    Clock::time_point now = Clock::now();
    for (Tracked* t : tracked_) {
      if (t->shut || t->fd < 0 || now < t->deadline) continue;
      // libmicrohttpd sees the end of the stream and closes the connection.
      shutdown(t->fd, SHUT_RDWR);
      t->shut = true;
      ++deadline_closes_;
    }
  }
}

int HttpServer::Dispatch(MHD_Connection* connection, const char* url, const char* method) {
  std::string_view m(method), path(url);
  HttpResponse r;
  if (m != MHD_HTTP_METHOD_GET && m != MHD_HTTP_METHOD_HEAD) {
    r.status = 405;
    r.body = "method not allowed\n";
    r.headers.emplace_back("Allow", "GET, HEAD");
  } else if (auto it = routes_.find(path); it == routes_.end()) {
    r.status = 404;
    r.body = "not found\n";
  } else {
    r = it->second(HttpRequest(connection, m, path));
  }
  MHD_Response* res = MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
  if (res == nullptr) return 0;
  MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
  bool cache_control = false;
  for (const auto& [k, v] : r.headers) {
    cache_control |= strcasecmp(k.c_str(), MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
    MHD_add_response_header(res, k.c_str(), v.c_str());
  }
  if (!cache_control) MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_Result ok = MHD_queue_response(connection, static_cast<unsigned>(r.status), res);
  MHD_destroy_response(res);
  return ok == MHD_YES;
}

Status HttpServer::Start() {
  bool tls = !options_.tls_cert.empty();
  if (tls) {
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
      return Status::NotSupported("this libmicrohttpd has no TLS support");
    if (!ReadFile(options_.tls_cert, &cert_pem_) || !ReadFile(options_.tls_key, &key_pem_))
      return Status::InvalidArgument("cannot load the TLS certificate or key");
  }
  listen_fd_ = Listen(options_.host, options_.port, &port_);
  if (listen_fd_ < 0) return Status::IOError("cannot listen");
  // Writes to a peer that went away must fail, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
  if (tls) flags |= MHD_USE_TLS;
  MHD_OptionItem opts[] = {
      {MHD_OPTION_LISTEN_SOCKET, listen_fd_, nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(options_.threads), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(options_.idle_seconds), nullptr},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&Notify), this},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Completed), this},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<intptr_t>(options_.per_ip_connections), nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(options_.max_connections), nullptr},
      // HTTP/1.1 without Host, blanks before a header's colon and the like: 400.
      {MHD_OPTION_STRICT_FOR_CLIENT, 1, nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(options_.header_bytes), nullptr},
      {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, const_cast<char*>(cert_pem_.c_str())},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(key_pem_.c_str())},
      {MHD_OPTION_END, 0, nullptr},
  };
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &Answer, this, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
  // From here the socket is libmicrohttpd's (MHD_stop_daemon closes it).
  // On failure it is left open, not closed twice: serve exits.
  listen_fd_ = -1;
  if (daemon_ == nullptr) {
    return tls ? Status::InvalidArgument("cannot load the TLS certificate or key") : Status::IOError("cannot listen");
  }
  stopping_ = false;
  watchdog_ = std::thread([this]() { Watchdog(); });
  return Status::OK();
}

void HttpServer::Stop() {
  if (watchdog_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    watchdog_.join();
  }
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

}  // namespace maillens
