// input_runner.cc - StderrReporter, UnparsedWriter, RunInputs, the
// progress line, and what to say when an input cannot be opened.
#include "cli/input_runner.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include "io/input_set.h"
#include "pipeline/input_order.h"
#include "util/text_escape.h"

namespace maillens::cli {

void StderrReporter::Report(Severity severity, std::string_view source, int64_t offset, std::string_view what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (severity != Severity::kNotice) damaged_ = true;
  if (source != current_) {
    current_.assign(source);
    shown_ = 0;
  }
  if (shown_ >= 20) {
    ++suppressed_;
    return;
  }
  ++shown_;
  std::string msg = "maillens: " + TerminalSafe(source);
  if (offset >= 0) msg += ": byte " + std::to_string(offset);
  msg += ": " + TerminalSafe(what) + "\n";
  std::fputs(msg.c_str(), stderr);
}

bool StderrReporter::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (suppressed_ > 0) std::fprintf(stderr, "maillens: %llu more problems not shown\n",
                                    static_cast<unsigned long long>(suppressed_));
  return damaged_;
}

void UnparsedWriter::OnEvent(const Event& ev, const Message*) {
  if (!PartlyUnderstood(ev) || ev.header == nullptr) return;
  std::fwrite(ev.header->line.data(), 1, ev.header->line.size(), f_);
  std::fputc('\n', f_);
}

void UnparsedWriter::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)h, (void)origin;
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fputc('\n', f_);
}

namespace {

// "1.2 GB": bytes for people.
std::string HumanBytes(double b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) b /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

// The file position of the descriptor open on `target` (a canonical path,
// or "" for stdin's descriptor 0), from /proc/self/fdinfo; -1 if none.
int64_t OpenPosition(const std::string& target) {
  auto pos_of = [](const std::string& fd) -> int64_t {
    std::ifstream in("/proc/self/fdinfo/" + fd);
    std::string key;
    int64_t v;
    while (in >> key >> v)
      if (key == "pos:") return v;
    return -1;
  };
  if (target.empty()) return pos_of("0");
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int64_t pos = -1;
  char link[PATH_MAX];
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string fd = e->d_name;
    ssize_t n = readlink(("/proc/self/fd/" + fd).c_str(), link, sizeof link - 1);
    if (n <= 0 || std::string_view(link, static_cast<size_t>(n)) != target) continue;
    pos = pos_of(fd);
    break;
  }
  closedir(d);
  return pos;
}

// "maillens: 120.0 MB of 1.3 GB, 210.5 MB/s, ETA 0:05" on stderr, rewritten
// in place at most four times a second, from the first second on (sooner
// with MAILLENS_PROGRESS_DELAY_MS, for tests); erased when done. Bytes are
// those of the files as stored (compressed or not), found by the position of
// the open descriptor, so no reading stage needs to count.
class ProgressLine {
 public:
  explicit ProgressLine(const std::vector<std::string>& inputs) {
    for (const std::string& p : inputs) {
      struct stat st;
      bool is_stdin = p == "-";
      bool regular = (is_stdin ? fstat(STDIN_FILENO, &st) : stat(p.c_str(), &st)) == 0 && S_ISREG(st.st_mode);
      sizes_.push_back(regular ? static_cast<int64_t>(st.st_size) : -1);
      if (!regular) total_known_ = false;
      char* real = is_stdin ? nullptr : realpath(p.c_str(), nullptr);
      targets_.push_back(real ? real : "");
      std::free(real);
      if (!is_stdin && !real) targets_.back() = "\n";  // matches no descriptor
    }
    int delay_ms = 1000;
    if (const char* e = std::getenv("MAILLENS_PROGRESS_DELAY_MS")) delay_ms = std::atoi(e);
    thread_ = std::thread([this, delay_ms] { Loop(delay_ms); });
  }
  ~ProgressLine() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (shown_) std::fputs("\r\x1b[K", stderr);
  }
  // Input `i` starts; the ones before it are done.
  void Begin(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = i;
  }

 private:
  void Loop(int delay_ms) {
    auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [this] { return stop_; })) return;
    for (;;) {
      int64_t done = 0;
      for (size_t i = 0; i < current_ && i < sizes_.size(); ++i) done += std::max<int64_t>(sizes_[i], 0);
      if (current_ < targets_.size()) done += std::max<int64_t>(OpenPosition(targets_[current_]), 0);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
      std::string line = "maillens: " + HumanBytes(static_cast<double>(done));
      int64_t total = 0;
      for (int64_t sz : sizes_) total += std::max<int64_t>(sz, 0);
      if (total_known_) line += " of " + HumanBytes(static_cast<double>(total));
      line += ", " + HumanBytes(rate) + "/s";
      if (total_known_ && rate > 0 && done <= total) {
        int64_t eta = static_cast<int64_t>(static_cast<double>(total - done) / rate + 0.5);
        char buf[32];
        std::snprintf(buf, sizeof buf, ", ETA %lld:%02lld", static_cast<long long>(eta / 60),
                      static_cast<long long>(eta % 60));
        line += buf;
      }
      std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
      std::fflush(stderr);
      shown_ = true;
      if (cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) return;
    }
  }

  std::vector<int64_t> sizes_;        // -1: not a regular file
  std::vector<std::string> targets_;  // canonical paths ("" for stdin)
  bool total_known_ = true;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t current_ = 0;
  bool stop_ = false;
  bool shown_ = false;
  std::thread thread_;
};

// "a, b and c" of terminal-safe paths.
std::string JoinPaths(const std::vector<std::string>& paths) {
  std::string out;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (i > 0) out += i + 1 == paths.size() ? " and " : ", ";
    out += TerminalSafe(paths[i]);
  }
  return out;
}

}  // namespace

