// summary.h - the daily summary's figures, counted with pflogsumm's rules.
//
// Summary is an EventSink. It counts what pflogsumm 1.1.5 counts, the way it
// counts it (research/peers.md, "How it counts"; docs/pflogsumm-differences.md
// lists where maillens deliberately differs):
//   received    smtpd "client=" lines + pickup lines
//   delivered   status=sent lines without "forwarded as" (one per recipient)
//   forwarded   status=sent lines with "forwarded as"
//   deferred    messages with at least one status=deferred; deferrals: the lines
//   bounced     status=bounced lines
//   rejected / reject_warnings / held / discarded
//               smtpd/postscreen access-check actions (reject, reject_warning,
//               hold, discard) and cleanup header/body/END-OF-MESSAGE actions
//               (reject and milter-reject, warning, hold and milter-hold,
//               discard and milter-discard)
//   bytes received: size of each message received in the input, once;
//   bytes delivered: message size per delivered recipient
//   senders, sending domains: of received messages; recipients and recipient
//   domains: of delivered lines. Domains are lower-cased (everything with -i).
// Per-day and per-hour tables count received/delivered/deferred/bounced and
// rejected (rejected including warnings, holds and discards, as pflogsumm).
// The day count for hourly averages is the number of distinct dates seen.
// Thread safety: one thread at a time.
#ifndef MAILLENS_REPORT_SUMMARY_H_
#define MAILLENS_REPORT_SUMMARY_H_

#include <array>
#include <deque>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "pipeline/pipeline.h"
#include "util/text_escape.h"

namespace maillens {

// The pflogsumm release whose counting and layout `report` follows
// (report --compat): Debian's 1.1.5, the default, or 1.3.0. Every point
// where 1.3.0 counts or prints differently branches on SummaryOptions::compat
// (Summary::v13(), and render.cc through Summary::options()); the list is in
// docs/pflogsumm-differences.md, "report --compat 1.3".
enum class Compat : uint8_t { kPflogsumm115, kPflogsumm13 };

struct SummaryOptions {
  Compat compat = Compat::kPflogsumm115;  // --compat 1.3: pflogsumm 1.3.0's rules
  bool ignore_case = false;  // pflogsumm -i: lower-case whole addresses
  bool uucp_mung = false;    // -m: "a!b!user@host" -> "host!a!user@b"
  int verp_mung = 0;         // --verp-mung[=2]
  bool verbose_msg_detail = false;  // --verbose-msg-detail: reasons untrimmed
  bool smtpd_stats = false;         // --smtpd-stats: connection times
  bool message_detail = false;      // -e: per-message detail
  bool no_no_msg_size = false;      // --no-no-msg-size
  bool rej_add_from = false;        // --rej-add-from
  bool rej_add_to = false;          // --compat 1.3 --rej-add-to: the recipient in reject rows
  bool no_smtpd_warnings = false;   // --no-smtpd-warnings (deprecated)
  // --dedupe-content-filter: a message re-injected by a content filter is
  // counted once (see Summary::DedupeHop).
  bool dedupe_content_filter = false;
  // Details not collected when their listing is off (pflogsumm's "== 0").
  bool deferral_detail = true, bounce_detail = true, reject_detail = true, smtp_detail = true;
  // --compat 1.3: postscreen lines are read for --pscrn-stats or the
  // "postscreen actions" listing (on unless --pscrn-detail 0).
  bool pscrn_stats = false, pscrn_detail = true;
};

// Counts by key, nested as pflogsumm's detail hashes are.
using Counts = absl::flat_hash_map<std::string, uint64_t>;
using Counts2 = absl::flat_hash_map<std::string, Counts>;
using Counts3 = absl::flat_hash_map<std::string, Counts2>;

// The "problems" sections: message deferral/bounce/reject/... detail,
// smtp delivery failures, warnings, fatal errors, panics, master messages.
struct Problems {
  Counts2 deferred;   // {command}{reason}
  Counts2 bounced;    // {relay}{reason}
  Counts3 rejects, reject_warnings, holds, discards;  // {stage}{reason}{client, sender or recipient}
  Counts2 smtp_failures;  // {reason}{host}
  Counts2 warnings, fatals, panics;  // {command}{text}
  Counts master;
  Counts3 deferred13;       // --compat 1.3 (not verbose): {command}{host}{reason}
  Counts2 smtp_exceptions;  // --compat 1.3: smtp "connect to" failures {text}{host}, instead of smtp_failures
  Counts2 pscrn_actions;    // --compat 1.3: postscreen actions {action[ detail]}{client IP}
  Counts expired;  // --compat 1.3: {relay host of the last deferral} of expired messages
};

// Delivery latency (Postfix's delay= of sent recipients) in buckets with
// these upper bounds in seconds; the last bucket is open.
inline constexpr double kLatencyBounds[] = {1, 5, 30, 120, 600, 3600, 21600};
inline constexpr const char* kLatencyLabels[] = {"<1s", "1-5s", "5-30s", "30s-2m", "2-10m", "10m-1h", "1-6h", ">6h"};
inline constexpr size_t kLatencyBuckets = 8;

// -e: one message's detail lines in one buffer (not one allocation per line),
// already in the text report's form: joined by kSeparator ("\n   ").
struct MessageLines {
  static constexpr std::string_view kSeparator = "\n   ";
  std::string text;
  bool sized = false;  // pflogsumm's $msgSizes{$qid} is true: later sender lines ignored
  bool plain = true;   // nothing TerminalSafe() would escape: printable as is
  void Add(std::string_view line) {
    if (text.capacity() < 96) text.reserve(96);  // sender and a few recipients: one allocation
    if (!text.empty() || !lines_empty_) text.append(kSeparator);
    lines_empty_ = false;
    plain = plain && IsTerminalSafe(line);
    text.append(line);
  }
  // The lines, each to f(std::string_view).
  template <typename F>
  void ForEach(F f) const {
    if (lines_empty_) return;
    std::string_view t = text;
    for (;;) {
      size_t sep = t.find(kSeparator);
      f(t.substr(0, sep));
      if (sep == std::string_view::npos) return;
      t.remove_prefix(sep + kSeparator.size());
    }
  }

