// history_command.cc - `maillens history import` and `maillens history show`.
//
// import: the inputs (any compression, rotated sets ordered as everywhere)
// go through the pipeline into a history::Bucketer, and its Delta into the
// store in one transaction together with one meta record per input
// ("import:" + SHA-256 of its first 64 KiB of decompressed text): an input
// whose record is there already is skipped, and said so, so importing the
// same logs twice changes nothing (renamed or recompressed rotations too).
// show: the totals per step over a range, as a table or JSON (history/render.h).
#include "cli/history_command.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdio>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "cli/input_runner.h"
#include "history/render.h"
#include "history/series.h"
#include "history/store.h"
#include "io/byte_source.h"
#include "util/duration.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens::cli {

namespace {

constexpr size_t kIdentityBytes = 64 << 10;

void Say(const std::string& what) { std::fprintf(stderr, "maillens history: %s\n", TerminalSafe(what).c_str()); }

// "import:" + hex SHA-256 of the first kIdentityBytes decompressed bytes;
// false when the input cannot be opened (RunInputs then says why).
bool InputIdentity(const std::string& path, Reporter* reporter, std::string* id) {
  std::unique_ptr<ByteSource> src;
  if (!OpenByteSource(path, reporter, &src).ok()) return false;
  std::string head(kIdentityBytes, '\0');
  size_t n = 0;
  while (n < head.size()) {
    size_t got = src->Read(head.data() + n, head.size() - n);
    if (got == 0) break;
    n += got;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(head.data(), n, md, &len, EVP_sha256(), nullptr) != 1) return false;
  static constexpr char kHex[] = "0123456789abcdef";
  *id = "import:";
  for (unsigned int i = 0; i < len; ++i) *id += kHex[md[i] >> 4], *id += kHex[md[i] & 15];
  return true;
}

// A Bucketer whose Delta goes to a writer thread every kChunkEvents events,
// into one open transaction of the store: SQLite's work overlaps the reading
// of the log, and memory stays bounded however long the log is.
class ImportSink : public EventSink {
 public:
  explicit ImportSink(history::HistoryStore* store) : store_(store) {
    status_ = store_->Begin();
    writer_ = std::thread([this] { Write(); });
  }
  ~ImportSink() override {
    if (writer_.joinable()) (void)Finish({});
  }
  void OnEvent(const Event& ev, const Message* m) override {
    bucketer_.OnEvent(ev, m);
    if (++events_ % kChunkEvents == 0) Push(bucketer_.Take());
  }
  // Writes what is left and commits with `meta` (or rolls back after an error).
  Status Finish(const std::vector<std::pair<std::string, std::string>>& meta) {
    Push(bucketer_.Take());
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    writer_.join();
    if (!status_.ok()) return status_;
    return store_->Commit(meta);
  }

 private:
  static constexpr uint64_t kChunkEvents = 1 << 18;
  static constexpr size_t kMaxQueued = 2;

  void Push(history::Delta d) {
    if (d.empty()) return;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
    queue_.push_back(std::move(d));
    cv_.notify_all();
  }
  void Write() {
    for (;;) {
      history::Delta d;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;
        d = std::move(queue_.front());
        queue_.pop_front();
      }
      cv_.notify_all();
      if (status_.ok()) status_ = store_->Add(d);  // only this thread writes status_ meanwhile
    }
  }

  history::HistoryStore* store_;
  history::Bucketer bucketer_;
  uint64_t events_ = 0;
  Status status_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<history::Delta> queue_;
  bool done_ = false;
  std::thread writer_;
};

struct ImportArgs {
  std::string db = kDefaultHistoryDb;
  std::vector<std::string> files;
  std::string syslog_name;
  int year = 0;
  bool quiet = false;
  std::string format = "text";
};

// --format json: what an import did, on stdout.
void PrintImportJson(const std::string& db, const std::vector<std::string>& imported,
                     const std::vector<std::pair<std::string, std::string>>& skipped) {
  std::string out;
  JsonWriter w(&out, false);
  w.BeginObject().Field("db", db).Key("imported").BeginArray();
  for (const std::string& f : imported) w.String(f);
  w.EndArray().Key("skipped").BeginArray();
  for (const auto& [f, why] : skipped) w.BeginObject().Field("path", f).Field("reason", why).EndObject();
  w.EndArray().EndObject();
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int RunImport(const ImportArgs& a) {
  for (const std::string& f : a.files)
    if (f == "-") return Say("import reads files (it records each so it is never imported twice), not stdin"), kExitUsage;
  history::HistoryStore store;
  if (Status s = store.Open(a.db); !s.ok()) return Say(std::string(s.message())), kExitUsage;
  StderrReporter reporter;
  std::vector<std::string> todo;
  std::vector<std::pair<std::string, std::string>> records;  // (id, description) per input of todo...
  std::vector<std::string> recorded;                          // ... and its path
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> passed;  // (path, why) not imported
  std::vector<std::string> imported;
  bool json = a.format == "json";
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const std::string& f : a.files) {
    std::string id, before;
    if (!InputIdentity(f, &reporter, &id)) {
      todo.push_back(f);  // RunInputs names the problem and counts it
      continue;
    }
    if (store.GetMeta(id, &before)) {
      Say(f + ": already imported (" + before + "), skipped");
      passed.emplace_back(f, "already imported: " + before);
      continue;
    }
    if (!seen.insert(id).second) {
      Say(f + ": the same log as another input, skipped");
      passed.emplace_back(f, "the same log as another input");
      continue;
    }
    struct stat st {};
    ::stat(f.c_str(), &st);
    todo.push_back(f);
    recorded.push_back(f);
    records.emplace_back(id, f + ", " + std::to_string(st.st_size) + " bytes, imported " +
                                 FormatEpoch(now, "%Y-%m-%dT%H:%M:%SZ", true));
  }
  if (todo.empty()) {
    if (json) PrintImportJson(a.db, imported, passed);
    return kExitOk;
  }
  PipelineOptions po = OneShotOptions(todo, a.syslog_name, a.year);
  Pipeline pipeline(po, &reporter);
  ImportSink sink(&store);
  pipeline.AddSink(&sink);
  InputTally tally;
  int code = RunInputs(todo, po.year.reference_epoch, &pipeline, &reporter, &tally, !a.quiet);
  // Only the inputs that were read are recorded (a missing one may come
  // later); nothing read: nothing committed.
  std::set<std::string> skipped(tally.skipped.begin(), tally.skipped.end());
  std::vector<std::pair<std::string, std::string>> kept;
  for (size_t i = 0; i < records.size(); ++i)
    if (!skipped.count(recorded[i])) kept.push_back(std::move(records[i])), imported.push_back(recorded[i]);
  for (const std::string& f : tally.skipped) passed.emplace_back(f, "could not be read");
  if (!tally.any_read()) {
    (void)sink.Finish({});
    if (json) PrintImportJson(a.db, {}, passed);
    return code;
  }
  if (Status s = sink.Finish(kept); !s.ok()) return Say(std::string(s.message())), kExitInputProblem;
  if (!a.quiet) Say("imported " + std::to_string(kept.size()) + " input(s) into " + a.db);
  if (json) PrintImportJson(a.db, imported, passed);
  return code;
}

