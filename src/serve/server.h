// server.h - `maillens serve`: follow logs, feed the live consumers, keep a
// checkpoint, answer HTTP.
//
// One thread follows the files (src/follow) and feeds every line to the
// pipeline (parser + assembler + LiveSinks) and, when configured, to the
// guard detector; once a second it ticks the sinks (alert evaluation, ban
// expiry); every few seconds, and at shutdown, it writes the checkpoint: the
// follower's positions and every sink's state, taken between two lines, so a
// restart (even after kill -9) resumes exactly where the checkpoint was
// taken and counts nothing twice. HttpServer (libmicrohttpd, event-driven:
// idle and slow clients hold no thread) serves HTTP:
//   GET /metrics       Prometheus text: serve's own, every sink's, the queue
//   GET /healthz       "ok" and what is followed
//   GET /api/summary   live counts as JSON (?since=EPOCH|ISO 8601|DURATION)
//   GET /api/overview, /api/destinations, /api/security, /api/search
//                      the dashboard's JSON (doc/api.md)
//   GET /ui/...        the dashboard (web/, embedded: dashboard/web_assets.h)
//   GET /api/history, /api/history/top   the history store (with --history;
//                      server_history.cc, doc/history.md)
// on 127.0.0.1:9154 by default, with an optional bearer token and TLS (the
// dashboard's static files are served without it; its /api/ calls need it).
// Handlers take the follow thread's lock only while they read the sinks;
// /api/search runs a Tracer over the followed files outside that lock, one
// search at a time.
// What is not kept across restarts: the assembler's messages in flight (a
// message whose lines straddle a restart is assembled from the later lines
// only); per-line counters are exact.
// Thread safety: Run() on one thread; handlers on HttpServer's threads.
#ifndef MAILLENS_SERVE_SERVER_H_
#define MAILLENS_SERVE_SERVER_H_

#include <atomic>
#include <csignal>
#include <ctime>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "abuse/account_anomaly.h"
#include "abuse/reputation.h"
#include "alert/engine.h"
#include "dashboard/dashboard_view.h"
#include "follow/follower.h"
#include "follow/journal_source.h"
#include "guard/detector.h"
#include "history/series.h"
#include "history/store.h"
#include "metrics/postfix_metrics.h"
#include "pipeline/live_sink.h"
#include "pipeline/pipeline.h"
#include "queue/postqueue.h"
#include "serve/http_server.h"

namespace maillens {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 9154;  // 0: any free port (printed on stderr)
  std::vector<std::string> files;
  bool from_start = false;
  bool journal = false;  // follow the systemd journal instead of files
  JournalOptions journal_options;  // its units and directory (from_start is taken from above)
  std::string checkpoint;           // empty: none
  int64_t checkpoint_interval = 5;  // seconds
  std::string token;                // bearer token required by every endpoint but /healthz
  std::string tls_cert, tls_key;    // both: HTTPS
  bool queue = true;                // read postqueue -j at scrape time
  std::string postqueue;            // a saved snapshot instead of running postqueue -j
  int64_t queue_cache = 15;         // seconds a snapshot is reused
  int64_t summary_retention = 86400;  // how far back /api/summary can look
  // Seconds added to the wall clock for every "now" that windows, ticks and
  // bans use (serve --now: replays of old logs and tests pin their clock).
  int64_t clock_offset = 0;
  // The history store (doc/history.md; empty: none): per-minute and per-hour
  // counts, written at each checkpoint, pruned to `history_retention`.
  std::string history;
  history::Retention history_retention;
  PipelineOptions pipeline;
};

class Server {
 public:
  Server(ServeOptions options, Reporter* reporter);
  ~Server();

  // Live consumers (not owned; their Name()s must differ).
  void AddSink(LiveSink* sink);
  // A listener of the assembler's released messages (not owned).
  void AddListener(Assembler::Listener* l) { pipeline_.assembler().AddListener(l); }
  // The guard detector (not owned; optional): fed raw lines, bans expire on ticks.
  void SetGuard(guard::Detector* detector) { guard_ = detector; }
  // Called for every ban the guard starts (e.g. to add it to a firewall set
  // with its timeout, so it also ends there by itself).
  void SetBanHook(std::function<void(const guard::Ban&, int64_t now)> hook) { ban_hook_ = std::move(hook); }
  // The sink whose delivery delay histogram gives /api/overview's latency
  // percentiles (not owned; optional: without it they are null).
  void SetMetrics(const PostfixMetrics* metrics) { metrics_ = metrics; }

