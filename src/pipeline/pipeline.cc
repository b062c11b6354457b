// pipeline.cc - Pipeline.
#include "pipeline/pipeline.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "io/byte_source.h"
#include "lines/line_reader.h"

namespace maillens {

Pipeline::Pipeline(PipelineOptions options, Reporter* reporter)
    : options_(std::move(options)), reporter_(reporter), year_tracker_(options_.year) {}

void Pipeline::Count(absl::flat_hash_map<std::string, uint64_t>* m, std::string_view key) {
  // Debian's abseil is built with its own string_view type: convert for the
  // heterogeneous (allocation-free) lookup.
  auto it = m->find(absl::string_view(key.data(), key.size()));
  if (it != m->end()) {
    ++it->second;
  } else {
    m->emplace(std::string(key), 1);
  }
}

void Pipeline::Parse(std::string_view line, Record* r) {
  ++stats_.lines;
  r->line = line;
  if (!ParseStamp(line, &r->header)) {
    ++stats_.no_header;
    r->type = Record::Type::kNoHeader;
    return;
  }
  year_tracker_.Resolve(&r->header);
  if (options_.filter_days) {
    int64_t day = r->header.civil_day();
    if (stats_.first_day_seen < 0 || day < stats_.first_day_seen) stats_.first_day_seen = day;
    if (day > stats_.last_day_seen) stats_.last_day_seen = day;
    if (day < options_.first_day || day > options_.last_day) {
      ++stats_.filtered_out;
      r->type = Record::Type::kSkip;
      return;
    }
  }
  r->origin = ClassifyProgram(r->header, options_.parser);
  if (r->origin == Origin::kForeign) {
    ++stats_.foreign;
    Count(&stats_.foreign_by_program, r->header.program);
    r->type = Record::Type::kForeign;
    r->has_hand_off = ParseFilterHandOff(r->header, &r->hand_off);
    return;
  }
  ++stats_.mail_lines;
  if (!ParseMailLine(r->header, r->origin, &r->event)) {
    ++stats_.unparsed;
    Count(&stats_.unparsed_by_program, r->header.program);
    r->type = Record::Type::kUnparsed;
    return;
  }
  r->type = Record::Type::kEvent;
  if (PartlyUnderstood(r->event)) {  // an event, and in the unparsed census (postfix/parser.h)
    ++stats_.unparsed;
    Count(&stats_.unparsed_by_program, r->header.program);
  }
}

void Pipeline::Deliver(Record* r) {
  switch (r->type) {
    case Record::Type::kSkip:
      return;
    case Record::Type::kForeign:
      if (r->has_hand_off)
        filter_links_.Note(r->header.host, r->hand_off.filter_id, r->hand_off.recipient, r->hand_off.queue_id);
      for (EventSink* s : sinks_) s->OnForeign(r->header, r->line);
      return;
    case Record::Type::kNoHeader:
      for (EventSink* s : sinks_) s->OnUnparsed(nullptr, Origin::kForeign, r->line);
      return;
    case Record::Type::kUnparsed:
      for (EventSink* s : sinks_) s->OnUnparsed(&r->header, r->origin, r->line);
      return;
    case Record::Type::kEvent: {
      Event& ev = r->event;
      if (!ev.filter_id.empty() && ev.child_queue_id.empty() && !filter_links_.empty())
        ev.child_queue_id = filter_links_.Find(r->header.host, ev.filter_id, ev.to);
      const Message* m = options_.assemble ? assembler_.Feed(r->event) : nullptr;
      for (EventSink* s : sinks_) s->OnEvent(r->event, m);
      return;
    }
  }
}

void Pipeline::TrackYear(std::string_view line) {
  SyslogHeader h;
  if (ParseStamp(line, &h)) year_tracker_.Resolve(&h);
}

void Pipeline::ProcessLine(std::string_view line) {
  Parse(line, &record_);
  Deliver(&record_);
}

namespace {

// A batch of parsed lines handed from the parsing thread to the caller.
// Records' views point into `text`, which holds copies of the lines. Both
// grow on first use (a Record is large: an empty or small input must not
// pay for four full batches, issue 14 item 7) and are reused after that.
struct Batch {
  static constexpr size_t kMaxRecords = 4096;
  static constexpr size_t kTextCapacity = 1 << 20;  // > LineReader's max_line
  std::unique_ptr<char[]> text{new char[kTextCapacity]};  // untouched pages cost nothing
  size_t text_used = 0;
  // Reserved once, so records never move (event.header points into its
  // record); constructed one by one as lines arrive.
  std::vector<Pipeline::Record> records = [] {
    std::vector<Pipeline::Record> v;
    v.reserve(kMaxRecords);
    return v;
  }();
  size_t count = 0;
  bool last = false;  // no batch follows
};

// A bounded hand-over queue of batch pointers.
class BatchQueue {
 public:
  void Push(Batch* b) {
    std::lock_guard<std::mutex> l(mu_);
    q_.push_back(b);
    cv_.notify_one();
  }
  Batch* Pop() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !q_.empty(); });
    Batch* b = q_.front();
    q_.pop_front();
    return b;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch*> q_;
};

}  // namespace

Status Pipeline::ProcessInput(const std::string& path) {
  std::unique_ptr<ByteSource> src;
  Status st = OpenByteSource(path, reporter_, &src);
  if (!st.ok()) return st;
  // Decompression gets a thread of its own; plain files are read directly.
  if (src->compression() != Compression::kNone) src = ReadAhead(std::move(src));
  constexpr int kBatches = 4;
  std::vector<std::unique_ptr<Batch>> pool;
  BatchQueue free_batches, full_batches;
  for (int i = 0; i < kBatches; ++i) {
    pool.push_back(std::make_unique<Batch>());
    free_batches.Push(pool.back().get());
  }
  // Parsing thread: lines -> records, a batch at a time.
  std::thread parser([&] {
    LineReader reader(src.get(), reporter_);
    std::string_view line;
    Batch* b = free_batches.Pop();
    for (;;) {
      bool more = reader.Next(&line);
      if (!more || b->count == Batch::kMaxRecords || b->text_used + line.size() > Batch::kTextCapacity) {
        b->last = !more;
        full_batches.Push(b);
        if (!more) return;
        b = free_batches.Pop();
        b->count = 0;
        b->text_used = 0;
        b->last = false;
      }
      char* copy = b->text.get() + b->text_used;
      std::memcpy(copy, line.data(), line.size());
      b->text_used += line.size();
      if (b->count == b->records.size()) b->records.emplace_back();
      Parse(std::string_view(copy, line.size()), &b->records[b->count++]);
    }
  });
  // This thread: assembly and sinks, in order.
  for (;;) {
    Batch* b = full_batches.Pop();
    for (size_t i = 0; i < b->count; ++i) Deliver(&b->records[i]);
    bool last = b->last;
    b->count = 0;
    free_batches.Push(b);
    if (last) break;
  }
  parser.join();
  return Status::OK();
}

}  // namespace maillens
