// tracer.h - `maillens trace`: each message's lifecycle, its linked hops, and
// the filters that pick messages.
//
// Tracer is an EventSink and an Assembler::Listener: it rides on the
// pipeline's one Assembler (which keys messages by host + queue ID, handles
// queue-ID reuse and the linger after "removed") and keeps, for candidate
// messages only, a TraceEvent per event (its raw line and the fields a
// timeline needs). A candidate is decided at a message's first event: with a
// --qid filter only that queue ID and messages that may be a linked hop
// (injected locally: loopback client, pickup, bounce notices) are kept, so a
// trace of one queue ID costs little more than parsing. When a message is
// released its record is kept if it matches the filter or a kept message
// named it ("queued as X", notice X). Finish() links parents to children
// (content-filter / relay hops, bounce notices) and returns the matching
// message trees. smtpd's connect and TLS lines (no queue ID) are attached to
// the message its session queues next (same host and pid).
// Thread safety: one thread at a time (the pipeline's calling thread).
#ifndef MAILLENS_TRACE_TRACER_H_
#define MAILLENS_TRACE_TRACER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "assemble/assembler.h"
#include "pipeline/pipeline.h"
#include "util/status.h"

namespace re2 {
class RE2;
}

namespace maillens {

// A text pattern: exact (case-insensitive) or a glob (* ? [..]), or RE2.
class TextPattern {
 public:
  TextPattern();
  ~TextPattern();
  TextPattern(TextPattern&&) noexcept;
  TextPattern& operator=(TextPattern&&) noexcept;
  // Compiles `p`; a bad regex gives InvalidArgument.
  Status Set(std::string_view p, bool regex);
  bool empty() const { return pattern_.empty(); }
  // Does `s` match? Angle brackets around `s` are ignored.
  bool Matches(std::string_view s) const;

 private:
  std::string pattern_;
  std::unique_ptr<re2::RE2> re_;
};

// An IP range (CIDR, or a single address) or a hostname glob.
class ClientPattern {
 public:
  // Parses "192.0.2.0/24", "2001:db8::1", "mail.example.*"; false if a
  // CIDR is malformed.
  bool Set(std::string_view p);
  bool empty() const { return empty_; }
  // Does the client "name[addr]" (or a bare address) match?
  bool Matches(std::string_view client) const;

 private:
  bool empty_ = true;
  bool is_net_ = false;
  int family_ = 0, prefix_ = 0;
  unsigned char net_[16] = {};
  TextPattern host_;
};

struct TraceFilter {
  std::string qid;
  TextPattern message_id, from, to, sasl_user, host;
  TextPattern address;  // the sender or any recipient (serve's /api/search)
  ClientPattern client;
  std::string status;  // a final-outcome word (sent, bounced, deferred, expired, rejected, held, ...)
  int64_t since = INT64_MIN, until = INT64_MAX;  // epoch range [since, until)
  // Only --qid given: the cheap pre-filter applies.
  bool QidOnly() const;
};

// One event of a traced message, owning its text.
struct TraceEvent {
  uint64_t seq = 0;  // input order
  int64_t epoch = 0;
  int32_t usec = 0;
  EventKind kind = EventKind::kUnrecognised;
  Daemon daemon = Daemon::kOther;
  DeliveryStatus status = DeliveryStatus::kNone;
  Action action = Action::kNone;
  std::string line;  // the raw log line
  uint32_t program_at = 0, program_len = 0, text_at = 0;  // where program and message are in `line`
  // Syslog program, e.g. "postfix/smtp", and the message part of the line.
  std::string_view program() const { return std::string_view(line).substr(program_at, program_len); }
  std::string_view text() const { return std::string_view(line).substr(text_at); }
  std::string to, orig_to, from, relay, delay, dsn, status_text, child_queue_id, client, helo;
  float delays[4] = {0, 0, 0, 0};
  bool has_delays = false;
  bool has_from = false;  // the line has from=<...> (possibly empty)
};

// A traced message (or a NOQUEUE reject) with its events and links.
struct TraceMessage {
  std::string host, queue_id;  // queue_id "NOQUEUE" for a pre-queue reject
  std::string message_id, from, client, sasl_username;
  // Is the sender known? false when no qmgr/pickup from= (nor a reject's
  // from=) is in the input: `from` is then empty but is NOT the null sender
  // <>; text shows "(sender not in log)", JSON null.
  bool has_from = false;
  std::string parent_queue_id;  // orig_id= / orig_queue_id= (requeue, re-injection)
  int64_t size = -1;
  int32_t nrcpt = -1;
  int64_t first_seen = 0, last_seen = 0;
  std::vector<TraceEvent> events;
  std::vector<TraceMessage*> hops;  // linked next hops / notices, in time order
  TraceMessage* parent = nullptr;
  bool matched = false;
};

// A recipient's final outcome, from its last delivery attempt.
struct RecipientOutcome {
  std::string to, orig_to;
  const TraceEvent* last = nullptr;  // last delivery event
  std::string word;                  // OutcomeWords(): sent, deferred, bounced, expired, ...
  std::string words;                 // a sentence for people
};
std::vector<RecipientOutcome> Outcomes(const TraceMessage& m);
// Every word Outcomes() gives (doc/trace.md), the values `--status` accepts:
// sent, bounced, deferred, expired, deleted, held, rejected, discarded,
// deliverable, undeliverable, delivered (address probes and sendmail -bv,
// named as DeliveryStatusName does), unknown-status (a status= word Postfix
// does not write), unknown (no delivery seen).
const std::vector<std::string>& OutcomeWords();
// "relay R, dsn D" of a delivery (no "dsn" part without a dsn=, as in Postfix
// before 2.3; only "dsn D" without a relay).
std::string DeliveryDetail(const TraceEvent& e);

class Tracer : public EventSink, public Assembler::Listener {
 public:
  explicit Tracer(TraceFilter filter) : filter_(std::move(filter)) {}
  void OnEvent(const Event& ev, const Message* m) override;
  // An unparsed line that starts "QID: " joins that message's events (kind
  // kUnrecognised), so --format lines is the complete grep of the queue ID.
  void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) override;
  void OnMessageReleased(const Message& m) override;
  // After the pipeline's Finish(): links hops and returns the roots of the
  // matching trees (a matching message and its hops), oldest first.
  std::vector<const TraceMessage*> Finish();
  // Does `m` (alone) match the filter?
  bool Matches(const TraceMessage& m) const;

