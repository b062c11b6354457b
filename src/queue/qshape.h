// qshape.h - Postfix's qshape table (domain x age buckets) from queued messages.
//
// The rules are those of Postfix's auxiliary/qshape/qshape.pl: recipient mode
// counts recipients by recipient domain, sender mode (-s) counts messages by
// sender domain (the null sender is MAILER-DAEMON); bucket 1 holds ages
// [0, t) minutes, then [t, 2t), [2t, 4t), ... (or [t, 2t), [2t, 3t), ... with
// -l) and the last bucket has no upper limit; -p also counts every parent
// domain ".example.com" and shows it when it has at least min_subdomains
// distinct children. Messages come from `postqueue -j` (queue/postqueue.h),
// not from the queue files, and only those in the selected queues count.
// doc/qshape.md lists where the output differs from qshape.pl.
// Thread safety: one thread at a time per table.
#ifndef MAILLENS_QUEUE_QSHAPE_H_
#define MAILLENS_QUEUE_QSHAPE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "queue/postqueue.h"

namespace maillens {

// qshape's options, with its defaults.
struct QshapeOptions {
  bool sender_mode = false;     // -s
  bool parent_domains = false;  // -p
  int min_subdomains = 5;       // -m (with -p)
  int bucket_count = 10;        // -b
  int bucket_minutes = 5;       // -t
  bool linear = false;          // -l
  int width = 80;               // -w (values up to 80 keep 80, as qshape)
  std::vector<std::string> queues = {"incoming", "active"};
};

// One table row: the name and counts[0] = total, counts[1..bucket_count].
struct QshapeRow {
  std::string domain;
  std::vector<uint64_t> counts;
};

// qshape's bucket (1..bucket_count) for a message that arrived at `arrival`,
// seen at `now` (ages below zero go to bucket 1).
int QshapeBucket(int64_t arrival, int64_t now, const QshapeOptions& options);

// The table key of an address: lower-cased (ASCII), empty -> MAILER-DAEMON,
// everything up to the last '@' dropped, ".." -> ".", one leading and one
// trailing dot removed.
std::string QshapeDomain(std::string_view address);

// The next parent of a key for -p: "a.b.example.com" -> ".b.example.com" ->
// ".example.com"; empty when there is none (top-level domains are not rolled up).
std::string QshapeParent(std::string_view key);

// The column headings: "T", then each bucket's upper age limit in minutes,
// the last one as "<previous>+".
std::vector<std::string> QshapeHeadings(const QshapeOptions& options);

// Accumulates messages, then gives rows and renderings.
class QshapeTable {
 public:
  QshapeTable(QshapeOptions options, int64_t now);

  // Counts `msg` when its queue is selected and it still has recipients
  // (qshape skips queue files without any). Returns whether it counted.
  bool Add(const QueuedMessage& msg);

  // TOTAL first, then the shown domains: total descending, then shorter name
  // first (qshape's order), then by name so that ties are reproducible.
  std::vector<QshapeRow> Rows() const;

  // qshape's text layout: right-justified columns as wide as the widest of
  // the heading and the TOTAL count plus one (at least 3), the domain column
  // filling the rest of `width` (at least 18); longer names cut to '+' (or
  // '.+' for parents) and their last characters.
  std::string RenderText() const;

  // The same table as one JSON document (full names, never cut).
  std::string RenderJson() const;

  const QshapeOptions& options() const { return options_; }
  int64_t now() const { return now_; }

 private:
  struct Entry {
    std::vector<uint64_t> counts;
    uint64_t subdomains = 0;
  };
  // Adds one count at bucket `b` to `key` (and its parents with -p).
  void Count(std::string key, int b);

  QshapeOptions options_;
  int64_t now_;
  std::vector<uint64_t> total_;
  std::unordered_map<std::string, Entry> domains_;
};

}  // namespace maillens

#endif  // MAILLENS_QUEUE_QSHAPE_H_
