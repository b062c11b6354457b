// live_sink.h - what a consumer offers a long-running follower (`serve`).
//
// A live consumer is an EventSink whose state survives restarts: the
// follower saves SaveState() in its checkpoint together with the file
// offsets of the last line the consumer has seen, and calls LoadState()
// before resuming, so that no line is counted twice or lost and counters
// stay monotonic. Consumers that expose Prometheus metrics implement
// WriteMetrics() (text exposition format, one family after another; the
// HTTP server concatenates every consumer's output) and consumers with
// time-based behaviour (alert rules, ban expiry) get Tick() with the
// current time once a second.
// Thread safety: the follower calls every method from one thread; an HTTP
// handler that wants WriteMetrics() output asks that thread for it.
#ifndef MAILLENS_PIPELINE_LIVE_SINK_H_
#define MAILLENS_PIPELINE_LIVE_SINK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/pipeline.h"

namespace maillens {

class LiveSink : public EventSink {
 public:
  // A stable name: the key of this consumer's state in the checkpoint.
  virtual std::string_view Name() const = 0;
  // Called at every checkpoint just before SaveState(): a consumer makes
  // durable what its state will name (e.g. the shipper's spool).
  virtual void BeforeCheckpoint() {}
  // The consumer's state as an opaque string (counters, windows, bans).
  virtual std::string SaveState() const { return {}; }
  // Restores SaveState()'s output; false if it cannot be read (the
  // follower then starts this consumer from scratch and says so).
  virtual bool LoadState(std::string_view state) { return state.empty(); }
  // Appends Prometheus text-format families to `out` (nothing by default).
  virtual void WriteMetrics(std::string* out) const { (void)out; }
  // Called about once a second with the current epoch time.
  virtual void Tick(int64_t now) { (void)now; }
};

}  // namespace maillens

#endif  // MAILLENS_PIPELINE_LIVE_SINK_H_