 private:
  static void Fill(const Event& ev, uint64_t seq, TraceEvent* te);
  bool Candidate(const Event& ev, const Message& m) const;
  // Can the message, now that `ev` told more about it, still match or be a hop?
  bool StillWanted(const Event& ev, const Message& m) const;
  static std::string Key(std::string_view host, std::string_view qid);
  // A before-queue session's events join the message `qid` it produced.
  void JoinBeforeQueue(std::string_view host, std::string_view qid, std::vector<TraceEvent> events);

  TraceFilter filter_;
  uint64_t seq_ = 0;
  // Live messages: null for a non-candidate.
  absl::flat_hash_map<const Message*, std::unique_ptr<TraceMessage>> live_;
  // smtpd sessions (host '\0' pid): connect and TLS events before client=.
  absl::flat_hash_map<std::string, std::vector<TraceEvent>> sessions_;
  absl::flat_hash_set<std::string> named_;  // queue IDs named as a hop by a candidate
  // Before-queue filter sessions (host '\0' queue ID they produced): the
  // session's lines and its proxy-accept, joined to that message when it is
  // released (or at once if it was released already). At most
  // kMaxBeforeQueue; past that the oldest are forgotten.
  static constexpr size_t kMaxBeforeQueue = 100000;
  absl::flat_hash_map<std::string, std::vector<TraceEvent>> before_queue_;
  // Queue IDs of candidates live or kept: a requeued copy (orig_id=) of one is kept.
  absl::flat_hash_map<std::string, int> tracked_;
  std::vector<std::unique_ptr<TraceMessage>> done_;
  // Unparsed lines by host '\0' queue ID, until that message is released
  // (at most kMaxUnparsed in all; more are not traced).
  static constexpr size_t kMaxUnparsed = 100000;
  absl::flat_hash_map<std::string, std::vector<TraceEvent>> unparsed_;
  size_t unparsed_count_ = 0;
};

// Output formats (doc/trace.md).
void RenderTraceText(const std::vector<const TraceMessage*>& roots, std::string* out);
void RenderTraceJson(const std::vector<const TraceMessage*>& roots, std::string* out);
void RenderTraceLines(const std::vector<const TraceMessage*>& roots, std::string* out);

}  // namespace maillens

#endif  // MAILLENS_TRACE_TRACER_H_
