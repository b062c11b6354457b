// records.h - record builders: from events and assembled messages to rows.
//
// Each builder is an EventSink on the pipeline (pipeline/pipeline.h) that
// writes rows of one kind to a RowWriter, in the column order of
// SchemaFor(kind) (schema.h; doc/schema.md says what each column holds):
//   DeliveryRecords    one row per delivery status line ("to=<...>, status=..."),
//                      with the message's sender, size, client and SASL user
//                      as the assembler knows them at that line
//   RejectRecords      one row per reject, reject_warning, hold, discard
//                      (smtpd/postscreen access checks, milters, cleanup
//                      header/body checks), NOQUEUE or queued
//   ConnectionRecords  one row per smtpd or postscreen session, when it ends
//   MessageRecords     one row per message (queue-ID lifetime), when the
//                      assembler releases it (also an Assembler::Listener)
// A builder keeps only what is in flight (open sessions, live messages), so
// memory is bounded by the traffic in flight, not by the input size.
// Thread safety: one thread at a time (the pipeline's assembling thread).
#ifndef MAILLENS_EXPORT_RECORDS_H_
#define MAILLENS_EXPORT_RECORDS_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "assemble/assembler.h"
#include "export/row_writer.h"
#include "pipeline/pipeline.h"

namespace maillens::exporter {

class DeliveryRecords : public EventSink {
 public:
  explicit DeliveryRecords(RowWriter* out) : out_(out) {}  // not owned
  void OnEvent(const Event& ev, const Message* m) override;

 private:
  RowWriter* out_;
  std::string domain_;  // recipient_domain's scratch
};

class RejectRecords : public EventSink {
 public:
  explicit RejectRecords(RowWriter* out) : out_(out) {}
  void OnEvent(const Event& ev, const Message* m) override;

 private:
  RowWriter* out_;
  std::string scratch_;
};

class MessageRecords : public EventSink, public Assembler::Listener {
 public:
  explicit MessageRecords(RowWriter* out) : out_(out) {}
  void OnEvent(const Event& ev, const Message* m) override;
  void OnMessageReleased(const Message& m) override;
  // End of input (after the pipeline's Finish()): writes the last rows.
  void Finish() { WriteReleased(); }

 private:
  // What the row needs beyond the assembler's Message, per live message.
  struct Extra {
    int32_t first_offset = 0, last_offset = 0;  // UTC offsets of the first/last line
    bool qmqpd = false, rejected = false, held = false, discarded = false;
    std::string children;  // next hops and notices, space-separated
  };
  // A link seen from the parent's side ("queued as X", a notice's new
  // queue ID), waiting for message X's row.
  struct PendingParent {
    std::string parent;
    int64_t epoch = 0;
  };
  // A released message waiting for its row: the assembler releases several
  // at once in hash order (idle sweeps, end of input), and rows are written
  // in a stable order instead, by first_seen, host and queue ID.
  struct Released {
    Message m;
    Extra x;
    std::string parent;
  };
  void AddChild(Extra* x, std::string_view child, std::string_view parent, int64_t epoch);
  void ExpireParents(int64_t now);
  void WriteReleased();
  void Write(const Released& r);

  RowWriter* out_;
  std::vector<Released> released_;  // [0, n_released_) in use; the rest keep their capacity
  size_t n_released_ = 0;
  std::vector<const Released*> order_;
  absl::flat_hash_map<const Message*, Extra> extra_;
  absl::flat_hash_map<std::string, PendingParent> parents_;  // child queue ID -> parent
  std::deque<std::pair<int64_t, std::string>> parent_order_;  // for expiry, oldest first
  std::string parent_scratch_;
  int64_t now_ = 0;
};

class ConnectionRecords : public EventSink {
 public:
  explicit ConnectionRecords(RowWriter* out) : out_(out) {}
  ~ConnectionRecords() override;
  void OnEvent(const Event& ev, const Message* m) override;
  // End of input: writes the sessions still open (without a disconnect time).
  void Finish();

  // Public for the implementation's helpers.
  struct Session;

 private:
  // smtpd: one session per process (host, pid); postscreen: one per client
  // address and port (host, hash of "[addr]:port").
  struct Key {
    uint32_t host = 0;
    bool postscreen = false;
    uint64_t id = 0;
    bool operator==(const Key& o) const { return host == o.host && postscreen == o.postscreen && id == o.id; }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.host, k.postscreen, k.id);
    }
  };
  uint32_t HostId(std::string_view host);
  Session* Find(const Key& key);
  Session* Open(const Key& key, const Event& ev);
  void Close(const Key& key, Session* s);
  void Write(const Session& s);
  void OnSmtpd(const Event& ev);
  void OnPostscreen(const Event& ev);
  void Sweep(int64_t now);
  // Writes and closes `keys`' sessions in a stable order (start time, host, pid, client).
  void CloseAll(std::vector<Key> keys);

  RowWriter* out_;
  absl::flat_hash_map<Key, Session*> open_;
  std::vector<Session*> free_;  // reused sessions: their strings keep their capacity
  absl::flat_hash_map<std::string, uint32_t> hosts_;
  std::string last_host_;
  uint32_t last_host_id_ = 0;
  // postscreen (per host and pid): the session that just passed, which a
  // DISCONNECT on the very next line still belongs to.
  absl::flat_hash_map<Key, Key> passed_;
  int64_t last_sweep_ = 0;
  std::string scratch_;
};

// Splits Postfix's "delays=a/b/c/d" of a delivery event into its four
// numbers as written (empty where a part is not a plain decimal). False if
// the line has no delays field.
bool DelaysText(const Event& ev, std::string_view parts[4]);

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_RECORDS_H_