 private:
  bool lines_empty_ = true;  // no line added yet
};

// -e: one message (one queue-ID lifecycle) and its lines. A reused queue ID
// is a second entry with the same queue_id, as the sender tables count it.
struct MessageDetailEntry {
  std::string queue_id;
  uint64_t serial = 0;  // Message::serial, 0 when the event had no message
  MessageLines lines;
};

// --smtpd-stats: smtpd connection times (connect to disconnect, per pid).
struct ConnStats {
  uint64_t count = 0;
  int64_t seconds = 0, max = 0;
};
struct SmtpdStats {
  uint64_t connections = 0;
  int64_t seconds = 0;
  std::array<ConnStats, 24> per_hour{};
  std::map<int64_t, ConnStats> per_day;
  absl::flat_hash_map<std::string, ConnStats> per_domain;
};

// --compat 1.3 --pscrn-stats: postscreen connections (CONNECT to
// DISCONNECT, HANGUP or PASS NEW/OLD of the same address and port).
struct PscrnStats {
  uint64_t connections = 0;
  int64_t seconds = 0;
  absl::flat_hash_set<std::string> addresses;
};

// --compat 1.3: the date of a line as 1.3.0 reads it (traditional stamps:
// this year, or last year for a later month; RFC 3339: the year written).
struct Date13 {
  int year = 0, month = 0, day = 0;
};

struct GrandTotals {
  uint64_t received = 0, delivered = 0, forwarded = 0, deferred = 0, deferrals = 0, bounced = 0,
           rejected = 0, reject_warnings = 0, held = 0, discarded = 0;
  // --compat 1.3 only: cleanup "removed (canceled)" and qmgr "status=expired".
  uint64_t removed_canceled = 0, expired = 0;
  int64_t received13 = 0;  // --compat 1.3: received as 1.3.0 prints it (may be negative); `received` is >= 0
  uint64_t bytes_received = 0, bytes_delivered = 0;
  uint64_t senders = 0, sending_domains = 0, recipients = 0, recipient_domains = 0;
  uint64_t content_filter_hops = 0;  // --dedupe-content-filter: re-injections not counted again
  int rejected_pct() const;   // int(rejected / (delivered + rejected + discarded) * 100)
  int discarded_pct() const;
};

// Columns of the per-day and per-hour tables.
enum TrafficColumn { kRcvd = 0, kDlvd, kDfrd, kBncd, kRjct, kTrafficColumns };
using TrafficRow = std::array<uint64_t, kTrafficColumns>;

struct AddressStats {
  uint64_t count = 0;
  uint64_t bytes = 0;
};
struct DomainStats {
  uint64_t count = 0, bytes = 0, defers = 0;
  double delay_sum = 0, delay_max = 0;
};

class Summary : public EventSink {
 public:
  explicit Summary(SummaryOptions options = {});