  // Follows and serves until *stop is set; returns an exit code
  // (doc/exit-codes.md: 0, or 2 when it cannot listen or read its checkpoint).
  int Run(const volatile std::sig_atomic_t* stop);

  // The clock of windows, ticks and bans: the wall clock plus clock_offset.
  int64_t Now() const { return static_cast<int64_t>(std::time(nullptr)) + options_.clock_offset; }

  // The /metrics text, /api/summary JSON (for tests and the handlers).
  std::string Metrics();
  std::string Summary(int64_t since);
  std::string IndexPage();
  // The dashboard's JSON (doc/api.md): per-minute rates of the last
  // `minutes` minutes, queue and latency; per-domain outcomes and reasons;
  // auth failures and guard bans.
  std::string Overview(int minutes);
  std::string Destinations(size_t limit);
  std::string Security(size_t limit);
  // A trace over the followed files (TraceFilter as /api/search's query
  // says); at most `limit` message trees. Status 400 for a bad query.
  HttpResponse Search(const HttpRequest& req);

 private:
  void OnLine(std::string_view line);
  bool LoadCheckpoint();
  void SaveCheckpoint();
  std::string QueueMetrics();
  // Re-reads the queue snapshot when the cached one is older than
  // queue_cache (call with queue_mu_ held).
  void RefreshQueue();
  // The HTTP routes: /metrics, /healthz, /api/summary.
  void RegisterRoutes(HttpServer* http);

  // The history store (server_history.cc). Open: at start, before the
  // checkpoint is read (false: it cannot be opened). Reconcile: with the
  // checkpoint's seq (undoes an Apply the checkpoint does not know).
  // Flush: the Bucketer's Delta into the store, before each checkpoint
  // (false: not written; the checkpoint must not be either). Tick: once a
  // loop, the queue sample and the background prune. Routes: /api/history*.
  bool OpenHistory();
  void ReconcileHistory(uint64_t checkpoint_seq);
  bool FlushHistory();
  void HistoryTick();
  void RegisterHistoryRoutes(HttpServer* http, const std::function<HttpHandler(HttpHandler)>& guarded);
  // maillens_serve_history_* families (under mu_).
  void HistoryMetrics(std::string* out);

  ServeOptions options_;
  Reporter* reporter_;
  Pipeline pipeline_;
  std::unique_ptr<LineSource> source_;  // a Follower or a JournalSource
  alert::AlertEngine summary_;  // windowed totals for /api/summary and /api/overview
  DashboardView dashboard_;     // /api/destinations, /api/security
  // /api/security's suspect accounts (`maillens accounts` live; not
  // checkpointed: its per-user history starts anew at each start).
  AccountAnomalyDetector accounts_;
  // /api/destinations' provider blocks (`maillens reputation` live; bounded
  // by its pattern table; not checkpointed).
  ReputationDetector reputation_;
  int64_t accounts_flushed_ = 0;
  const PostfixMetrics* metrics_ = nullptr;
  std::mutex search_mu_;        // one /api/search at a time
  std::vector<LiveSink*> sinks_;
  guard::Detector* guard_ = nullptr;
  std::function<void(const guard::Ban&, int64_t)> ban_hook_;
  std::mutex mu_;  // guards everything the follow thread changes
  uint64_t lines_ = 0, guard_matches_ = 0, guard_bans_ = 0;
  int64_t last_checkpoint_ = 0, started_ = 0;
  uint64_t checkpoints_ = 0, checkpoint_errors_ = 0;
  std::mutex queue_mu_;
  int64_t queue_at_ = 0;
  bool queue_ok_ = false;
  std::vector<QueuedMessage> queue_msgs_;
  std::string queue_text_;
  // History: the writer (follow thread only), the readers' connection.
  std::unique_ptr<history::HistoryStore> history_;
  std::unique_ptr<history::HistoryStore> history_reader_;
  std::mutex history_read_mu_;
  history::Bucketer bucketer_;
  history::Delta history_pending_;  // taken but not yet written (a failed Apply)
  uint64_t history_seq_ = 0;
  std::atomic<uint64_t> history_errors_{0};  // also counted by HistoryTick, outside mu_
  int64_t queue_minute_ = -1, prune_at_ = 0;
  bool prune_more_ = false;
  // MAILLENS_TEST_KILL_AFTER_HISTORY_APPLY=N (tests only): SIGKILL itself
  // right after its Nth Apply, before the checkpoint (tests/history/sigkill_test.py).
  int kill_after_apply_ = 0;
};

}  // namespace maillens

#endif  // MAILLENS_SERVE_SERVER_H_
