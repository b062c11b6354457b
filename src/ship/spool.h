// spool.h - the shipper's on-disk queue of batches waiting for ClickHouse.
//
// A directory of append-only segment files (NNNNNNNN.seg, at most
// Options::segment_bytes each) and a small ledger. Each record is one batch:
//   magic "MLSP" | u32 payload length | u64 seq | u8 kind | u8 flags |
//   u16 0 | u32 rows | u64 XXH3-64 of the payload | payload
// (little-endian). `seq` is the checkpoint the batch belongs to (serve
// writes the batch, then the checkpoint naming that seq). The ledger
// ("ledger", replaced atomically) names the first record not yet
// acknowledged: segment number and offset.
//
// Open() scans the segments from the ledger on: a torn or corrupt record
// (power loss, a bad disk block) is skipped and counted, never a reason not
// to start (the scan looks for the next magic); records of a seq above the
// checkpoint's (written just before a crash that kept the checkpoint from
// naming them; the lines they came from are read again) are cut off.
// Append() adds a record and syncs it to disk before it returns. Front() /
// PopFront() hand out records oldest first; a segment is deleted once every
// record in it is acknowledged. Over Options::max_bytes the oldest segment
// is dropped, acknowledged or not, and its rows counted as dropped.
// Thread safety: every method takes the spool's lock; one appender and one
// reader thread may use it at once.
#ifndef MAILLENS_SHIP_SPOOL_H_
#define MAILLENS_SHIP_SPOOL_H_

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace maillens::ship {

struct SpoolOptions {
  std::string dir;
  uint64_t max_bytes = 1ull << 30;       // the whole spool
  uint64_t segment_bytes = 64ull << 20;  // one segment file
};

struct SpoolRecord {
  uint64_t seq = 0;
  uint8_t kind = 0;   // exporter::RecordKind
  uint8_t flags = 0;  // kGzip
  uint32_t rows = 0;
  std::string payload;
};

struct SpoolStats {
  uint64_t bytes = 0;            // in segment files
  uint64_t records = 0;          // waiting
  uint64_t dropped_rows = 0;     // over max_bytes, since start
  uint64_t dropped_records = 0;
  uint64_t corrupt_records = 0;  // skipped at Open()
  uint64_t cut_records = 0;      // of a seq above the checkpoint's, at Open()
};

class Spool {
 public:
  static constexpr uint8_t kGzip = 1;

  explicit Spool(SpoolOptions options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Creates the directory if needed and reads what is there; records with a
  // seq above `committed_seq` are removed. IOError if the directory cannot
  // be used.
  Status Open(uint64_t committed_seq);
  // Appends `r` (synced to disk). IOError on a write error.
  Status Append(const SpoolRecord& r);
  // The oldest waiting record (read from its segment), or nullopt when
  // there is none; IOError if it cannot be read.
  Status Front(std::optional<SpoolRecord>* out);
  // Acknowledges the record Front() returned (nothing if it was dropped since).
  Status PopFront();
  SpoolStats stats() const;

 private:
  struct Entry {
    uint64_t segment = 0, offset = 0, size = 0;  // record bytes, header included
    uint32_t rows = 0;
  };
  std::string SegmentPath(uint64_t segment) const;
  // Reads the records of `segment` from `offset` into entries_.
  void Scan(uint64_t segment, uint64_t offset, uint64_t committed_seq);
  Status WriteLedger();
  void DeleteSegmentsBefore(uint64_t segment);
  void DropOldestSegment();

  SpoolOptions options_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;
  uint64_t write_segment_ = 0, write_offset_ = 0;
  int write_fd_ = -1;
  std::map<uint64_t, uint64_t> segments_;
  uint64_t front_segment_ = ~0ull, front_offset_ = 0;  // the record Front() handed out  // segment files there are -> their bytes
  SpoolStats stats_;
};

}  // namespace maillens::ship

#endif  // MAILLENS_SHIP_SPOOL_H_
