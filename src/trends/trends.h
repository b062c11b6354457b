// trends.h - `maillens trends`: traffic over a period, each figure compared
// with the previous period of the same length.
//
//   rows        per --by bucket (hour, day, week; weekday: the period's
//               Mondays, Tuesdays, ... summed) the totals, each with the same
//               bucket one period before: an hour and a day with the same one
//               a week before (this Monday vs last Monday), a week with the
//               week before, a weekday with that weekday in the previous period
//   heat map    hour of day x weekday: the mean per hour of the period
//               (received; delivered for --domain)
//   domains     recipient domains (deliveries) and sender domains (received)
//               that grew or shrank most against the previous period
//   campaigns   CampaignSink's bursts (below)
// --domain D / --user U: the figures of that recipient domain / SASL user
// (history's hourly keyed counts) instead of the totals. Times are UTC.
//
// Campaign rule: a sender address (envelope from, not <>) or SASL user whose
// messages reach at least `min_recipients` distinct recipients (first
// delivery attempt of each message) within one 10-minute slot; consecutive
// such slots of the same sender are one campaign.
// Thread safety: one thread at a time.
#ifndef MAILLENS_TRENDS_TRENDS_H_
#define MAILLENS_TRENDS_TRENDS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "history/series.h"
#include "pipeline/pipeline.h"

namespace maillens::trends {

struct Campaign {
  std::string who;
  bool sasl = false;  // who is a SASL user (else an envelope sender)
  int64_t start = 0, end = 0;
  uint32_t recipients = 0;  // distinct recipients, summed over its slots
  uint32_t messages = 0;
  std::vector<std::string> sample_queue_ids;
};

class CampaignSink : public EventSink {
 public:
  explicit CampaignSink(uint32_t min_recipients = 100, int64_t slot = 600) : min_(min_recipients), slot_len_(slot) {}
  void OnEvent(const Event& ev, const Message* m) override;
  void Finish();
  const std::vector<Campaign>& campaigns() const { return campaigns_; }

 private:
  struct Open {
    absl::flat_hash_set<uint64_t> rcpts;
    absl::flat_hash_set<std::string> qids;
    std::vector<std::string> samples;
  };
  void Count(std::string_view who, bool sasl, std::string_view to, const Message& m);
  void CloseSlot();

  uint32_t min_;
  int64_t slot_len_;
  int64_t slot_ = INT64_MIN;
  absl::flat_hash_map<std::string, Open> open_;  // "s:" / "u:" + who
  std::vector<Campaign> campaigns_;
  absl::flat_hash_map<std::string, size_t> last_;  // who -> its latest campaign
  std::string scratch_;
};

struct TrendsOptions {
  std::string by = "day";  // hour, weekday, day, week
  std::string domain, user;
  int64_t from = INT64_MIN, until = INT64_MAX;  // default: the hours the input touches
  size_t top = 10;
};

struct TrendRow {
  std::string label;
  int64_t start = 0;
  history::Counts now, prev;
  bool has_prev = false;  // the input covers the comparison bucket
};

struct DomainChange {
  std::string name;
  uint64_t now = 0, prev = 0;
};

struct TrendsReport {
  std::string subject;  // "all traffic", "recipient domain D", "SASL user U"
  std::string by;
  int64_t from = 0, until = 0, prev_from = 0;
  bool has_prev = false;
  history::Counts total, prev_total;
  std::vector<TrendRow> rows;
  const char* heat_measure = "received";
  std::array<std::array<double, 24>, 7> heat{};  // [weekday Mon=0][hour]: mean per hour
  std::array<std::array<double, 24>, 7> prev_heat{};  // the same over the previous period (when has_prev)
  std::vector<DomainChange> rcpt_growing, rcpt_shrinking, sender_growing, sender_shrinking;
  std::vector<Campaign> campaigns;
  size_t prev_campaigns = 0;  // campaigns that started in the previous period
};

// The report over `delta`, whose input covered [covered_from, covered_until).
// False (with *error) for a bad --by or an empty period.
bool BuildTrends(const history::Delta& delta, int64_t covered_from, int64_t covered_until, const TrendsOptions& o,
                 const std::vector<Campaign>& campaigns, TrendsReport* r, std::string* error);

// Monday = 0 .. Sunday = 6 of epoch `t` (UTC).
int WeekdayOf(int64_t t);
// "+12%", "-3%", "new", "=" : the change from prev to now.
std::string Change(uint64_t now, uint64_t prev);

void RenderTrendsText(const TrendsReport& r, std::string* out);
void RenderTrendsJson(const TrendsReport& r, std::string* out);
// A whole HTML page; every log-derived string escaped.
void RenderTrendsHtml(const TrendsReport& r, std::string* out);

}  // namespace maillens::trends

#endif  // MAILLENS_TRENDS_TRENDS_H_
