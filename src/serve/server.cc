// server.cc - Server: the follow loop, the checkpoint, the HTTP endpoints.
#include "serve/server.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "dashboard/web_assets.h"
#include "metrics/histogram.h"
#include "pipeline/input_order.h"
#include "queue/postqueue.h"
#include "trace/search.h"
#include "trace/tracer.h"
#include "serve/checkpoint.h"
#include "serve/http_server.h"
#include "util/duration.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {

namespace {

constexpr alert::Counter kSummaryCounters[] = {alert::Counter::kSent,     alert::Counter::kDeferred,
                                               alert::Counter::kBounced,  alert::Counter::kExpired,
                                               alert::Counter::kRejected, alert::Counter::kReceived,
                                               alert::Counter::kAuthFailures, alert::Counter::kHeld};

constexpr const char* kQueues[] = {"active", "deferred", "hold", "incoming", "maildrop"};


// Compares a presented token with the configured one in constant time.
bool TokenMatches(const std::string& header, const std::string& token) {
  std::string want = "Bearer " + token;
  if (header.size() != want.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < want.size(); ++i) diff |= static_cast<unsigned char>(header[i] ^ want[i]);
  return diff == 0;
}

// Every HTML response: nothing inline runs, nothing loads from elsewhere,
// no framing, no referrer.
void AddPageHeaders(HttpResponse* r) {
  r->headers.emplace_back("Content-Security-Policy",
                          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'");
  r->headers.emplace_back("Referrer-Policy", "no-referrer");
}

}  // namespace

Server::Server(ServeOptions options, Reporter* reporter)
    : options_(std::move(options)),
      reporter_(reporter),
      pipeline_(options_.pipeline, reporter),
      summary_({}, "summary") {
  if (options_.journal) {
    options_.journal_options.from_start = options_.from_start;
    source_ = std::make_unique<JournalSource>(options_.journal_options);
  } else {
    source_ = std::make_unique<Follower>(options_.files, FollowOptions{options_.from_start}, reporter);
  }
  for (alert::Counter c : kSummaryCounters) summary_.Track(c, alert::KeyDim::kNone, options_.summary_retention);
  pipeline_.AddSink(&summary_);
  sinks_.push_back(&summary_);
  pipeline_.AddSink(&dashboard_);
  sinks_.push_back(&dashboard_);
  pipeline_.AddSink(&accounts_);
  pipeline_.AddSink(&reputation_);
}

Server::~Server() = default;

void Server::AddSink(LiveSink* sink) {
  pipeline_.AddSink(sink);
  sinks_.push_back(sink);
}

void Server::OnLine(std::string_view line) {
  ++lines_;
  pipeline_.ProcessLine(line);
  if (guard_) {
    guard::Match m;
    int new_ban = -1;
    if (guard_->OnLine(line, &m, &new_ban)) {
      ++guard_matches_;
      if (new_ban >= 0) {
        ++guard_bans_;
        if (ban_hook_) ban_hook_(guard_->bans().bans()[static_cast<size_t>(new_ban)], Now());
      }
    }
  }
}

bool Server::LoadCheckpoint() {
  if (options_.checkpoint.empty()) return true;
  CheckpointSections sec;
  Status s = ReadCheckpoint(options_.checkpoint, &sec);
  if (s.code() == Status::Code::kNotFound) {  // first start
    ReconcileHistory(0);
    return true;
  }
  if (!s.ok()) {
    reporter_->Report(Reporter::Severity::kFailed, options_.checkpoint, -1, s.message());
    return false;
  }
  if (!source_->LoadState(sec[std::string(source_->StateName())])) {
    reporter_->Report(Reporter::Severity::kFailed, options_.checkpoint, -1,
                      "unreadable " + std::string(source_->StateName()) + " position");
    return false;
  }
  for (LiveSink* sink : sinks_) {
    auto it = sec.find("sink:" + std::string(sink->Name()));
    if (it != sec.end() && !sink->LoadState(it->second))
      reporter_->Report(Reporter::Severity::kPartial, options_.checkpoint, -1,
                        "state of " + std::string(sink->Name()) + " unreadable; it starts from zero");
  }
  if (guard_) {
    auto it = sec.find("guard");
    if (it != sec.end() && !guard_->Load(it->second).ok())
      reporter_->Report(Reporter::Severity::kPartial, options_.checkpoint, -1, "guard bans unreadable");
  }
  ReconcileHistory(std::strtoull(sec["history"].c_str(), nullptr, 10));  // no section (older serve): 0
  const std::string& mine = sec["serve"];
  unsigned long long l = 0, m = 0, b = 0;
  if (std::sscanf(mine.c_str(), "%llu %llu %llu", &l, &m, &b) == 3) {
    lines_ = l;
    guard_matches_ = m;
    guard_bans_ = b;
  }
  return true;
}

void Server::SaveCheckpoint() {
  bool history_ok = FlushHistory();
  if (options_.checkpoint.empty()) return;
  if (!history_ok) {  // the store is behind: a checkpoint now would lose what it missed on a kill
    ++checkpoint_errors_;
    last_checkpoint_ = static_cast<int64_t>(std::time(nullptr));
    return;
  }
  CheckpointSections sec;
  sec[std::string(source_->StateName())] = source_->SaveState();
  for (LiveSink* sink : sinks_) sink->BeforeCheckpoint();
  for (LiveSink* sink : sinks_) sec["sink:" + std::string(sink->Name())] = sink->SaveState();
  if (guard_) sec["guard"] = guard_->Save();
  sec["serve"] = std::to_string(lines_) + " " + std::to_string(guard_matches_) + " " + std::to_string(guard_bans_);
  if (history_) sec["history"] = std::to_string(history_seq_);
  Status s = WriteCheckpoint(options_.checkpoint, sec);
  if (s.ok()) {
    ++checkpoints_;
  } else {
    ++checkpoint_errors_;
    reporter_->Report(Reporter::Severity::kPartial, options_.checkpoint, -1, s.message());
  }
  last_checkpoint_ = static_cast<int64_t>(std::time(nullptr));
}

void Server::RefreshQueue() {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (queue_at_ != 0 && now - queue_at_ < options_.queue_cache) return;
  queue_at_ = now;
  // postfix_exporter's queue families (it reads showq; we read postqueue -j).
  std::string& o = queue_text_;
  o.clear();
  queue_msgs_.clear();
  std::string path;
  AppendPrometheusLabelValue(&path, options_.postqueue.empty() ? "postqueue -j" : options_.postqueue);
  AppendMetricHeader(&o, "postfix_up", "gauge", "1 if the queue (postqueue -j) could be read, by source.");
  std::string text, source, error;
  queue_ok_ = ReadPostqueueSnapshot(options_.postqueue, &text, &source, &error);
  if (!queue_ok_) {
    o += "postfix_up{path=\"" + path + "\"} 0\n";
    return;
  }
  o += "postfix_up{path=\"" + path + "\"} 1\n";
  std::vector<PostqueueProblem> problems;
  ParsePostqueueJson(text, &queue_msgs_, &problems);
  static constexpr double kAge[] = {1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  static constexpr double kSize[] = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  std::vector<Histogram> age(std::size(kQueues), Histogram(std::size(kAge)));
  std::vector<Histogram> size(std::size(kQueues), Histogram(std::size(kSize)));
  for (const QueuedMessage& m : queue_msgs_) {
    for (size_t q = 0; q < std::size(kQueues); ++q) {
      if (m.queue_name != kQueues[q]) continue;
      age[q].Observe(kAge, static_cast<double>(std::max<int64_t>(0, now - m.arrival_time)));
      size[q].Observe(kSize, static_cast<double>(m.message_size));
    }
  }
  AppendMetricHeader(&o, "postfix_showq_queue_depth", "gauge", "Number of messages in Postfix's message queue.");
  for (size_t q = 0; q < std::size(kQueues); ++q)
    o += std::string("postfix_showq_queue_depth{queue=\"") + kQueues[q] + "\"} " + std::to_string(age[q].count()) + "\n";
  AppendMetricHeader(&o, "postfix_showq_message_age_seconds", "histogram", "Age of messages in Postfix's message queue, in seconds.");
  for (size_t q = 0; q < std::size(kQueues); ++q)
    AppendHistogram(&o, "postfix_showq_message_age_seconds", std::string("queue=\"") + kQueues[q] + "\"", kAge, age[q]);
  AppendMetricHeader(&o, "postfix_showq_message_size_bytes", "histogram", "Size of messages in Postfix's message queue, in bytes.");
  for (size_t q = 0; q < std::size(kQueues); ++q)
    AppendHistogram(&o, "postfix_showq_message_size_bytes", std::string("queue=\"") + kQueues[q] + "\"", kSize, size[q]);
}

std::string Server::QueueMetrics() {
  if (!options_.queue) return {};
  std::lock_guard<std::mutex> lock(queue_mu_);
  RefreshQueue();
  return queue_text_;
}

std::string Server::Metrics() {
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    AppendMetricFamily(&out, "maillens_serve_lines_read_total", "counter", "Lines read from the followed files.",
           static_cast<double>(lines_));
    AppendMetricFamily(&out, "maillens_serve_rotations_total", "counter", "Rotations (rename or truncation) seen since start.",
           static_cast<double>(source_->rotations()));
    AppendMetricFamily(&out, "maillens_serve_checkpoints_total", "counter", "Checkpoints written since start.",
           static_cast<double>(checkpoints_));
    AppendMetricFamily(&out, "maillens_serve_checkpoint_errors_total", "counter", "Checkpoints that could not be written.",
           static_cast<double>(checkpoint_errors_));
    AppendMetricFamily(&out, "maillens_serve_start_time_seconds", "gauge", "When serve started (epoch seconds).",
           static_cast<double>(started_));
    // Files: the offset reached in each; the journal: entries read since start.
    const char* name = options_.journal ? "maillens_serve_journal_entries_total" : "maillens_serve_file_offset_bytes";
    AppendMetricHeader(&out, name, options_.journal ? "counter" : "gauge",
                       options_.journal ? "Journal entries read since start (all units matched)."
                                        : "Offset reached in each followed file.");
    for (const auto& [path, off] : source_->Positions()) {
      out.append(name).append("{path=\"");
      AppendPrometheusLabelValue(&out, path);
      out += "\"} " + std::to_string(off) + "\n";
    }
    if (guard_) {
      AppendMetricFamily(&out, "maillens_guard_matches_total", "counter", "Lines the guard filters matched.",
             static_cast<double>(guard_matches_));
      AppendMetricFamily(&out, "maillens_guard_bans_total", "counter", "Bans the guard started.", static_cast<double>(guard_bans_));
      int64_t now = Now();
      size_t active = 0;
      for (const guard::Ban& b : guard_->bans().bans()) active += b.end < 0 || b.end > now;
      AppendMetricFamily(&out, "maillens_guard_bans_active", "gauge", "Bans running now.", static_cast<double>(active));
    }
    HistoryMetrics(&out);
    for (LiveSink* sink : sinks_) sink->WriteMetrics(&out);
  }
  out += QueueMetrics();
  return out;
}

std::string Server::Summary(int64_t since) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = Now();
  int64_t oldest = now - options_.summary_retention;
  if (since < oldest) since = oldest;
  std::string out;
  JsonWriter w(&out, false);
  // "clock": the windows run on serve's clock (wall, or --now's), not the log's.
  w.BeginObject().Key("since").Int(since).Key("now").Int(now);
  w.Field("clock", std::string_view(options_.clock_offset == 0 ? "wall" : "wall shifted by --now"));
  w.Field("lines_read", lines_);
  w.Key("counts").BeginObject();
  for (alert::Counter c : kSummaryCounters)
    w.Field(alert::CounterName(c), summary_.Count(c, alert::KeyDim::kNone, "", since, now));
  w.EndObject();
  w.Key("files").BeginArray();
  for (const auto& [path, off] : source_->Positions()) w.BeginObject().Field("path", path).Field("offset", off).EndObject();
  w.EndArray().EndObject();
  out += '\n';
  return out;
}

