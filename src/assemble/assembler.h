// assembler.h - message assembly: a queue ID's lifecycle from client=/pickup
// to removed, keyed by (host, queue ID), released by a rule no stray line can trigger.
//
// Feed() attaches each event that names a queue ID to its Message and
// updates the message's facts (origin, size, sender, counts of deliveries by
// status, notices). Consumers then read those facts: every Message field is
// already updated for the event just fed.
//
// The release rule. A message is released (each Listener is told, then it
// is freed) only when it can no longer be completed, or when a cap forces it:
//   - removed: Options::linger (60 s) on the assembler's clock, or
//     Options::linger_events (10000) events, after its last line - Postfix
//     processes write to syslog independently, so a delivery line may land
//     just after qmgr's "removed" - or at once when its queue ID is reused
//     (a new client= or pickup line for it);
//   - in flight and idle (no line of its own) for Options::idle_release
//     (10 days, beyond Postfix's 5-day maximal_queue_lifetime) on the clock
//     AND Options::idle_events (10000) events;
//   - end of input: Finish() releases the rest.
// A message that never reached the queue manager and is not on hold (smtpd
// logs no "removed" when a client leaves after RCPT, or for a message cleanup
// discards) is not released when idle but parked: after idle_events events
// without a line of its own it moves to a FIFO that keeps all its facts. A
// later line of the same (host, queue ID) - typically qmgr's from=, which can
// come hours later when qmgr was stopped or the incoming queue is backed up -
// moves it back, merged: the Listener never saw it, so no consumer splits it.
// A new client= or pickup line for a parked message means the queue ID was
// reused: the parked message is released and a new one starts. Parked
// messages are released when idle_release old, and oldest first beyond
// Options::max_parked (65536), counted in evicted().
// Memory is bounded whatever the input: beyond Options::max_in_flight (2^20)
// messages in flight, the eighth idle longest (by the clock, then by events)
// are released at once and counted in evicted(). Only evicted messages can
// be split by a later line; every release is counted in released().
//
// The clock. Ages in seconds are measured on the assembler's own clock, never
// against the timestamp of whatever line comes next: a second host in a
// merged log, chroot daemons logging UTC while the rest log local time, or
// one clock step would otherwise make live messages look hours old. The
// clock only moves forward: to a line's time when that is at most
// Options::clock_step (5 min) ahead of it, and past a larger gap only when
// Options::clock_confirm (16) consecutive lines are all that far ahead (it
// then moves to the earliest of them). A stray or skewed line therefore
// never moves it; a real jump (a quiet night, a clock step, the next file)
// does after 16 lines. A message's age is the clock's advance since its last
// line (Message::clock_seen), so lines of a host whose clock differs from the
// others' age like everyone's. Ages in events (Message::events_seen) guard
// against a burst of skewed lines that does move the clock, and keep memory
// bounded when the clock cannot move (input going back in time).
// Thread safety: one thread at a time.
#ifndef MAILLENS_ASSEMBLE_ASSEMBLER_H_
#define MAILLENS_ASSEMBLE_ASSEMBLER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>

#include "postfix/event.h"

namespace maillens {

struct Message {
  enum class Origin : uint8_t { kUnknown, kSmtpd, kPickup };

