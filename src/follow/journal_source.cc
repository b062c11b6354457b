// journal_source.cc - JournalSource over sd-journal (see journal_source.h).
//
// State text: "" (nothing read yet: a first start), "head" (everything in
// the journal is still to be read), "cursor C" (C was handed out: continue
// after it) or "next C" (C is the first entry not yet handed out). It is
// taken whenever the read position moves (after each Poll that reached an
// entry), so SaveState() never asks the journal and never falls back to an
// older position.
#include "follow/journal_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <systemd/sd-journal.h>

namespace maillens {
namespace {

// Appends `n` as `width` decimal digits.
void AppendDigits(std::string* out, uint64_t n, int width) {
  char buf[24];
  for (int i = width - 1; i >= 0; --i, n /= 10) buf[i] = static_cast<char>('0' + n % 10);
  out->append(buf, static_cast<size_t>(width));
}

// Appends `s` with the bytes that would end or split a line made spaces.
void AppendOneLine(std::string* out, std::string_view s) {
  for (char c : s) out->push_back(c == '\n' || c == '\r' || c == '\0' ? ' ' : c);
}

constexpr std::string_view kCursor = "cursor ";
constexpr std::string_view kNext = "next ";

}  // namespace

void FormatJournalLine(const JournalEntry& e, std::string* out) {
  out->clear();
  const time_t secs = static_cast<time_t>(e.realtime_usec / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char stamp[32];  // on the stack: no allocation per entry
  out->append(stamp, std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S.", &tm));
  AppendDigits(out, e.realtime_usec % 1000000, 6);
  out->append("+00:00 ");
  // Host and identifier are single syslog fields: blanks and control bytes
  // (and, in the identifier, '[' and ':') would end or shift them.
  auto token = [out](std::string_view s, std::string_view fallback, bool identifier) {
    if (s.empty()) s = fallback;
    for (char c : s) {
      const unsigned char u = static_cast<unsigned char>(c);
      const bool bad = u <= 0x20 || u == 0x7f || (identifier && (c == '[' || c == ':'));
      out->push_back(bad ? '_' : c);
    }
  };
  token(e.hostname, "localhost", false);
  out->push_back(' ');
  token(e.identifier, "unknown", true);
  bool pid = !e.pid.empty() && e.pid.size() <= 10;
  for (char c : e.pid) pid = pid && c >= '0' && c <= '9';
  if (pid) out->append("[").append(e.pid).append("]");
  out->append(": ");
  AppendOneLine(out, e.message);
}

JournalSource::JournalSource(JournalOptions options) : options_(std::move(options)) {}

JournalSource::~JournalSource() {
  if (j_ != nullptr) sd_journal_close(j_);
}

Status JournalSource::Open() {
  int r;
  if (!options_.directory.empty()) {
    struct stat st;
    if (stat(options_.directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return Status::NotFound(options_.directory + ": no such journal directory");
    r = sd_journal_open_directory(&j_, options_.directory.c_str(), 0);
  } else {
    r = sd_journal_open(&j_, SD_JOURNAL_LOCAL_ONLY);
  }
  if (r < 0) {
    j_ = nullptr;
    return Status::IOError(std::string("cannot open the journal: ") + std::strerror(-r));
  }
  const bool all = options_.units.size() == 1 && options_.units[0] == "*";
  for (const std::string& unit : options_.units) {
    if (all) break;
    std::string match = "_SYSTEMD_UNIT=" + unit;
    r = sd_journal_add_match(j_, match.data(), match.size());
    if (r < 0) return Status::InvalidArgument("bad journal unit " + unit + ": " + std::strerror(-r));
  }
  // Watches for new and rotated journal files; sd_journal_process() reads
  // the events on each Poll.
  (void)sd_journal_get_fd(j_);
  return Status::OK();
}

void JournalSource::Start() {
  started_ = true;
  if (options_.from_start) {
    sd_journal_seek_head(j_);
    state_ = "head";
    return;
  }
  sd_journal_seek_tail(j_);
  // Stand on the newest entry: reading continues after it.
  if (sd_journal_previous(j_) > 0) Remember();
  else state_ = "head";  // an empty journal: everything that comes is new
}

size_t JournalSource::Poll(const LineFn& fn, size_t max_bytes) {
  if (j_ == nullptr) return 0;
  if (!started_) Start();
  (void)sd_journal_process(j_);
  size_t lines = 0, bytes = 0;
  bool moved = false;  // an entry was reached: its cursor is the new position
  std::string host, ident, pid;  // copies: each sd_journal_get_data() may unmap the previous field
  while (bytes < max_bytes) {
    if (pending_) {
      pending_ = false;
    } else if (sd_journal_next(j_) <= 0) {
      break;
    }
    moved = true;
    ++entries_;
    JournalEntry e;
    if (sd_journal_get_realtime_usec(j_, &e.realtime_usec) < 0) continue;
    auto field = [this](const char* name, std::string* out) {
      const void* data = nullptr;
      size_t len = 0;
      out->clear();
      if (sd_journal_get_data(j_, name, &data, &len) < 0) return false;
      std::string_view v(static_cast<const char*>(data), len);
      out->assign(v.substr(std::min(v.size(), std::strlen(name) + 1)));
      return true;
    };
    field("_HOSTNAME", &host);
    field("SYSLOG_IDENTIFIER", &ident);
    if (!field("SYSLOG_PID", &pid)) field("_PID", &pid);  // as journalctl and rsyslog do
    // MESSAGE last: its view stays valid until the next sd_journal call.
    const void* data = nullptr;
    size_t len = 0;
    if (sd_journal_get_data(j_, "MESSAGE", &data, &len) < 0) continue;
    std::string_view msg(static_cast<const char*>(data), len);
    e.hostname = host;
    e.identifier = ident;
    e.pid = pid;
    e.message = msg.substr(std::min<size_t>(msg.size(), 8));  // after "MESSAGE="
    FormatJournalLine(e, &line_);
    fn(line_);
    ++lines;
    ++lines_;
    bytes += line_.size() + 1;
  }
  if (moved) Remember();
  return lines;
}

void JournalSource::Remember() {
  char* cursor = nullptr;
  if (sd_journal_get_cursor(j_, &cursor) < 0) return;  // keep the last known position
  state_.assign(pending_ ? kNext : kCursor).append(cursor);
  std::free(cursor);
}

std::string JournalSource::SaveState() const { return state_; }

bool JournalSource::LoadState(std::string_view state) {
  if (state.empty()) return true;
  if (j_ == nullptr) return false;
  if (state == "head") {
    sd_journal_seek_head(j_);
    started_ = true;
    state_ = "head";
    return true;
  }
  state_ = std::string(state);  // until an entry is reached, the position stays the loaded one
  const bool next = state.substr(0, kNext.size()) == kNext;
  if (!next && state.substr(0, kCursor.size()) != kCursor) return false;
  std::string cursor(state.substr(next ? kNext.size() : kCursor.size()));
  if (cursor.empty() || sd_journal_seek_cursor(j_, cursor.c_str()) < 0) return false;
  started_ = true;
  if (sd_journal_next(j_) > 0) {
    // The saved entry itself was handed out ("cursor"), unless it is gone
    // (vacuumed) and this is the nearest one.
    pending_ = next || sd_journal_test_cursor(j_, cursor.c_str()) <= 0;
    Remember();
  }
  return true;
}

std::vector<std::pair<std::string, uint64_t>> JournalSource::Positions() const {
  return {{options_.directory.empty() ? std::string("journal") : "journal:" + options_.directory, entries_}};
}

}  // namespace maillens
