// assembler.h - message assembly: a queue ID's lifecycle from client=/pickup
// to removed, keyed by (host, queue ID).
//
// Feed() attaches each event that names a queue ID to its Message and
// updates the message's facts (origin, size, sender, counts of deliveries by
// status, notices). Consumers then read those facts: every Message field is
// already updated for the event just fed.
//
// Memory is bounded by messages in flight: a message is released (the
// Listener is told, then it is freed) a short linger time after "removed" -
// Postfix processes write to syslog independently, so a delivery line may
// land just after qmgr's "removed" - or at once when its queue ID is reused
// (a new client= or pickup line for a removed message). Messages idle for
// longer than Options::idle_release (default 10 days, beyond Postfix's
// 5-day maximal_queue_lifetime) are released too, and so, after an hour,
// are messages that never reached the queue manager and are not on hold.
// Finish() releases the rest.
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
  int64_t first_seen = 0;  // epoch of the first event
  int64_t last_seen = 0;
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
    int64_t linger = 60;                // seconds a removed message is kept
    int64_t idle_release = 10 * 86400;  // seconds without events before release
    // A message that never reached the queue manager and is not on hold is
    // gone after this long without events: smtpd logs no "removed" when a
    // client leaves after RCPT, or for a message cleanup discards.
    int64_t pre_queue_release = 3600;
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
  uint64_t released() const { return released_; }

 private:
  Message* Find(std::string_view host, std::string_view qid, int64_t now, bool* created);
  void Release(absl::node_hash_map<std::string, Message>::iterator it);
  void Expire(int64_t now);

  Options options_;
  std::vector<Listener*> listeners_;
  absl::node_hash_map<std::string, Message> messages_;
  struct Lingering {
    int64_t removed_at;
    std::string key;
  };
  std::deque<Lingering> lingering_;  // removed messages, oldest first
  std::string key_;                  // scratch for lookups: host '\0' qid
  // smtpd processes (by pid) that logged "NOQUEUE: hold:": the hold applies
  // to the message that session queues next (its client= line).
  absl::flat_hash_map<int64_t, int64_t> pending_holds_;
  int64_t last_idle_scan_ = 0;
  uint64_t released_ = 0;
};

}  // namespace maillens

#endif  // MAILLENS_ASSEMBLE_ASSEMBLER_H_
