// watch_command.cc - `maillens watch`: follows logs (src/follow) into the
// watch view (src/watch) and redraws it every second.
//
// On a terminal: the alternate screen, raw keys (1/2/3 or Tab switch panels,
// q or Ctrl-C quits), colors unless NO_COLOR or --no-color; the terminal is
// restored on every exit path. Not on a terminal (or --once): plain frames,
// no escape sequences, one per interval (--once: one, after reading the
// files).
#include "cli/watch_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>

#include "cli/input_runner.h"
#include "follow/follower.h"
#include "io/input_set.h"
#include "pipeline/pipeline.h"
#include "queue/postqueue.h"
#include "util/text_escape.h"
#include "watch/watch_model.h"

namespace maillens::cli {

namespace {

volatile sig_atomic_t g_stop = 0;
struct termios g_saved_termios;
bool g_raw = false;

void OnSignal(int) { g_stop = 1; }

// Leaves the alternate screen and restores the terminal's mode.
void RestoreTerminal() {
  if (!g_raw) return;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
  std::fputs("\x1b[?25h\x1b[?1049l", stdout);
  std::fflush(stdout);
  g_raw = false;
}

// Raw keys, alternate screen, hidden cursor.
void EnterTerminal() {
  if (tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
  struct termios raw = g_saved_termios;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
  g_raw = true;
  std::atexit(RestoreTerminal);
  std::fputs("\x1b[?1049h\x1b[?25l", stdout);
}

// Messages about the followed files: kept for the problems panel, not
// printed over the screen.
class QuietReporter : public Reporter {
 public:
  void Report(Severity, std::string_view, int64_t, std::string_view) override {}
};

// Queue size from a postqueue snapshot; -1 when it cannot be read.
int64_t QueueSize(const std::string& input) {
  std::string text, source, error;
  if (!ReadPostqueueSnapshot(input, &text, &source, &error)) return -1;
  std::vector<QueuedMessage> msgs;
  std::vector<PostqueueProblem> problems;
  ParsePostqueueJson(text, &msgs, &problems);
  return static_cast<int64_t>(msgs.size());
}

}  // namespace

int RunWatch(const WatchArgs& a) {
  if (a.files.empty()) {
    std::fprintf(stderr, "maillens watch: give the log files to follow\n");
    return kExitUsage;
  }
  bool tty = !a.once && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  watch::FrameOptions fo;
  fo.color = tty && !a.no_color && !(no_color && *no_color);
  fo.unicode = !a.ascii;
  for (const std::string& f : a.files) fo.title += (fo.title.empty() ? "" : " ") + f;

  PipelineOptions po;
  po.year.fixed_year = a.year;
  po.year.reference_epoch = static_cast<int64_t>(std::time(nullptr));
  QuietReporter quiet;
  Pipeline pipeline(po, &quiet);
  watch::WatchModel model;
  pipeline.AddSink(&model);
  FollowOptions opts;
  opts.from_start = a.from_start || a.once;
  Follower follower(a.files, opts, &quiet);
  auto feed = [&pipeline](std::string_view line) { pipeline.ProcessLine(line); };

  int64_t queue = -1;
  bool queue_ok = !a.no_queue;
  auto refresh_queue = [&]() {
    if (!queue_ok) return;
    queue = QueueSize(a.postqueue);
    if (queue < 0) queue_ok = false;  // not on a Postfix host (or no permission): stop asking
  };

  if (a.once) {
    // One-shot: an input that cannot be read is an error, as for report.
    std::vector<std::string> skipped;
    size_t plain = 0;
    for (const std::string& f : a.files) {
      if (f.find_first_of("*?[") != std::string::npos) continue;
      ++plain;
      int fd = open(f.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st;
      std::string why;
      if (fd < 0) why = errno == ENOENT ? "no such file" : std::strerror(errno);
      else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) why = "is a directory";
      if (fd >= 0) close(fd);
      if (why.empty()) continue;
      std::fprintf(stderr, "maillens: %s: %s\n", TerminalSafe(f).c_str(), DescribeInputFailure(f, why).c_str());
      skipped.push_back(f);
    }
    if (!skipped.empty() && skipped.size() == plain && plain == a.files.size()) {
      std::fprintf(stderr, "maillens: no input could be read; nothing to report\n");
      return kExitInputProblem;
    }
    if (!skipped.empty())
      std::fprintf(stderr, "maillens: read %zu of %zu inputs; %zu skipped\n", a.files.size() - skipped.size(),
                   a.files.size(), skipped.size());
    while (follower.Poll(feed) > 0) {
    }
    refresh_queue();
    fo.queue_size = queue;
    fo.color = false;
    std::fputs(model.RenderFrame(fo).c_str(), stdout);
    return skipped.empty() ? kExitOk : kExitInputProblem;
  }

  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  signal(SIGHUP, OnSignal);
  if (tty) EnterTerminal();
  auto interval = std::chrono::milliseconds(static_cast<int64_t>(a.interval * 1000));
  auto next_frame = std::chrono::steady_clock::now();
  auto next_queue = next_frame;
  while (!g_stop) {
    while (follower.Poll(feed, 8 << 20) > 0 && std::chrono::steady_clock::now() < next_frame) {
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= next_queue) {
      refresh_queue();
      next_queue = now + std::chrono::seconds(10);
    }
    if (now >= next_frame) {
      model.Tick(static_cast<int64_t>(std::time(nullptr)));
      fo.queue_size = queue;
      if (tty) {
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
          fo.width = ws.ws_col;
          fo.height = ws.ws_row;
        }
        std::string frame = model.RenderFrame(fo);
        std::string screen = "\x1b[H";
        size_t start = 0;
        for (size_t nl; (nl = frame.find('\n', start)) != std::string::npos; start = nl + 1)
          screen += frame.substr(start, nl - start) + "\x1b[K\r\n";
        screen += "\x1b[J";
        std::fwrite(screen.data(), 1, screen.size(), stdout);
      } else {
        std::string frame = model.RenderFrame(fo) + "\n";
        std::fwrite(frame.data(), 1, frame.size(), stdout);
      }
      std::fflush(stdout);
      next_frame = now + interval;
    }
    // Wait for a key (or the next frame); keys only on a terminal.
    int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       next_frame - std::chrono::steady_clock::now())
                                       .count());
    wait_ms = std::max(0, std::min(wait_ms, 200));
    if (!tty) {
      usleep(static_cast<useconds_t>(wait_ms) * 1000);
      continue;
    }
    struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
    if (poll(&pfd, 1, wait_ms) > 0) {
      char c;
      while (read(STDIN_FILENO, &c, 1) == 1) {
        int p = static_cast<int>(fo.panel);
        if (c == 'q' || c == 'Q' || c == 3) g_stop = 1;
        else if (c == '1' || c == '2' || c == '3') p = c - '1';
        else if (c == '\t') p = (p + 1) % 3;
        fo.panel = static_cast<watch::Panel>(p);
        next_frame = std::chrono::steady_clock::now();  // redraw at once
      }
    }
  }
  RestoreTerminal();
  return kExitOk;
}

void AddWatchCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<WatchArgs>();
  CLI::App* cmd = app->add_subcommand(
      "watch", "Live terminal view of followed logs: sent/deferred/bounced/rejected per minute, queue, problems");
  cmd->add_option("files", args->files, "Log files or globs to follow (like tail -F)")->required();
  cmd->add_flag("--from-start", args->from_start, "Also read what the files hold already (default: only new lines)");
  cmd->add_flag("--once", args->once, "Read the files, print one plain frame and exit");
  cmd->add_option("--interval", args->interval, "Seconds between frames")->capture_default_str()->check(
      CLI::Range(0.1, 3600.0));
  cmd->add_option("--postqueue", args->postqueue, "A saved `postqueue -j` output (default: run postqueue -j every 10 s)");
  cmd->add_flag("--no-queue", args->no_queue, "Do not read the queue");
  cmd->add_flag("--ascii", args->ascii, "ASCII sparklines instead of block characters");
  cmd->add_flag("--no-color", args->no_color, "No colors (also when NO_COLOR is set)");
  cmd->add_option("--year", args->year, "Year of traditional timestamps (default: the current year)");
  cmd->callback([args, exit_code]() { *exit_code = RunWatch(*args); });
}

}  // namespace maillens::cli