  void OnEvent(const Event& ev, const Message* m) override;
  void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) override;
  void OnForeign(const SyslogHeader& h, std::string_view line) override;

  // Figures; call after the input is processed.
  GrandTotals totals() const;
  const std::map<int64_t, TrafficRow>& per_day() const { return per_day_; }  // key: civil day
  const std::array<TrafficRow, 24>& per_hour() const { return per_hour_; }
  size_t day_count() const { return days_.size(); }
  const absl::flat_hash_map<std::string, AddressStats>& senders() const { return senders_; }
  const absl::flat_hash_map<std::string, AddressStats>& recipients() const { return recipients_; }
  const absl::flat_hash_map<std::string, AddressStats>& sending_domains() const { return sending_domains_; }
  const absl::flat_hash_map<std::string, DomainStats>& recipient_domains() const { return recipient_domains_; }
  const Problems& problems() const { return problems_; }
  const std::array<uint64_t, kLatencyBuckets>& delivery_latency() const { return latency_; }
  const SmtpdStats& smtpd() const { return smtpd_; }
  const std::set<int64_t> all_days() const { return std::set<int64_t>(days_.begin(), days_.end()); }
  // -e: per message, in order of first appearance: lines (sender first, then
  // recipients), pflogsumm's %msgDetail but keyed by message, not queue ID.
  const std::vector<MessageDetailEntry>& message_detail() const { return detail_; }
  // Queue ID -> recipient of deliveries without a known size.
  const absl::flat_hash_map<std::string, std::string>& no_size() const { return no_size_; }
  const SummaryOptions& options() const { return options_; }
  bool v13() const { return options_.compat == Compat::kPflogsumm13; }
  // --compat 1.3: the first and the last line's dates (any program's), and
  // whether there was a line at all.
  bool any_line13() const { return any_line13_; }
  Date13 first_date13() const { return first13_; }
  Date13 last_date13() const { return last13_; }
  const PscrnStats& pscrn() const { return pscrn_; }

