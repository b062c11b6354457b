// fuzz_detectors.cc - libFuzzer target: the abuse detectors driven directly
// by a byte-coded sequence of events (no parser in front), so that any user
// name, address, reply text, time jump and event order reaches them.
//
// Each step reads an opcode and its operands from the input: a client= line
// (user, client address), a qmgr activation (user, nrcpt, activation
// count), a delivery (user, recipient, status, reply text), a Flush(now),
// or a direct MatchReputation() call. Checks: no crash/sanitizer report;
// MatchReputation() returns the first pattern whose needles all occur;
// JSON renderings parse; text renderings hold no control bytes; anomalies
// name a user that was seen, with a flagged metric at or above its floor.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "abuse/account_anomaly.h"
#include "abuse/reputation.h"
#include "fuzz_check.h"

namespace {

using namespace maillens;

// Reads bytes off the front of the input; zeros once it runs out.
class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return n_ == 0; }
  uint8_t U8() {
    if (n_ == 0) return 0;
    --n_;
    return *d_++;
  }
  uint32_t U16() { return static_cast<uint32_t>(U8()) | static_cast<uint32_t>(U8()) << 8; }
  // A string of up to `max` bytes (length from one byte).
  std::string_view Str(size_t max) {
    size_t len = U8() % (max + 1);
    if (len > n_) len = n_;
    std::string_view s(reinterpret_cast<const char*>(d_), len);
    d_ += len;
    n_ -= len;
    return s;
  }

 private:
  const uint8_t* d_;
  size_t n_;
};

// The first pattern index whose needles all occur in `t`, computed naively.
int NaiveMatch(std::string_view t) {
  const auto& ps = ReputationPatterns();
  for (size_t i = 0; i < ps.size(); ++i) {
    bool all = true;
    for (std::string_view n : ps[i].needles)
      if (!n.empty() && t.find(n) == std::string_view::npos) all = false;
    if (all) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  AccountAnomalyOptions ao;
  ao.floors = {3, 2, 2, 1};
  ao.min_history = in.U8() % 4;
  ao.history = 1 + in.U8() % 6;
  ao.distinct_cap = 1 + in.U8() % 16;
  ao.max_users = 1 + in.U8() % 8;
  ao.samples = in.U8() % 4;
  AccountAnomalyDetector accounts(ao);
  ReputationDetector reputation;
  std::vector<std::string> users;
  std::vector<Message> messages(4);
  SyslogHeader h;
  h.epoch = 1795325911;
  int steps = 0;
  while (!in.empty() && ++steps < 2000) {
    uint8_t op = in.U8();
    // Time moves forward mostly, by seconds to days; sometimes back.
    uint32_t dt = in.U16();
    if (op & 0x80) h.epoch -= dt % 600;
    else h.epoch += (op & 0x40) ? static_cast<int64_t>(dt) * 60 : dt % 900;
    Event ev;
    ev.header = &h;
    if (users.empty() || (op & 0x20)) users.emplace_back(in.Str(40));
    const std::string& user = users[in.U8() % users.size()];
    Message& m = messages[in.U8() % messages.size()];
    m.sasl_username = user;
    m.queue_id = in.Str(12);
    switch (op % 5) {
      case 0:
        ev.kind = EventKind::kClient;
        ev.sasl_username = user;
        ev.client_addr = in.Str(40);
        accounts.OnEvent(ev, &m);
        reputation.OnEvent(ev, &m);
        break;
      case 1:
        ev.kind = EventKind::kQueueActive;
        ev.nrcpt = static_cast<int32_t>(in.U16()) - 100;
        m.queue_active = in.U8() % 3;
        accounts.OnEvent(ev, &m);
        break;
      case 2: {
        ev.kind = EventKind::kDelivery;
        ev.to = in.Str(60);
        ev.relay = in.Str(30);
        ev.status = static_cast<DeliveryStatus>(in.U8() % 7);
        ev.status_text = in.Str(250);
        m.queue_active = in.U8() % 3;
        accounts.OnEvent(ev, (op & 0x10) ? nullptr : &m);
        reputation.OnEvent(ev, (op & 0x10) ? nullptr : &m);
        break;
      }
      case 3:
        accounts.Flush(h.epoch);
        break;
      default: {
        std::string_view t = in.Str(255);
        if (MatchReputation(t) != NaiveMatch(t)) std::abort();
        break;
      }
    }
  }
  accounts.Finish();
  for (const AccountAnomaly& a : accounts.anomalies()) {
    bool seen = false;
    for (const std::string& u : users) seen |= u == a.user;
    if (!seen) std::abort();
    bool any = false;
    for (int k = 0; k < kMetricCount; ++k) {
      if (a.flagged[k] && a.value[k] < ao.floors[k]) std::abort();
      any |= a.flagged[k];
    }
    if (!any || a.sample_queue_ids.size() > ao.samples) std::abort();
  }
  std::string json;
  RenderAccountsJson(accounts, &json);
  fuzz::CheckJson(json);
  json.clear();
  RenderReputationJson(reputation, &json);
  fuzz::CheckJson(json);
  std::string text;
  RenderAccountsText(accounts, &text);
  RenderReputationText(reputation, &text);
  fuzz::CheckTerminal(text);
  return 0;
}