  std::string host;
  std::string queue_id;
  // Unique per message within one Assembler (1, 2, ...): a reused queue ID
  // is a new message with a new serial; a parked message keeps its own.
  uint64_t serial = 0;
  int64_t first_seen = 0;  // epoch of the first event
  int64_t last_seen = 0;
  // The assembler's clock and event count at the last event (see above).
  int64_t clock_seen = 0;
  uint64_t events_seen = 0;
  Origin origin = Origin::kUnknown;  // how it entered the queue, if seen in the input
  std::string client;                // smtpd client "name[addr]"
  std::string sasl_username;
  std::string message_id;
  std::string from;  // envelope sender (qmgr from=, or pickup)
  bool has_from = false;
  int64_t size = -1;  // qmgr size=, -1 until seen
  int32_t nrcpt = -1;
  std::string parent_queue_id;  // orig_queue_id= (content-filter hop) / pickup orig_id=
  // Counts of events seen for this message.
  uint32_t queue_active = 0;  // qmgr "from=<>, size=" lines (one per activation)
  uint32_t sent = 0, deferred = 0, bounced = 0, expired = 0, notices = 0;
  bool held = false;  // put on hold (access map, header/body check, postsuper -h)
  bool removed = false;
};

class Assembler {
 public:
  struct Options {
    int64_t linger = 60;                // seconds (clock) a removed message is kept...
    uint64_t linger_events = 10000;     // ...or events
    int64_t idle_release = 10 * 86400;  // seconds (clock) without a line before release...
    uint64_t idle_events = 10000;       // ...and events; also: pre-queue messages park after this
    size_t max_parked = 65536;          // parked pre-queue messages kept for a merge
    size_t max_in_flight = 1u << 20;    // hard cap on the in-flight table
    int64_t clock_step = 300;           // a line this far ahead moves the clock at once
    uint32_t clock_confirm = 16;        // consecutive lines confirming a larger jump
    uint64_t sweep_events = 65536;      // idle sweep each clock hour and each this many events
    int64_t pending_hold_expiry = 3600;  // NOQUEUE hold of a session that queues nothing
  };
  class Listener {
   public:
    virtual ~Listener() = default;
    // Called once per message, just before it is freed.
    virtual void OnMessageReleased(const Message& m) = 0;
  };

  Assembler() : Assembler(Options()) {}
  explicit Assembler(Options options) : options_(options) {}

  // Adds a listener (not owned; must outlive the assembler's use).
  void AddListener(Listener* l) { listeners_.push_back(l); }

  // Attaches `ev` to its message; returns it, or nullptr when the event names
  // no queue ID (or NOQUEUE). The pointer is valid until the next Feed().
  Message* Feed(const Event& ev);

  // Releases every message still held (end of input).
  void Finish();

  size_t in_flight() const { return messages_.size(); }
  size_t parked() const { return parked_.size(); }
  uint64_t released() const { return released_; }
  uint64_t evicted() const { return evicted_; }  // released by max_in_flight or max_parked
  int64_t clock() const { return clock_; }

 private:
  Message* Find(std::string_view host, std::string_view qid, int64_t now, bool* created);
  using Map = absl::node_hash_map<std::string, Message>;
  void Release(Map::iterator it);
  void ReleaseParked(Map::iterator it);
  void Tick(int64_t epoch);
  void Expire();
  void Evict();

  int64_t clock_ = 0;          // see "The clock" above; 0 until the first line
  int64_t ahead_min_ = 0;      // earliest of the consecutive lines far ahead
  uint32_t ahead_count_ = 0;   // how many
  uint64_t events_ = 0;        // events fed

  Options options_;
  std::vector<Listener*> listeners_;
  Map messages_;
  Map parked_;                      // pre-queue messages parked for a merge
  struct ParkedEntry {
    uint64_t events_seen;  // the message's, when parked: a mismatch means stale
    std::string key;
  };
  std::deque<ParkedEntry> parked_order_;  // parked keys, oldest first (some stale)
  struct Lingering {
    int64_t clock;    // clock_ and events_ at "removed" (or at a later line)
    uint64_t events;
    std::string key;
  };
  std::deque<Lingering> lingering_;  // removed messages, oldest first
  std::string key_;                  // scratch for lookups: host '\0' qid
  // smtpd processes (by pid) that logged "NOQUEUE: hold:": the hold applies
  // to the message that session queues next (its client= line).
  absl::flat_hash_map<int64_t, int64_t> pending_holds_;
  int64_t last_sweep_clock_ = 0;
  uint64_t last_sweep_events_ = 0;
  bool unparked_ = false;  // Find() moved a parked message back
  uint64_t released_ = 0;
  uint64_t serials_ = 0;  // the last Message::serial given
  uint64_t evicted_ = 0;
};

}  // namespace maillens

#endif  // MAILLENS_ASSEMBLE_ASSEMBLER_H_