std::string Server::Overview(int minutes) {
  std::string out;
  JsonWriter w(&out, false);
  int64_t now = Now();
  // Whole minutes, the current one last (it is still filling).
  int64_t last = now - ((now % 60) + 60) % 60;
  int64_t first = last - 60 * static_cast<int64_t>(minutes - 1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    w.BeginObject().Key("now").Int(now).Key("minutes").Int(minutes).Key("first_minute").Int(first);
    w.Field("lines_read", lines_);
    w.Key("series").BeginObject();
    w.Key("time").BeginArray();
    for (int64_t t = first; t <= last; t += 60) w.Int(t);
    w.EndArray();
    // Seconds t..t+59 are the window (t-1, t+59].
    for (alert::Counter c : kSummaryCounters) {
      w.Key(alert::CounterName(c)).BeginArray();
      for (int64_t t = first; t <= last; t += 60) w.Uint(summary_.Count(c, alert::KeyDim::kNone, "", t - 1, t + 59));
      w.EndArray();
    }
    w.EndObject();
    w.Key("totals").BeginObject();
    for (alert::Counter c : kSummaryCounters)
      w.Field(alert::CounterName(c), summary_.Count(c, alert::KeyDim::kNone, "", first - 1, last + 59));
    w.EndObject();
    w.Key("latency");
    const Histogram* h = metrics_ ? metrics_->HistogramOf("maillens_delivery_delay_seconds", "stage=\"total\"") : nullptr;
    if (h == nullptr || h->count() == 0) {
      w.Null();
    } else {
      // Since serve started counting (the histogram is checkpointed), not per window.
      w.BeginObject().Field("count", h->count()).Key("sum_seconds").Double(h->sum());
      const std::pair<const char*, double> qs[] = {{"p50_le", 0.5}, {"p90_le", 0.9}, {"p99_le", 0.99}};
      for (const auto& [name, q] : qs) {
        double v = BucketQuantile(PostfixMetrics::DelayBounds(), *h, q);
        w.Key(name);
        if (std::isinf(v)) w.Null();
        else w.Double(v);
      }
      w.EndObject();
    }
  }
  w.Key("queue");
  if (!options_.queue) {
    w.Null();
  } else {
    std::lock_guard<std::mutex> lock(queue_mu_);
    RefreshQueue();
    w.BeginObject().Key("readable").Bool(queue_ok_);
    w.Field("total", static_cast<uint64_t>(queue_msgs_.size()));
    int64_t oldest = -1;
    for (size_t q = 0; q < std::size(kQueues); ++q) {
      uint64_t n = 0;
      for (const QueuedMessage& m : queue_msgs_) n += m.queue_name == kQueues[q];
      w.Field(kQueues[q], n);
    }
    // As /metrics' age histogram: an arrival ahead of the clock is age 0.
    for (const QueuedMessage& m : queue_msgs_) oldest = std::max(oldest, std::max<int64_t>(0, now - m.arrival_time));
    w.Key("oldest_age_seconds");
    if (oldest < 0) w.Null();
    else w.Int(oldest);
    w.EndObject();
  }
  w.EndObject();
  out += '\n';
  return out;
}