std::string DescribeInputFailure(const std::string& path, std::string_view status_message,
                                 const char* journal_dir) {
  size_t colon = status_message.find(": ");
  std::string cause(colon == std::string_view::npos ? status_message : status_message.substr(colon + 2));
  struct stat st;
  if (cause == "no such file") {
    struct stat js;
    bool journal = stat(journal_dir, &js) == 0 && S_ISDIR(js.st_mode);
    if (journal && path.rfind("/var/log/", 0) == 0)
      cause += " (this system keeps its log in the systemd journal: follow it with `maillens serve --journal`, "
               "or pipe it: journalctl -t postfix/smtpd -t postfix/qmgr ... -o short | maillens report)";
    return cause;
  }
  if (cause == "is a directory") return cause + " (give the log files in it, e.g. " + TerminalSafe(path) + "/mail.log*)";
  if (cause != std::strerror(EACCES)) return cause;
  cause = "permission denied";
  if (stat(path.c_str(), &st) != 0) {
    // The file itself cannot be looked at: a directory on the way is closed.
    std::string dir = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
    return cause + (dir.empty() ? "" : " (the directory " + TerminalSafe(dir) + " is not open to you; run as root)");
  }
  std::string group, owner;
  if (struct group* g = getgrgid(st.st_gid)) group = g->gr_name;
  if (struct passwd* pw = getpwuid(st.st_uid)) owner = pw->pw_name;
  const char* user = std::getenv("USER");
  std::string who = user && *user ? user : "$USER";
  if ((st.st_mode & S_IRGRP) && !group.empty())
    return cause + " (readable by group " + group + ": join it with `sudo usermod -aG " + group + " " + who +
           "` and log in again, or run as root)";
  if (st.st_mode & S_IRUSR)
    return cause + " (only its owner" + (owner.empty() ? "" : " " + owner) + " may read it: run as " +
           (owner.empty() ? "its owner" : owner) + " or root)";
  return cause + " (nobody may read it: chmod, or run as root)";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string ClosestName(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_d <= limit && best_d < word.size() ? best : std::string();
}

int RunInputs(const std::vector<std::string>& paths, int64_t reference_epoch, Pipeline* pipeline,
              StderrReporter* reporter, InputTally* tally, bool progress) {
  std::vector<std::string> inputs = paths.empty() ? std::vector<std::string>{"-"} : paths;
  inputs = OrderInputs(inputs, reference_epoch);
  InputTally local;
  InputTally& t = tally ? *tally : local;
  t.given = static_cast<int>(inputs.size());
  std::unique_ptr<ProgressLine> meter;
  if (progress && isatty(STDERR_FILENO)) meter = std::make_unique<ProgressLine>(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& path = inputs[i];
    if (meter) meter->Begin(i);
    Status st = pipeline->ProcessInput(path);
    if (!st.ok()) {
      if (meter) meter.reset();  // erase the line before writing under it
      reporter->Report(Reporter::Severity::kFailed, path, -1, DescribeInputFailure(path, st.message()));
      t.skipped.push_back(path);
    } else {
      ++t.read;
    }
  }
  meter.reset();
  pipeline->Finish();
  bool damaged = reporter->Finish();
  if (t.read == 0) {
    std::fprintf(stderr, "maillens: no input could be read; nothing to report\n");
  } else if (!t.skipped.empty()) {
    std::fprintf(stderr, "maillens: read %d of %d inputs; skipped %s\n", t.read, t.given,
                 JoinPaths(t.skipped).c_str());
  }
  return (!t.skipped.empty() || damaged) ? kExitInputProblem : kExitOk;
}

PipelineOptions OneShotOptions(const std::vector<std::string>& files, const std::string& syslog_name, int year) {
  PipelineOptions po;
  po.parser.syslog_name = syslog_name;
  po.year.fixed_year = year;
  po.year.reference_epoch = NewestMtime(files.empty() ? std::vector<std::string>{"-"} : files);
  return po;
}

CLI::App* AddOneShotCommand(CLI::App* app, const char* name, const char* help, OneShotArgs* args,
                            std::vector<std::string> formats) {
  CLI::App* cmd = app->add_subcommand(name, help);
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->add_option("files", args->files, "Log files (rotated sets in any order, any compression); '-' or none: stdin");
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember(std::move(formats)));
  cmd->add_option("-o,--output", args->output, "Write to FILE instead of stdout");
  cmd->add_option("--year", args->year, "Year of the first line (traditional timestamps carry none)");
  cmd->add_option("--syslog-name", args->syslog_name, "Also treat this syslog name as Postfix");
  cmd->add_flag("--quiet", args->quiet, "No progress line on stderr");
  return cmd;
}

int RunOneShot(const OneShotArgs& a, const std::vector<EventSink*>& sinks, bool* read) {
  PipelineOptions po = OneShotOptions(a.files, a.syslog_name, a.year);
  StderrReporter reporter;
  Pipeline pipeline(po, &reporter);
  for (EventSink* s : sinks) pipeline.AddSink(s);
  InputTally tally;
  int rc = RunInputs(a.files, po.year.reference_epoch, &pipeline, &reporter, &tally, !a.quiet);
  *read = tally.any_read();
  return rc;
}

bool WriteOutput(const std::string& path, const std::string& out, const char* cmd) {
  FILE* f = path.empty() || path == "-" ? stdout : std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    std::perror((std::string("maillens ") + cmd + ": " + path).c_str());
    return false;
  }
  std::fwrite(out.data(), 1, out.size(), f);
  return f == stdout ? std::fflush(f) == 0 : std::fclose(f) == 0;
}

}  // namespace maillens::cli
