// postqueue.h - `postqueue -j` output read into QueuedMessage records.
//
// Postfix's `postqueue -j` prints one JSON object per queued message and one
// message per line: queue_name, queue_id, arrival_time (epoch seconds),
// message_size, forced_expire, sender and recipients [{address,
// delay_reason?}]. A line that is not such an object is reported as a
// PostqueueProblem and skipped; the other lines are still read, so one damaged
// line never loses the snapshot. Nothing here throws.
// Thread safety: the functions keep no state; distinct calls may run on
// distinct threads.
#ifndef MAILLENS_QUEUE_POSTQUEUE_H_
#define MAILLENS_QUEUE_POSTQUEUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maillens {

// One recipient still waiting for delivery.
struct QueuedRecipient {
  std::string address;
  std::string delay_reason;  // empty when postqueue gave none
};

// One message of the snapshot, as postqueue -j describes it.
struct QueuedMessage {
  std::string queue_name;  // maildrop, incoming, active, deferred, hold, ...
  std::string queue_id;
  int64_t arrival_time = 0;  // epoch seconds
  uint64_t message_size = 0;
  bool forced_expire = false;
  std::string sender;  // postqueue shows the null sender as "MAILER-DAEMON"
  std::vector<QueuedRecipient> recipients;
};

// A line that could not be read: 1-based line number and what was wrong.
struct PostqueueProblem {
  uint64_t line = 0;
  std::string message;
};

// Parses one line (without its newline) into *msg. Returns false and sets
// *error when the line is not a postqueue -j message object.
bool ParsePostqueueLine(std::string_view line, QueuedMessage* msg, std::string* error);

// Parses a whole `postqueue -j` output: appends each good message to *out and
// each bad non-blank line to *problems.
void ParsePostqueueJson(std::string_view text, std::vector<QueuedMessage>* out,
                        std::vector<PostqueueProblem>* problems);

// Reads a snapshot's text: `input` empty runs `postqueue -j`, "-" reads
// stdin, anything else is a file holding a saved `postqueue -j` output.
// *source names where it came from (for messages). On failure returns false
// with *error saying why.
bool ReadPostqueueSnapshot(const std::string& input, std::string* text, std::string* source, std::string* error);

}  // namespace maillens

#endif  // MAILLENS_QUEUE_POSTQUEUE_H_