std::string Server::Destinations(size_t limit) {
  std::string out;
  JsonWriter w(&out, false);
  std::lock_guard<std::mutex> lock(mu_);
  w.BeginObject().Key("now").Int(Now());
  dashboard_.WriteDestinations(&w, limit, 5);
  w.Key("provider_blocks");
  WriteReputationJson(reputation_, &w);
  w.EndObject();
  out += '\n';
  return out;
}

std::string Server::Security(size_t limit) {
  std::string out;
  JsonWriter w(&out, false);
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = Now();
  w.BeginObject().Key("now").Int(now);
  dashboard_.WriteAuthFailures(&w, limit);
  w.Key("suspect_accounts");
  WriteAccountsJson(accounts_, &w, limit);
  w.Key("guard");
  if (guard_ == nullptr) {
    w.Null();
  } else {
    const std::vector<guard::Ban>& bans = guard_->bans().bans();
    size_t active = 0;
    for (const guard::Ban& b : bans) active += b.end < 0 || b.end > now;
    w.BeginObject().Field("matches", guard_matches_).Field("bans_started", guard_bans_);
    w.Field("bans_active", static_cast<uint64_t>(active));
    w.Key("bans").BeginArray();
    // The newest first.
    size_t shown = 0;
    for (auto it = bans.rbegin(); it != bans.rend() && shown < limit; ++it, ++shown) {
      w.BeginObject().Field("ip", it->ip).Key("start").Int(it->start).Key("end").Int(it->end);
      w.Key("active").Bool(it->end < 0 || it->end > now).Key("failures").Int(it->failures).Key("count").Int(it->count);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndObject();
  out += '\n';
  return out;
}

HttpResponse Server::Search(const HttpRequest& req) {
  auto bad = [](const std::string& why) { return HttpResponse{400, "text/plain", why + "\n", {}}; };
  TraceFilter f;
  std::string v;
  bool any = false;
  if (req.Query("qid", &v) && !v.empty()) f.qid = v, any = true;
  const std::pair<const char*, TextPattern*> patterns[] = {{"msgid", &f.message_id}, {"address", &f.address}};
  for (const auto& [key, pattern] : patterns) {
    if (!req.Query(key, &v) || v.empty()) continue;
    if (!pattern->Set(v, false).ok()) return bad(std::string(key) + ": a bad pattern");
    any = true;
  }
  if (req.Query("client", &v) && !v.empty()) {
    if (!f.client.Set(v)) return bad("client: an IP address, a CIDR range or a hostname");
    any = true;
  }
  int64_t now = Now();
  for (auto [key, t] : {std::pair<const char*, int64_t*>{"from", &f.since}, {"until", &f.until}}) {
    if (!req.Query(key, &v) || v.empty()) continue;
    if (!ParseTimeSpec(v, now, t)) return bad(std::string(key) + ": a time as in doc/time.md");
  }
  if (!any) return bad("give qid=, msgid=, address= or client= (from= and until= narrow the time)");
  size_t limit = 20;
  if (req.Query("limit", &v)) limit = std::clamp<size_t>(std::strtoul(v.c_str(), nullptr, 10), 1, 200);
  std::vector<std::string> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (options_.journal) return HttpResponse{501, "text/plain", "search reads the followed files: not with --journal\n", {}};
    for (const auto& [path, off] : source_->Positions()) files.push_back(path);
  }
  std::lock_guard<std::mutex> one(search_mu_);
  auto started = std::chrono::steady_clock::now();
  PipelineOptions po = options_.pipeline;
  po.year.reference_epoch = now;
  Pipeline pipeline(po, reporter_);
  const bool qid_only = f.QidOnly();
  const std::string qid = f.qid;
  Tracer tracer(std::move(f));
  pipeline.AddSink(&tracer);
  pipeline.assembler().AddListener(&tracer);
  std::vector<std::string> ordered = OrderInputs(files, now);
  // A queue ID alone: `trace --search`'s literal search parses only the lines
  // that can matter (trace/search.h); else, or past its caps, every line.
  QidSearchStats st;
  if (!qid_only || !SearchQidLines(ordered, qid, po.parser, &pipeline, &st))
    for (const std::string& file : ordered) (void)pipeline.ProcessInput(file);
  pipeline.Finish();
  std::vector<const TraceMessage*> roots = tracer.Finish();
  bool truncated = roots.size() > limit;
  if (truncated) roots.resize(limit);
  std::string lines;
  RenderTraceJson(roots, &lines);  // one message a line, each tree's hops after it
  std::string out;
  JsonWriter w(&out, false);
  w.BeginObject().Key("now").Int(now).Key("trees").Uint(roots.size()).Key("truncated").Bool(truncated);
  w.Key("lines_parsed").Uint(pipeline.stats().lines);
  w.Key("elapsed_ms").Double(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  w.Key("messages");
  out += '[';
  for (size_t at = 0; at < lines.size();) {
    size_t nl = lines.find('\n', at);
    if (at) out += ',';
    out.append(lines, at, nl - at);
    at = nl + 1;
  }
  out += "]}\n";
  return HttpResponse{200, "application/json", std::move(out), {}};
}

// "/": what this serve is following and where its endpoints are (plain
// HTML, no scripts, nothing fetched from elsewhere; log-derived text escaped).
std::string Server::IndexPage() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>maillens serve</title></head><body><h1>maillens serve</h1><ul>"
      "<li><a href=\"/ui/\">/ui/</a>: the dashboard (overview, destinations, security, search)</li>"
      "<li><a href=\"/metrics\">/metrics</a>: Prometheus metrics</li>"
      "<li><a href=\"/api/summary\">/api/summary</a>: the last hour as JSON "
      "(<a href=\"/api/summary?since=24h\">?since=24h</a>; doc/time.md's times)</li>"
      "<li><a href=\"/healthz\">/healthz</a>: liveness</li></ul>";
  out += "<p>Lines read: " + std::to_string(lines_) + "</p><h2>Following</h2><ul>";
  for (const auto& [path, off] : source_->Positions())
    out += "<li>" + HtmlEscape(path) + " (offset " + std::to_string(off) + ")</li>";
  out += "</ul></body></html>\n";
  return out;
}

void Server::RegisterRoutes(HttpServer* http) {
  // Every route but /healthz wants the token (when one is configured).
  auto guarded = [this](HttpHandler h) -> HttpHandler {
    return [this, h = std::move(h)](const HttpRequest& req) {
      if (options_.token.empty() || TokenMatches(req.Header("Authorization"), options_.token)) return h(req);
      HttpResponse r;
      r.status = 401;
      r.body = "unauthorized\n";
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    };
  };
  http->Handle("/metrics", guarded([this](const HttpRequest&) {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", Metrics(), {}};
  }));
  http->Handle("/healthz", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok\n", {}}; });
  http->Handle("/", guarded([this](const HttpRequest&) {
    HttpResponse r{200, "text/html; charset=utf-8", IndexPage(), {}};
    AddPageHeaders(&r);
    return r;
  }));
  // The dashboard's files: no token (they hold no data; every /api/ call they
  // make sends it), revalidated by ETag.
  for (const WebAsset& a : WebAssets()) {
    auto serve_asset = [&a](const HttpRequest& req) {
      HttpResponse r;
      r.content_type = std::string(a.content_type);
      r.headers.emplace_back("ETag", std::string(a.etag));
      r.headers.emplace_back("Cache-Control", "no-cache");
      // If-None-Match may list several tags, or "*".
      std::string inm = req.Header("If-None-Match");
      if (inm == "*" || inm.find(a.etag) != std::string::npos) {
        r.status = 304;
      } else {
        r.body = std::string(a.body);
      }
      if (a.content_type.starts_with("text/html")) AddPageHeaders(&r);
      return r;
    };
    http->Handle("/ui/" + std::string(a.name), serve_asset);
    if (a.name == "dashboard.html") {
      http->Handle("/ui/", serve_asset);
      http->Handle("/ui", serve_asset);  // its links are absolute: the same page
    }
  }
  // Tells the page, without a 401, whether it must ask for the token first.
  http->Handle("/ui/session.json", [this](const HttpRequest&) {
    return HttpResponse{200, "application/json",
                        std::string("{\"token_required\":") + (options_.token.empty() ? "false" : "true") +
                            ",\"history\":" + (options_.history.empty() ? "false" : "true") + "}\n",
                        {}};
  });
  auto count_param = [](const HttpRequest& req, const char* key, size_t def, size_t max) {
    std::string v;
    if (!req.Query(key, &v)) return def;
    return std::clamp<size_t>(std::strtoul(v.c_str(), nullptr, 10), 1, max);
  };
  http->Handle("/api/overview", guarded([this, count_param](const HttpRequest& req) {
    // At most a day, and never past what the windows keep.
    size_t max = static_cast<size_t>(std::clamp<int64_t>(options_.summary_retention / 60, 1, 1440));
    int minutes = static_cast<int>(count_param(req, "minutes", std::min<size_t>(60, max), max));
    return HttpResponse{200, "application/json", Overview(minutes), {}};
  }));
  http->Handle("/api/destinations", guarded([this, count_param](const HttpRequest& req) {
    return HttpResponse{200, "application/json", Destinations(count_param(req, "limit", 50, 1000)), {}};
  }));
  http->Handle("/api/security", guarded([this, count_param](const HttpRequest& req) {
    return HttpResponse{200, "application/json", Security(count_param(req, "limit", 50, 1000)), {}};
  }));
  http->Handle("/api/search", guarded([this](const HttpRequest& req) { return Search(req); }));
  http->Handle("/api/summary", guarded([this](const HttpRequest& req) {
    int64_t now = Now();
    int64_t since = now - 3600;
    if (std::string s; req.Query("since", &s)) {
      // doc/time.md's grammar, relative forms counted back from serve's clock.
      if (!ParseTimeSpec(s, now, &since))
        return HttpResponse{400, "text/plain", "since: a time as in doc/time.md (epoch, ISO 8601, 15m, today, ...)\n", {}};
    }
    return HttpResponse{200, "application/json", Summary(since), {}};
  }));
  RegisterHistoryRoutes(http, guarded);
}

int Server::Run(const volatile std::sig_atomic_t* stop) {
  started_ = static_cast<int64_t>(std::time(nullptr));
  if (Status s = source_->Open(); !s.ok()) {
    reporter_->Report(Reporter::Severity::kFailed, "journal", -1, s.message());
    return 2;
  }
  if (!OpenHistory() || !LoadCheckpoint()) return 2;

  HttpServerOptions ho;
  ho.host = options_.host;
  ho.port = options_.port;
  ho.tls_cert = options_.tls_cert;
  ho.tls_key = options_.tls_key;
  HttpServer http(ho);
  RegisterRoutes(&http);
  if (Status s = http.Start(); !s.ok()) {
    std::string what = s.code() == Status::Code::kIOError ? options_.host + ":" + std::to_string(options_.port)
                                                         : options_.tls_cert;
    reporter_->Report(Reporter::Severity::kFailed, what, -1, s.message());
    return 2;
  }
  std::fprintf(stderr, "maillens serve: listening on %s://%s:%d\n", options_.tls_cert.empty() ? "http" : "https",
               options_.host.c_str(), http.port());

  auto feed = [this](std::string_view line) { OnLine(line); };
  int64_t last_tick = 0;
  last_checkpoint_ = static_cast<int64_t>(std::time(nullptr));
  while (!*stop) {
    size_t n;
    {
      std::lock_guard<std::mutex> lock(mu_);
      n = source_->Poll(feed, 4 << 20);
      // The first positions are saved at once: a kill before the first
      // interval must not lose track of rotations that happen meanwhile.
      if (checkpoints_ == 0 && checkpoint_errors_ == 0) SaveCheckpoint();
    }
    int64_t now = Now();
    if (now != last_tick) {
      std::lock_guard<std::mutex> lock(mu_);
      last_tick = now;
      for (LiveSink* sink : sinks_) sink->Tick(now);
      // Account-hours close once their hour is over (looked at every 10 s).
      if (now - accounts_flushed_ >= 10) {
        accounts_.Flush(now);
        accounts_flushed_ = now;
      }
      if (guard_) {
        guard_->bans().Evaluate(now);
        guard_->bans().Compact();
      }
    }
    HistoryTick();
    if (now - options_.clock_offset - last_checkpoint_ >= options_.checkpoint_interval) {
      std::lock_guard<std::mutex> lock(mu_);
      SaveCheckpoint();
    }
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    SaveCheckpoint();
  }
  http.Stop();
  return 0;
}

}  // namespace maillens