 private:
  void NoteDay(const SyslogHeader& h);
  void Bump(const SyslogHeader& h, TrafficColumn c);
  // Normalises an address as pflogsumm does (domain lower-cased) into scratch_.
  const std::string& NormaliseAddress(std::string_view addr, bool verp = false);
  void CountSender(const Message& m);
  void CountDelivery(const Event& ev, const Message* m);
  void CountDetailSender(const Event& ev, const Message* m);
  MessageLines& DetailLines(const Event& ev, const Message* m);
  void CountReject(const Event& ev, Counts3* detail);
  void CountReject13(const Event& ev, Counts3* detail);
  void CountCleanupAction(const Event& ev, Counts3* detail);
  // key1_ = `text` (whole with --verbose-msg-detail, else trim(text, width):
  // one of pflogsumm's string trimmers).
  void DetailKey(std::string_view text, void (*trim)(std::string_view, size_t, std::string*), size_t width);
  std::string_view RejectSender(std::string_view from, std::string* buf) const;
  void CountDiagnostic(const SyslogHeader& h);
  void CountDiagnostic13(std::string_view cmd, std::string_view msg);
  void CountConnection(const Event& ev);
  void NoteReceived(const Event& ev);
  bool DedupeHop(std::string_view child);
  // --compat 1.3: pflogsumm 1.3.0's %rcvdMsg, the messages received and not
  // done with yet; the ones never sized are taken out of "received" at the
  // end (when the input has size data at all).
  struct Pending13 {
    bool whence = false;  // received (client= or pickup)
    bool sized = false, size_nonzero = false;
    int64_t size = 0;
    std::string relay;  // of the last deferral: the expired detail's key
  };
  void Track13(const Event& ev);
  void NoteLine13(const SyslogHeader& h);
  void CountPostscreen13(const SyslogHeader& h);
  bool any_line13_ = false;
  Date13 first13_, last13_;
  int this_year13_ = 0, this_month13_ = 0;
  PscrnStats pscrn_;
  absl::flat_hash_map<std::string, int64_t> pscrn_open_;  // "IP:port" -> second of CONNECT
  absl::flat_hash_map<std::string, Pending13> pending13_;
  bool size_data13_ = false;
  bool count_sender13_ = false;  // this qmgr line's sender is counted (Track13)
  int64_t received_taken13_ = 0;  // late rejects and cancels

  SummaryOptions options_;
  GrandTotals t_;
  std::map<int64_t, TrafficRow> per_day_;
  std::array<TrafficRow, 24> per_hour_{};
  absl::flat_hash_set<int64_t> days_;
  int64_t last_day_ = INT64_MIN;
  absl::flat_hash_map<std::string, AddressStats> senders_, recipients_, sending_domains_;
  absl::flat_hash_map<std::string, DomainStats> recipient_domains_;
  Problems problems_;
  std::array<uint64_t, kLatencyBuckets> latency_{};
  SmtpdStats smtpd_;
  absl::flat_hash_map<int64_t, int64_t> open_conn_;  // smtpd pid -> wall-clock second of connect
  std::vector<MessageDetailEntry> detail_;
  absl::flat_hash_map<std::string, uint32_t> detail_index_;  // queue ID -> its newest entry
  absl::flat_hash_map<std::string, std::string> no_size_;
  // --dedupe-content-filter: messages received in the last hour, by queue
  // ID, with what was counted for them (to take back for a re-injection).
  struct Received {
    int64_t epoch = 0, date = 0;
    int hour = 0;
    bool sender_counted = false, hop = false;
    std::string sender, domain;
    uint64_t size = 0;
  };
  absl::flat_hash_map<std::string, Received> recent_;
  void TakeBackReceipt(Received* r);
  // Deliveries "queued as X" whose X was not received yet: what they counted
  // (one per recipient the filter was handed).
  struct Hop {
    int64_t epoch = 0, date = 0;
    int hour = 0;
    std::string recipient, domain;
    uint64_t size = 0;
    double delay = 0;
    size_t latency_bucket = 0;
  };
  absl::flat_hash_map<std::string, std::vector<Hop>> pending_hops_;
  std::deque<std::pair<int64_t, std::string>> recent_order_;
  std::string scratch_, scratch_domain_, key1_, key2_;
};

// pflogsumm's gimme_domain(): "mach.host.dom[1.2.3.4]" -> "host.dom";
// "unknown[1.2.3.4]" -> "1.2.3.4". Appends to *out.
void ClientDomain(std::string_view client, std::string* out);

}  // namespace maillens

#endif  // MAILLENS_REPORT_SUMMARY_H_