struct ShowArgs {
  std::string db = kDefaultHistoryDb;
  std::string from, until, step = "day", measures, format = "text";
};

int RunShow(const ShowArgs& a) {
  struct stat st {};
  if (::stat(a.db.c_str(), &st) != 0) return Say(a.db + ": no such history store"), kExitUsage;
  history::HistoryStore store;
  if (Status s = store.Open(a.db); !s.ok()) return Say(std::string(s.message())), kExitUsage;
  history::SeriesQuery q;
  q.step_name = a.step;
  if (!history::ParseStep(q.step_name, &q.step)) return Say("--step: minute, hour or day"), kExitUsage;
  std::string bad;
  if (!history::ParseColumns(a.measures, &q.columns, &bad)) return Say("--measure: unknown '" + bad + "'"), kExitUsage;
  int64_t now = static_cast<int64_t>(std::time(nullptr)), first = 0, last = 0;
  bool any = store.Extent(&first, &last);
  // Default range: what the store holds, in whole steps.
  q.from = any ? first - ((first % q.step) + q.step) % q.step : 0;
  q.until = any ? last + 3600 : 0;
  if (!a.from.empty() && !ParseTimeSpec(a.from, now, &q.from)) return Say("--from: a time as in doc/time.md"), kExitUsage;
  if (!a.until.empty() && !ParseTimeSpec(a.until, now, &q.until))
    return Say("--until: a time as in doc/time.md"), kExitUsage;
  std::vector<history::Point> points;
  if (Status s = store.Series(q.from, q.until, q.step, &points); !s.ok())
    return Say(std::string(s.message())), kExitInputProblem;
  std::string out;
  if (a.format == "json")
    history::AppendSeriesJson(q, points, false, &out);
  else
    out = history::SeriesTable(q, points);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddHistoryCommand(CLI::App* app, int* exit_code) {
  CLI::App* cmd = app->add_subcommand(
      "history", "The history store: import old logs into it, show its totals (serve --history writes it live)");
  cmd->require_subcommand(1);

  auto ia = std::make_shared<ImportArgs>();
  CLI::App* imp = cmd->add_subcommand(
      "import", "Add LOGS (rotated, compressed) to the history store; an input imported before is skipped");
  imp->add_option("--db", ia->db, "The history store (SQLite)")->capture_default_str();
  imp->add_option("--year", ia->year, "Year of the first line (traditional timestamps carry none)");
  imp->add_option("--syslog-name", ia->syslog_name, "Also treat this syslog name as Postfix");
  imp->add_flag("--quiet", ia->quiet, "No progress or summary line on stderr");
  imp->add_option("--format", ia->format, "text (messages on stderr only) or json (also a summary on stdout)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  imp->add_option("LOGS", ia->files, "Log files (any compression)")->required();
  imp->callback([ia, exit_code] { *exit_code = RunImport(*ia); });

  auto sa = std::make_shared<ShowArgs>();
  CLI::App* show = cmd->add_subcommand("show", "Print the store's totals per minute, hour or day");
  show->add_option("--db", sa->db, "The history store (SQLite)")->capture_default_str();
  show->add_option("--from", sa->from, "From this time (doc/time.md; default: the first stored hour)");
  show->add_option("--until", sa->until, "Until this time, exclusive (default: after the last stored hour)");
  show->add_option("--step", sa->step, "One row per minute, hour or day (UTC)")
      ->check(CLI::IsMember({"minute", "hour", "day"}))
      ->capture_default_str();
  show->add_option("--measure", sa->measures,
                   "Comma-separated columns (received, delivered, deferred, bounced, expired, rejected, held, "
                   "auth_failures, queue_size; default all)");
  show->add_option("--format", sa->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  show->callback([sa, exit_code] { *exit_code = RunShow(*sa); });
}

}  // namespace maillens::cli
