// server_history.cc - Server and the history store: the Bucketer's Deltas
// written at each checkpoint, reconciled with the checkpoint at start, the
// queue sampled once a minute, the background prune, /api/history*.
// (server.h; doc/history.md says why a SIGKILL neither loses nor doubles a
// minute.)
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "history/render.h"
#include "metrics/histogram.h"
#include "serve/server.h"
#include "util/duration.h"

namespace maillens {

namespace {

constexpr int kPruneBatch = 500;        // rows per DELETE: the follow loop never waits long
constexpr int64_t kPruneEvery = 3600;   // seconds between prune runs
constexpr int64_t kMaxPoints = 1000000;  // steps one /api/history answer may span
constexpr int kBusyMs = 250;

HttpResponse BadRequest(const std::string& what) { return HttpResponse{400, "text/plain", what + "\n", {}}; }

// ?from= and ?until= (doc/time.md), defaults: the last `span` seconds.
bool Range(const HttpRequest& req, int64_t now, int64_t span, int64_t* from, int64_t* until, std::string* error) {
  *until = now;
  std::string s;
  if (req.Query("until", &s) && !ParseTimeSpec(s, now, until)) return *error = "until: a time as in doc/time.md", false;
  *from = *until - span;
  if (req.Query("from", &s) && !ParseTimeSpec(s, now, from)) return *error = "from: a time as in doc/time.md", false;
  if (*from >= *until) return *error = "from must be before until", false;
  return true;
}

}  // namespace

bool Server::OpenHistory() {
  if (options_.history.empty()) return true;
  history_ = std::make_unique<history::HistoryStore>();
  history_reader_ = std::make_unique<history::HistoryStore>();
  Status s = history_->Open(options_.history);
  if (s.ok()) s = history_reader_->Open(options_.history);
  if (s.ok()) s = history_->Seq(&history_seq_);
  // A writer holding the store (an import) makes a checkpoint wait this long
  // at most, then the Delta is retried at the next one: the follow loop
  // keeps reading.
  history_->SetBusyTimeout(kBusyMs);
  if (!s.ok()) {
    reporter_->Report(Reporter::Severity::kFailed, "history store", -1, s.message());
    history_.reset();
    history_reader_.reset();
    return false;
  }
  pipeline_.AddSink(&bucketer_);
  if (const char* n = std::getenv("MAILLENS_TEST_KILL_AFTER_HISTORY_APPLY")) kill_after_apply_ = std::atoi(n);
  return true;
}

void Server::ReconcileHistory(uint64_t checkpoint_seq) {
  if (!history_) return;
  std::string note;
  uint64_t before = history_seq_;
  Status s = history_->Reconcile(checkpoint_seq, &history_seq_, &note);
  if (!s.ok()) {
    reporter_->Report(Reporter::Severity::kPartial, "history store", -1, s.message());
  } else if (!note.empty()) {
    reporter_->Report(Reporter::Severity::kPartial, options_.history, -1, note);
  } else if (history_seq_ != before) {
    std::fprintf(stderr, "maillens serve: %s: undid transaction %llu (written after the last checkpoint)\n",
                 options_.history.c_str(), static_cast<unsigned long long>(before));
  }
}

bool Server::FlushHistory() {
  if (!history_) return true;
  history::Delta d = bucketer_.Take();
  if (!history_pending_.empty()) {
    history_pending_.Add(d);
    d = std::move(history_pending_);
    history_pending_ = history::Delta();
  }
  if (d.empty()) return true;
  Status s = history_->Apply(d, history_seq_ + 1);
  if (!s.ok()) {
    ++history_errors_;
    reporter_->Report(Reporter::Severity::kPartial, "history store", -1, s.message());
    history_pending_ = std::move(d);
    return false;
  }
  ++history_seq_;
  // The worst moment for a kill: the store has the Delta, the checkpoint not yet.
  if (kill_after_apply_ > 0 && --kill_after_apply_ == 0) std::raise(SIGKILL);
  return true;
}

void Server::HistoryTick() {
  if (!history_) return;
  int64_t now = Now();
  // The queue, once a minute (when a snapshot can be read), into that minute's row.
  int64_t minute = now - ((now % 60) + 60) % 60;
  if (options_.queue && minute != queue_minute_) {
    queue_minute_ = minute;
    std::string error;
    alert::QueueCounts q = alert::CountQueues(options_.postqueue, &error);
    if (q.known) {
      if (Status s = history_->SetQueueSize(minute, static_cast<int64_t>(q.total)); !s.ok()) {
        ++history_errors_;
        reporter_->Report(Reporter::Severity::kPartial, "history store", -1, s.message());
      }
    }
  }
  // Retention: once an hour, one small batch per loop until nothing is left.
  if (now - prune_at_ >= kPruneEvery) prune_at_ = now, prune_more_ = true;
  if (prune_more_) {
    if (Status s = history_->Prune(now, options_.history_retention, kPruneBatch, &prune_more_); !s.ok()) {
      prune_more_ = false;
      reporter_->Report(Reporter::Severity::kPartial, "history store", -1, s.message());
    }
  }
}

void Server::HistoryMetrics(std::string* out) {
  if (!history_) return;
  AppendMetricHeader(out, "maillens_serve_history_transaction", "gauge",
                     "The history store's last transaction (meta.seq; the checkpoint keeps the same).");
  *out += "maillens_serve_history_transaction " + std::to_string(history_seq_) + "\n";
  AppendMetricHeader(out, "maillens_serve_history_errors_total", "counter",
                     "History store writes that failed since start (retried at the next checkpoint).");
  *out += "maillens_serve_history_errors_total " + std::to_string(history_errors_.load()) + "\n";
}

void Server::RegisterHistoryRoutes(HttpServer* http, const std::function<HttpHandler(HttpHandler)>& guarded) {
  if (!history_) return;
  http->Handle("/api/history", guarded([this](const HttpRequest& req) {
    history::SeriesQuery q;
    q.step_name = "minute";
    std::string s, error;
    if (req.Query("step", &s)) q.step_name = s;
    if (!history::ParseStep(q.step_name, &q.step)) return BadRequest("step: minute, hour or day");
    if (!Range(req, Now(), 86400, &q.from, &q.until, &error)) return BadRequest(error);
    if ((q.until - q.from) / q.step > kMaxPoints) return BadRequest("too many steps: a shorter range or a longer step");
    s.clear();
    req.Query("measure", &s);
    if (!history::ParseColumns(s, &q.columns, &error)) return BadRequest("measure: unknown '" + error + "'");
    std::vector<history::Point> points;
    Status st;
    {
      std::lock_guard<std::mutex> lock(history_read_mu_);
      st = history_reader_->Series(q.from, q.until, q.step, &points);
    }
    if (!st.ok()) return HttpResponse{500, "text/plain", std::string(st.message()) + "\n", {}};
    std::string body;
    history::AppendSeriesJson(q, points, false, &body);
    return HttpResponse{200, "application/json", std::move(body), {}};
  }));
  http->Handle("/api/history/top", guarded([this](const HttpRequest& req) {
    std::string s, error;
    history::Dim dim = history::Dim::kRcptDomain;
    history::Measure measure = history::Measure::kDelivered;
    if (req.Query("dim", &s) && !history::ParseDim(s, &dim))
      return BadRequest("dim: rcpt_domain, sender_domain, sasl_user, client_net or reject_class");
    if (req.Query("measure", &s) && !history::ParseMeasure(s, &measure)) return BadRequest("measure: unknown");
    int64_t from = 0, until = 0;
    if (!Range(req, Now(), 86400, &from, &until, &error)) return BadRequest(error);
    int limit = 10;
    if (req.Query("limit", &s)) {
      char* end = nullptr;
      long n = std::strtol(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || n < 1 || n > 1000) return BadRequest("limit: 1 to 1000");
      limit = static_cast<int>(n);
    }
    std::vector<std::pair<std::string, uint64_t>> top;
    Status st;
    {
      std::lock_guard<std::mutex> lock(history_read_mu_);
      st = history_reader_->Top(dim, measure, from, until, limit, &top);
    }
    if (!st.ok()) return HttpResponse{500, "text/plain", std::string(st.message()) + "\n", {}};
    std::string body;
    history::AppendTopJson(dim, measure, from, until, top, &body);
    return HttpResponse{200, "application/json", std::move(body), {}};
  }));
}

}  // namespace maillens
