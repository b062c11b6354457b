// filter_links.h - content-filter IDs to the queue IDs they re-injected as.
//
// A content filter that is not Postfix (Proxmox Mail Gateway's
// pmg-smtp-filter) answers Postfix with its own ID ("250 2.5.0 OK (ID)") and
// logs, in a line of its own, the queue ID each recipient went on as ("ID:
// accept mail to <rcpt> (QID)"). FilterLinks remembers those hand-offs so
// that the delivery (after-queue filter) or proxy-accept (before-queue
// filter) naming ID can name QID as its child_queue_id, as a "queued as QID"
// reply would: trace and --dedupe-content-filter then follow the hop.
//
// The filter logs its hand-off before it answers Postfix (it re-injects, then
// replies), so a hand-off is noted before the line that names its ID.
// Bounded: the oldest hand-offs are forgotten past kMaxLinks.
// Thread safety: none; one instance in the ordered stage (the pipeline).
#ifndef MAILLENS_ASSEMBLE_FILTER_LINKS_H_
#define MAILLENS_ASSEMBLE_FILTER_LINKS_H_

#include <deque>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace maillens {

class FilterLinks {
 public:
  static constexpr size_t kMaxLinks = 1 << 16;

  // `host`'s filter message `filter_id` handed `recipient` on as `queue_id`.
  void Note(std::string_view host, std::string_view filter_id, std::string_view recipient,
            std::string_view queue_id);
  // The queue ID `filter_id` handed `recipient` on as (or, for a recipient
  // not named, the last one it named at all); empty if unknown. The view
  // stays valid until the next Note().
  std::string_view Find(std::string_view host, std::string_view filter_id, std::string_view recipient);
  bool empty() const { return links_.empty(); }

 private:
  const std::string& Key(std::string_view host, std::string_view filter_id, std::string_view recipient);
  void Put(std::string_view queue_id);

  absl::flat_hash_map<std::string, std::string> links_;  // host \0 id [\0 rcpt] -> queue ID
  std::deque<std::string> order_;                         // keys, oldest first
  std::string key_;                                       // scratch
};

}  // namespace maillens

#endif  // MAILLENS_ASSEMBLE_FILTER_LINKS_H_
