// render.cc - RenderText, RenderJson.
#include "report/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

#include "report/insights.h"
#include "report/ordering.h"
#include "report/pflogsumm_rules.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {

namespace {

// Civil date from days since 1970 (Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

void Title(std::string* out, std::string_view t) {
  out->append("\n").append(t).append("\n").append(t.size(), '-').append("\n");
}

// Value and unit as pflogsumm prints them (%6d truncates the division).
void AppendScaled(std::string* out, double v) {
  char unit = ' ';
  if (v > 536870912.0) {
    v /= 1048576.0;
    unit = 'm';
  } else if (v > 524288.0) {
    v /= 1024.0;
    unit = 'k';
  }
  fmt::format_to(std::back_inserter(*out), "{:6d}{}", static_cast<int64_t>(v), unit);
}

constexpr std::string_view kTrafficHeading =
    "received  delivered   deferred    bounced     rejected\n"
    "    --------------------------------------------------------------------\n";

std::string IsoDate(int64_t day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

}  // namespace

void AppendCount(std::string* out, uint64_t v) { AppendScaled(out, static_cast<double>(v)); }

namespace {

// TerminalSafe, with a fast path for the usual text without control characters.
void AppendSafe(std::string* out, std::string_view s) {
  if (IsTerminalSafe(s)) out->append(s);
  else AppendTerminalSafe(out, s);
}

// adj_time_units: "%5.1f %s" with 'm' past 60 s and 'h' past 3600 s.
void AppendTime(std::string* out, double v) {
  char unit = 's';
  if (v > 3600) {
    v /= 3600;
    unit = 'h';
  } else if (v > 60) {
    v /= 60;
    unit = 'm';
  }
  fmt::format_to(std::back_inserter(*out), "{:5.1f} {}", v, unit);
}

// get_smh: "%2d:%02d:%02d" of (possibly fractional) seconds.
void AppendHms(std::string* out, double secs) {
  int64_t hr = static_cast<int64_t>(secs / 3600);
  secs -= static_cast<double>(hr) * 3600;
  int64_t min = static_cast<int64_t>(secs / 60);
  secs -= static_cast<double>(min) * 60;
  fmt::format_to(std::back_inserter(*out), "{:2d}:{:02d}:{:02d}", hr, min, static_cast<int64_t>(secs));
}

void AppendDay(std::string* out, int64_t day, bool iso) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  if (iso) {
    fmt::format_to(std::back_inserter(*out), "    {:04d}-{:02d}-{:02d} ", y, m, d);
  } else {
    fmt::format_to(std::back_inserter(*out), "    {} {:2d} {}", kMonthNames[m - 1], d, y);
  }
}

void AppendHour(std::string* out, int hour, bool iso) {
  if (iso) {
    fmt::format_to(std::back_inserter(*out), "    {:02d}:00-{:02d}:00", hour, hour + 1);
  } else {
    fmt::format_to(std::back_inserter(*out), "    {:02d}00-{:02d}00  ", hour, hour + 1);
  }
}

// "\nTITLE\n-----\n", or "\nTITLE: none\n" (nothing with -q) when empty.
bool SectionTitle(std::string* out, std::string_view title, bool empty, bool quiet) {
  if (empty) {
    if (!quiet) out->append("\n").append(title).append(": none\n");
    return false;
  }
  out->append("\n").append(title).append("\n").append(title.size(), '-').append("\n");
  return true;
}

using report_order::ByCount;
using report_order::SortedKeys;

uint64_t Total(const Counts& m) {
  uint64_t t = 0;
  for (const auto& kv : m) t += kv.second;
  return t;
}

// 1.3.0's order of a count listing: count descending, then normalize_host()
// ascending (its ties are deterministic), then the key.
template <typename Pair>
void SortByCountThenHost13(std::vector<Pair>* v) {
  std::vector<std::pair<std::string, size_t>> keys(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    pfl::NormalizeHost13((*v)[i].first, &keys[i].first);
    keys[i].second = i;
  }
  std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
    const auto &x = (*v)[a.second], &y = (*v)[b.second];
    if (x.second != y.second) return x.second > y.second;
    if (a.first != b.first) return a.first < b.first;
    return x.first < y.first;
  });
  std::vector<Pair> sorted;
  sorted.reserve(v->size());
  for (const auto& k : keys) sorted.push_back((*v)[k.second]);
  v->swap(sorted);
}

// really_print_hash_by_cnt_vals
// v13: pflogsumm 1.3.0's layout (report --compat 1.3, Summary::v13()).
void CountRows(std::string* out, const Counts& m, int64_t limit, std::string_view indent, bool v13) {
  int64_t n = limit;
  auto rows = ByCount(m);
  if (v13) SortByCountThenHost13(&rows);
  for (const auto& [k, v] : rows) {
    out->append(indent);
    AppendCount(out, v);
    out->append("  ");
    AppendSafe(out, k);
    out->append("\n");
    if (--n == 0) break;
  }
}


void LeafHeading(std::string* out, const Counts& leaves, int64_t limit, bool v13) {
  if (v13) {  // 1.3.0: " (top N of TOTAL)" when rows are left out, else " (TOTAL)"
    out->append(" (");
    if (limit > 0 && static_cast<int64_t>(leaves.size()) > limit) fmt::format_to(std::back_inserter(*out), "top {} of ", limit);
    fmt::format_to(std::back_inserter(*out), "{})\n", Total(leaves));
    return;
  }
  if (limit > 0) fmt::format_to(std::back_inserter(*out), " (top {})", limit);
  fmt::format_to(std::back_inserter(*out), " (total: {})\n", Total(leaves));
}

// 1.3.0's " (top N of M)" / " (M)" after a listing's title.
std::string CountSuffix(int64_t limit, size_t rows) {
  if (limit > 0 && rows > static_cast<size_t>(limit)) return fmt::format(" (top {} of {})", limit, rows);
  return fmt::format(" ({})", rows);
}

// print_nested_hash / walk_nested_hash for two and three levels.
void Nested2(std::string* out, std::string_view title, const Counts2& m, int64_t limit, bool quiet, bool v13) {
  if (!SectionTitle(out, title, m.empty(), quiet)) return;
  for (std::string_view k : SortedKeys(m)) {
    const Counts& leaves = m.find(absl::string_view(k.data(), k.size()))->second;
    out->append("  ");
    AppendSafe(out, k);
    LeafHeading(out, leaves, limit, v13);
    CountRows(out, leaves, limit, "    ", v13);
  }
}

void Nested3(std::string* out, std::string_view title, const Counts3& m, int64_t limit, bool quiet, bool v13) {
  if (!SectionTitle(out, title, m.empty(), quiet)) return;
  for (std::string_view k : SortedKeys(m)) {
    const Counts2& mid = m.find(absl::string_view(k.data(), k.size()))->second;
    out->append("  ");
    AppendSafe(out, k);
    out->append("\n");
    for (std::string_view k2 : SortedKeys(mid)) {
      const Counts& leaves = mid.find(absl::string_view(k2.data(), k2.size()))->second;
      out->append("    ");
      AppendSafe(out, k2);
      LeafHeading(out, leaves, limit, v13);
      CountRows(out, leaves, limit, "      ", v13);
    }
  }
}

// 1.3.0's problem sections (print_problems_reports).
void ProblemSections13(std::string* out, const Summary& s, const RenderOptions& o) {
  const maillens::Problems& p = s.problems();
  if (o.deferral_detail != 0) {
    if (s.options().verbose_msg_detail) {
      Nested2(out, "message deferral detail", p.deferred, o.deferral_detail, o.quiet, s.v13());
    } else {
      Nested3(out, "message deferral detail", p.deferred13, o.deferral_detail, o.quiet, s.v13());
    }
  }
  if (o.bounce_detail != 0)
    Nested2(out, "message bounce detail (by relay)", p.bounced, o.bounce_detail, o.quiet, s.v13());
  if (o.expired_detail != 0 && SectionTitle(out, "message expired detail (by relay)", p.expired.empty(), o.quiet))
    CountRows(out, p.expired, o.expired_detail, "  ", s.v13());
  if (o.reject_detail != 0) {
    Nested3(out, "message reject detail", p.rejects, o.reject_detail, o.quiet, s.v13());
    Nested3(out, "message reject warning detail", p.reject_warnings, o.reject_detail, o.quiet, s.v13());
    Nested3(out, "message hold detail", p.holds, o.reject_detail, o.quiet, s.v13());
    Nested3(out, "message discard detail", p.discards, o.reject_detail, o.quiet, s.v13());
  }
  Nested2(out, "SMTP Exceptions", p.smtp_exceptions, 0, o.quiet, s.v13());
  if (o.smtpd_warning_detail != 0) Nested2(out, "Warnings", p.warnings, o.smtpd_warning_detail, o.quiet, s.v13());
  if (o.pscrn_detail != 0) Nested2(out, "postscreen actions", p.pscrn_actions, o.pscrn_detail, o.quiet, s.v13());
  Nested2(out, "Fatal Errors", p.fatals, 0, o.quiet, s.v13());
  Nested2(out, "Panics", p.panics, 0, o.quiet, s.v13());
  if (SectionTitle(out, "Master daemon messages", p.master.empty(), o.quiet)) CountRows(out, p.master, 0, " ", s.v13());
}

void ProblemSections(std::string* out, const Summary& s, const RenderOptions& o) {
  if (s.v13()) {
    ProblemSections13(out, s, o);
    return;
  }
  const maillens::Problems& p = s.problems();
  if (o.deferral_detail != 0) Nested2(out, "message deferral detail", p.deferred, o.deferral_detail, o.quiet, s.v13());
  if (o.bounce_detail != 0)
    Nested2(out, "message bounce detail (by relay)", p.bounced, o.bounce_detail, o.quiet, s.v13());
  if (o.reject_detail != 0) {
    Nested3(out, "message reject detail", p.rejects, o.reject_detail, o.quiet, s.v13());
    Nested3(out, "message reject warning detail", p.reject_warnings, o.reject_detail, o.quiet, s.v13());
    Nested3(out, "message hold detail", p.holds, o.reject_detail, o.quiet, s.v13());
    Nested3(out, "message discard detail", p.discards, o.reject_detail, o.quiet, s.v13());
  }
  if (o.smtp_detail != 0) Nested2(out, "smtp delivery failures", p.smtp_failures, o.smtp_detail, o.quiet, s.v13());
  if (o.smtpd_warning_detail != 0) Nested2(out, "Warnings", p.warnings, o.smtpd_warning_detail, o.quiet, s.v13());
  Nested2(out, "Fatal Errors", p.fatals, 0, o.quiet, s.v13());
  Nested2(out, "Panics", p.panics, 0, o.quiet, s.v13());
  if (SectionTitle(out, "Master daemon messages", p.master.empty(), o.quiet)) CountRows(out, p.master, 0, " ", s.v13());
}

std::string TopTitle(std::string_view title, int64_t n, size_t rows, bool v13) {
  if (v13) return std::string(title) + CountSuffix(n, rows);
  return n > 0 ? fmt::format("{} (top {})", title, n) : std::string(title) + " ";
}

void RecipientDomains(std::string* out, const Summary& s, int64_t n) {
  if (n == 0) return;
  Title(out, TopTitle("Host/Domain Summary: Message Delivery", n, s.recipient_domains().size(), s.v13()));
  out->append(s.v13() ? " msg cnt   bytes   defers   avg dly max dly host/domain\n"
                    : " sent cnt  bytes   defers   avg dly max dly host/domain\n");
  out->append(
              " -------- -------  -------  ------- ------- -----------\n");
  for (const auto& [k, d] : RankedRows(s.recipient_domains(), &DomainStats::bytes)) {
    out->push_back(' ');
    AppendCount(out, d->count);
    out->append("  ");
    AppendCount(out, d->bytes);
    out->append("  ");
    AppendCount(out, d->defers);
    out->append("  ");
    AppendTime(out, d->count ? d->delay_sum / static_cast<double>(d->count) : 0);
    out->append("  ");
    AppendTime(out, d->delay_max);
    out->append("  ");
    AppendSafe(out, k);
    out->append("\n");
    if (--n == 0) break;
  }
}

void SendingDomains(std::string* out, const Summary& s, int64_t n) {
  if (n == 0) return;
  Title(out, TopTitle("Host/Domain Summary: Messages Received", n, s.sending_domains().size(), s.v13()));
  out->append(" msg cnt   bytes   host/domain\n"
              " -------- -------  -----------\n");
  for (const auto& [k, d] : RankedRows(s.sending_domains(), &AddressStats::bytes)) {
    out->push_back(' ');
    AppendCount(out, d->count);
    out->append("  ");
    AppendCount(out, d->bytes);
    out->append("  ");
    AppendSafe(out, k);
    out->append("\n");
    if (--n == 0) break;
  }
}

void SmtpdSections(std::string* out, const Summary& s, const RenderOptions& o) {
  const SmtpdStats& st = s.smtpd();
  const size_t days = s.day_count();
  if (days > 1) {
    Title(out, "Per-Day SMTPD Connection Summary");
    out->append("    date        connections    time conn.    avg./conn.   max. time\n"
                "    --------------------------------------------------------------------\n");
    for (const auto& [day, c] : st.per_day) {
      AppendDay(out, day, o.iso_date_time);
      out->append("   ");
      AppendCount(out, c.count);
      out->append("       ");
      AppendHms(out, static_cast<double>(c.seconds));
      fmt::format_to(std::back_inserter(*out), "      {:6d}s      {:6d}s\n",
                     static_cast<int64_t>(static_cast<double>(c.seconds) / static_cast<double>(c.count) + .5), c.max);
    }
  }
  if (days > 1) {
    Title(out, "Per-Hour SMTPD Connection Daily Average");
    out->append("    hour        connections    time conn.\n"
                "    -------------------------------------\n");
  } else {
    Title(out, "Per-Hour SMTPD Connection Summary");
    out->append("    hour        connections    time conn.    avg./conn.   max. time\n"
                "    --------------------------------------------------------------------\n");
  }
  for (int hour = 0; hour < 24; ++hour) {
    const ConnStats& c = st.per_hour[hour];
    if (c.count == 0) continue;
    int64_t avg = static_cast<int64_t>(static_cast<double>(c.seconds) / static_cast<double>(c.count) + .5);
    double count = static_cast<double>(c.count), secs = static_cast<double>(c.seconds);
    if (days > 1) {
      count = count / static_cast<double>(days) + .5;
      secs = secs / static_cast<double>(days) + .5;
    }
    AppendHour(out, hour, o.iso_date_time);
    out->append("   ");
    AppendScaled(out, count);
    out->append("       ");
    AppendHms(out, secs);
    if (days < 2) fmt::format_to(std::back_inserter(*out), "      {:6d}s      {:6d}s", avg, c.max);
    out->append("\n");
  }
  if (o.top_domains != 0) {
    int64_t n = o.top_domains;
    Title(out, TopTitle("Host/Domain Summary: SMTPD Connections", n, st.per_domain.size(), s.v13()));
    out->append(" connections  time conn.  avg./conn.  max. time  host/domain\n"
                " -----------  ----------  ----------  ---------  -----------\n");
    auto v = RankedRows(st.per_domain, &ConnStats::seconds);
    for (const auto& [k, c] : v) {
      out->append("  ");
      AppendCount(out, c->count);
      out->append("      ");
      AppendHms(out, static_cast<double>(c->seconds));
      fmt::format_to(std::back_inserter(*out), "     {:6d}s    {:6d}s   ",
                     static_cast<int64_t>(static_cast<double>(c->seconds) / static_cast<double>(c->count) + .5), c->max);
      AppendSafe(out, k);
      out->append("\n");
      if (--n == 0) break;
    }
  }
}

void UserData(std::string* out, const absl::flat_hash_map<std::string, AddressStats>& m, std::string_view title,
              bool by_size, int64_t n, bool quiet, bool v13) {
  if (n == 0) return;
  if (v13) {  // "TITLE (top N of M)" / "TITLE (M)"; empty: "TITLE (0)", no underline
    std::string t = std::string(title) + CountSuffix(n, m.size());
    if (m.empty()) {
      if (!quiet) out->append("\n").append(t).append("\n");
      return;
    }
    Title(out, t);
  } else {
    std::string t = n > 0 ? fmt::format("top {} {}", n, title) : std::string(title);
    if (!SectionTitle(out, t, m.empty(), quiet)) return;
  }
  std::vector<std::pair<std::string_view, uint64_t>> v;
  v.reserve(m.size());
  for (const auto& [k, a] : m) v.emplace_back(k, by_size ? a.bytes : a.count);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (v13) SortByCountThenHost13(&v);
  for (const auto& [k, val] : v) {
    out->push_back(' ');
    AppendCount(out, val);
    out->append("  ");
    AppendSafe(out, k);
    out->append("\n");
    if (--n == 0) break;
  }
}

void NoSizeData(std::string* out, const Summary& s) {
  // print_hash_by_key(..., quiet = 1): only when there is something.
  if (s.no_size().empty()) return;
  if (s.v13()) {
    SectionTitle(out, "Messages with no size data" + CountSuffix(0, s.no_size().size()), false, true);
  } else {
    SectionTitle(out, "Messages with no size data", false, true);
  }
  for (std::string_view qid : SortedKeys(s.no_size())) {
    out->push_back(' ');
    AppendSafe(out, qid);
    out->append("  ");
    AppendSafe(out, s.no_size().find(absl::string_view(qid.data(), qid.size()))->second);
    out->append("\n");
  }
}

void MessageDetail(std::string* out, const Summary& s, bool quiet) {
  const auto& d = s.message_detail();
  if (!SectionTitle(out, "Message detail", d.empty(), quiet)) return;
  // by_domain_then_user() keys are computed once per distinct sender line and
  // ranked; messages then sort by (rank, queue ID).
  struct Sender {
    std::string domain, user;
    uint32_t rank = 0;
  };
  absl::flat_hash_map<absl::string_view, uint32_t> sender_index;
  std::vector<Sender> senders;
  struct Entry {
    uint32_t sender;
    std::string_view qid;
    const MessageLines* lines;
  };
  std::vector<Entry> v;
  v.reserve(d.size());
  for (const MessageDetailEntry& entry : d) {
    std::string_view text = entry.lines.text;
    std::string_view first = text.substr(0, text.find(MessageLines::kSeparator));
    auto [it, added] = sender_index.try_emplace(absl::string_view(first.data(), first.size()),
                                                static_cast<uint32_t>(senders.size()));
    if (added) {
      senders.emplace_back();
      pfl::DomainThenUserKey(first, &senders.back().domain, &senders.back().user);
    }
    v.push_back(Entry{it->second, entry.queue_id, &entry.lines});
  }
  std::vector<uint32_t> order(senders.size());
  for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    if (int c = senders[x].domain.compare(senders[y].domain)) return c < 0;
    return senders[x].user < senders[y].user;
  });
  for (size_t k = 0; k < order.size(); ++k) {
    const Sender& cur = senders[order[k]];
    const Sender* prev = k ? &senders[order[k - 1]] : nullptr;
    senders[order[k]].rank = (prev && prev->domain == cur.domain && prev->user == cur.user)
                                 ? prev->rank
                                 : static_cast<uint32_t>(k);
  }
  for (Entry& e : v) e.sender = senders[e.sender].rank;  // from here on: the rank
  std::stable_sort(v.begin(), v.end(), [](const Entry& x, const Entry& y) {  // a reused ID: in log order
    return x.sender != y.sender ? x.sender < y.sender : x.qid < y.qid;
  });
  size_t total = out->size();
  for (const Entry& e : v) total += e.qid.size() + e.lines->text.size() + 8;
  out->reserve(total);
  for (const Entry& e : v) {
    out->push_back(' ');
    AppendSafe(out, e.qid);
    out->append("  ");
    if (e.lines->plain) {  // the buffer is the text, "\n   " between lines
      out->append(e.lines->text);
    } else {
      bool first = true;
      e.lines->ForEach([&](std::string_view line) {
        if (!first) out->append(MessageLines::kSeparator);
        AppendTerminalSafe(out, line);
        first = false;
      });
    }
    out->append("\n\n");
  }
}

}  // namespace

// 1.3.0's first line: "Postfix Log Summaries for Sun, Nov 22 2026[ through ...]"
// (the first and the last day of the input).
void Title13(std::string* out, const Summary& s) {
  static constexpr const char* kDow[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // day 0: 1970-01-01
  static constexpr const char* kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  out->append("Postfix Log Summaries");
  auto day = [&](Date13 d) {
    int64_t z = DaysFromCivil(d.year, d.month, d.day);
    fmt::format_to(std::back_inserter(*out), "{}, {} {} {}", kDow[((z % 7) + 7) % 7], kMon[d.month - 1], d.day,
                   d.year);
  };
  if (s.any_line13()) {
    Date13 a = s.first_date13(), b = s.last_date13();
    out->append(" for ");
    day(a);
    if (a.year != b.year || a.month != b.month || a.day != b.day) {
      out->append(" through ");
      day(b);
    }
  }
  out->append("\n");
}

void RenderText(const Summary& s, const RenderOptions& o, std::string* out) {
  GrandTotals t = s.totals();
  if (s.v13()) {
    Title13(out, s);
  } else if (!o.title_date.empty()) {
    out->append("Postfix log summaries for ").append(o.title_date).append("\n");
  }
  Title(out, "Grand Totals");
  out->append("messages\n\n");
  auto line = [&](uint64_t v, std::string_view label) {
    out->push_back(' ');
    AppendCount(out, v);
    out->append("  ").append(label).append("\n");
  };
  if (s.v13() && t.received13 < 0) {  // 1.3.0 takes late rejects off and can go below zero
    fmt::format_to(std::back_inserter(*out), " {:6d}   received\n", t.received13);
  } else {
    line(t.received, "received");
  }
  line(t.delivered, "delivered");
  line(t.forwarded, "forwarded");
  out->push_back(' ');
  AppendCount(out, t.deferred);
  out->append("  deferred");
  if (t.deferrals) {  // "%d%s": no padding, the unit (' ', 'k', 'm') kept
    std::string n;
    AppendCount(&n, t.deferrals);
    out->append("  (").append(n.substr(n.find_first_not_of(' '))).append(" deferrals)");
  }
  out->append("\n");
  line(t.bounced, "bounced");
  if (s.v13()) {
    line(t.removed_canceled, "removed (canceled)");
    line(t.expired, "expired");
  }
  line(t.rejected, fmt::format("rejected ({}%)", t.rejected_pct()));
  line(t.reject_warnings, "reject warnings");
  line(t.held, "held");
  line(t.discarded, fmt::format("discarded ({}%)", t.discarded_pct()));
  out->append("\n");
  line(t.bytes_received, "bytes received");
  line(t.bytes_delivered, "bytes delivered");
  line(t.senders, "senders");
  line(t.sending_domains, "sending hosts/domains");
  line(t.recipients, "recipients");
  line(t.recipient_domains, "recipient hosts/domains");
  if (o.smtpd_stats) {
    const SmtpdStats& st = s.smtpd();
    out->append("\nsmtpd\n\n");
    out->append("  ");
    AppendCount(out, st.connections);
    out->append("  connections\n  ");
    AppendCount(out, st.per_domain.size());
    out->append("  hosts/domains\n");
    fmt::format_to(std::back_inserter(*out), "  {:6d}   avg. connect time (seconds)\n",
                   st.connections > 0 ? static_cast<int64_t>(static_cast<double>(st.seconds) /
                                                                 static_cast<double>(st.connections) + .5)
                                      : 0);
    out->push_back(' ');
    AppendHms(out, static_cast<double>(st.seconds));
    out->append("  total connect time\n");
  }
  if (s.v13() && o.pscrn_stats) {
    const PscrnStats& ps = s.pscrn();
    out->append("\npostscreen\n\n  ");
    AppendCount(out, ps.connections);
    out->append("  connections\n  ");
    AppendCount(out, ps.addresses.size());
    out->append("  IP addresses\n");
    fmt::format_to(std::back_inserter(*out), "  {:6d}   avg. connect time (seconds)\n",
                   ps.connections > 0 ? static_cast<int64_t>(static_cast<double>(ps.seconds) /
                                                                 static_cast<double>(ps.connections) + .5)
                                      : 0);
    out->push_back(' ');
    AppendHms(out, static_cast<double>(ps.seconds));
    out->append("  total connect time\n");
  }
  out->append("\n");

  if (o.problems_first) ProblemSections(out, s, o);

  const size_t days = s.day_count();
  if (days > 1) {
    Title(out, "Per-Day Traffic Summary");
    out->append("    date          ").append(kTrafficHeading);
    std::map<int64_t, TrafficRow> rows = s.per_day();
    if (o.zero_fill)
      for (int64_t day : s.all_days()) rows.try_emplace(day);
    for (const auto& [day, row] : rows) {
      AppendDay(out, day, o.iso_date_time);
      for (uint64_t v : row) {
        out->append("    ");
        AppendCount(out, v);
      }
      out->append("\n");
    }
  }
  Title(out, days > 1 ? "Per-Hour Traffic Daily Average" : "Per-Hour Traffic Summary");
  out->append("    time          ").append(kTrafficHeading);
  for (int hour = 0; hour < 24; ++hour) {
    AppendHour(out, hour, o.iso_date_time);
    for (uint64_t v : s.per_hour()[hour]) {
      double value = days ? static_cast<double>(v) / static_cast<double>(days) + 0.5 : static_cast<double>(v);
      out->append("    ");
      AppendScaled(out, value);
    }
    out->append("\n");
  }

  RecipientDomains(out, s, o.top_domains);
  SendingDomains(out, s, o.top_domains);
  if (o.smtpd_stats) SmtpdSections(out, s, o);

  UserData(out, s.senders(), "Senders by message count", false, o.top_users, o.quiet, s.v13());
  UserData(out, s.recipients(), "Recipients by message count", false, o.top_users, o.quiet, s.v13());
  UserData(out, s.senders(), "Senders by message size", true, o.top_users, o.quiet, s.v13());
  UserData(out, s.recipients(), "Recipients by message size", true, o.top_users, o.quiet, s.v13());
  NoSizeData(out, s);
  if (!o.problems_first) ProblemSections(out, s, o);
  if (o.message_detail) MessageDetail(out, s, o.quiet);
  if (o.insights != nullptr) RenderInsightsText(*o.insights, out);
}

void RenderJson(const Summary& s, const PipelineStats& stats, const RenderOptions& o, std::string* out) {
  GrandTotals t = s.totals();
  JsonWriter w(out);
  w.BeginObject();
  w.Key("grand_totals").BeginObject();
  w.Field("received", t.received).Field("delivered", t.delivered).Field("forwarded", t.forwarded);
  w.Field("deferred", t.deferred).Field("deferrals", t.deferrals).Field("bounced", t.bounced);
  w.Field("rejected", t.rejected).Field("reject_warnings", t.reject_warnings).Field("held", t.held);
  w.Field("discarded", t.discarded);
  w.Field("bytes_received", t.bytes_received).Field("bytes_delivered", t.bytes_delivered);
  w.Field("senders", t.senders).Field("sending_domains", t.sending_domains);
  w.Field("recipients", t.recipients).Field("recipient_domains", t.recipient_domains);
  w.Key("rejected_percent").Int(t.rejected_pct()).Key("discarded_percent").Int(t.discarded_pct());
  if (s.options().dedupe_content_filter) w.Field("content_filter_hops", t.content_filter_hops);
  w.EndObject();
  static constexpr std::string_view kCols[] = {"received", "delivered", "deferred", "bounced", "rejected"};
  w.Key("days").Uint(s.day_count());
  w.Key("per_day").BeginArray();
  for (const auto& [day, row] : s.per_day()) {
    w.BeginObject().Field("date", IsoDate(day));
    for (int c = 0; c < kTrafficColumns; ++c) w.Field(kCols[c], row[c]);
    w.EndObject();
  }
  w.EndArray();
  w.Key("per_hour").BeginArray();
  for (int hour = 0; hour < 24; ++hour) {
    w.BeginObject().Key("hour").Int(hour);
    for (int c = 0; c < kTrafficColumns; ++c) w.Field(kCols[c], s.per_hour()[hour][c]);
    w.EndObject();
  }
  w.EndArray();
  // Listings: every row (no top-N cut), in the text report's order.
  {
    auto v = RankedRows(s.recipient_domains(), &DomainStats::bytes);
    w.Key("recipient_domains").BeginArray();
    for (const auto& [k, d] : v) {
      w.BeginObject().Field("domain", k).Field("delivered", d->count).Field("bytes", d->bytes);
      w.Field("deferred", d->defers);
      w.Key("avg_delay").Double(d->count ? d->delay_sum / static_cast<double>(d->count) : 0);
      w.Key("max_delay").Double(d->delay_max).EndObject();
    }
    w.EndArray();
  }
  auto address_list = [&](std::string_view key, std::string_view name,
                          const absl::flat_hash_map<std::string, AddressStats>& m) {
    auto v = RankedRows(m, &AddressStats::bytes);
    w.Key(key).BeginArray();
    for (const auto& [k, a] : v) w.BeginObject().Field(name, k).Field("messages", a->count).Field("bytes", a->bytes).EndObject();
    w.EndArray();
  };
  address_list("sending_domains", "domain", s.sending_domains());
  address_list("senders", "address", s.senders());
  address_list("recipients", "address", s.recipients());
  if (o.smtpd_stats) {
    const SmtpdStats& st = s.smtpd();
    auto conn = [&](const ConnStats& c) {
      w.Field("connections", c.count).Key("seconds").Int(c.seconds).Key("max_seconds").Int(c.max);
    };
    w.Key("smtpd").BeginObject();
    w.Field("connections", st.connections).Field("hosts_domains", st.per_domain.size());
    w.Key("seconds").Int(st.seconds);
    w.Key("per_day").BeginArray();
    for (const auto& [day, c] : st.per_day) {
      w.BeginObject().Field("date", IsoDate(day));
      conn(c);
      w.EndObject();
    }
    w.EndArray();
    w.Key("per_hour").BeginArray();
    for (int hour = 0; hour < 24; ++hour) {
      w.BeginObject().Key("hour").Int(hour);
      conn(st.per_hour[hour]);
      w.EndObject();
    }
    w.EndArray();
    auto v = RankedRows(st.per_domain, &ConnStats::seconds);
    w.Key("per_domain").BeginArray();
    for (const auto& [k, c] : v) {
      w.BeginObject().Field("domain", k);
      conn(*c);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.Key("no_size").BeginArray();
  for (std::string_view qid : SortedKeys(s.no_size()))
    w.BeginObject().Field("queue_id", qid).Field("recipient", s.no_size().find(absl::string_view(qid.data(), qid.size()))->second).EndObject();
  w.EndArray();
  auto counts = [&](std::string_view name, const Counts& m) {
    w.Key("total").Uint(Total(m));
    w.Key("rows").BeginArray();
    for (const auto& [k, n] : ByCount(m)) w.BeginObject().Field(name, k).Field("count", n).EndObject();
    w.EndArray();
  };
  auto nested2 = [&](std::string_view key, std::string_view outer, std::string_view inner, const Counts2& m) {
    w.Key(key).BeginArray();
    for (std::string_view k : SortedKeys(m)) {
      w.BeginObject().Field(outer, k);
      counts(inner, m.find(absl::string_view(k.data(), k.size()))->second);
      w.EndObject();
    }
    w.EndArray();
  };
  auto nested3 = [&](std::string_view key, const Counts3& m) {
    w.Key(key).BeginArray();
    for (std::string_view k : SortedKeys(m)) {
      const Counts2& mid = m.find(absl::string_view(k.data(), k.size()))->second;
      w.BeginObject().Field("stage", k).Key("reasons").BeginArray();
      for (std::string_view k2 : SortedKeys(mid)) {
        w.BeginObject().Field("reason", k2);
        counts("key", mid.find(absl::string_view(k2.data(), k2.size()))->second);
        w.EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray();
  };
  const maillens::Problems& p = s.problems();
  nested2("deferrals", "service", "reason", p.deferred);
  nested2("bounces", "relay", "reason", p.bounced);
  nested3("rejects", p.rejects);
  nested3("reject_warnings", p.reject_warnings);
  nested3("holds", p.holds);
  nested3("discards", p.discards);
  nested2("smtp_failures", "reason", "host", p.smtp_failures);
  nested2("warnings", "service", "text", p.warnings);
  nested2("fatals", "service", "text", p.fatals);
  nested2("panics", "service", "text", p.panics);
  w.Key("master").BeginObject();
  counts("text", p.master);
  w.EndObject();
  w.Key("delivery_latency").BeginArray();
  for (size_t b = 0; b < kLatencyBuckets; ++b)
    w.BeginObject().Field("bucket", kLatencyLabels[b]).Field("delivered", s.delivery_latency()[b]).EndObject();
  w.EndArray();
  if (o.message_detail) {
    std::vector<const MessageDetailEntry*> entries;
    for (const MessageDetailEntry& e : s.message_detail()) entries.push_back(&e);
    std::stable_sort(entries.begin(), entries.end(), [](const MessageDetailEntry* x, const MessageDetailEntry* y) {
      return x->queue_id < y->queue_id;  // a reused queue ID: in log order
    });
    w.Key("messages").BeginArray();
    for (const MessageDetailEntry* e : entries) {
      w.BeginObject().Field("queue_id", e->queue_id).Key("lines").BeginArray();
      e->lines.ForEach([&](std::string_view line) { w.String(line); });
      w.EndArray().EndObject();
    }
    w.EndArray();
  }
  // Maps in key order for stable output.
  auto sorted_map = [&](std::string_view key, const absl::flat_hash_map<std::string, uint64_t>& m) {
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end());
    w.Key(key).BeginObject();
    for (const auto& [k, n] : v) w.Field(k, n);
    w.EndObject();
  };
  if (o.insights != nullptr) RenderInsightsJson(*o.insights, &w);
  w.Key("lines").BeginObject();
  w.Field("total", stats.lines).Field("mail", stats.mail_lines).Field("no_header", stats.no_header);
  w.Field("other_programs", stats.foreign).Field("outside_date_filter", stats.filtered_out);
  w.EndObject();
  w.Key("unparsed").BeginObject();
  w.Field("total", stats.unparsed);
  sorted_map("by_program", stats.unparsed_by_program);
  w.EndObject();
  sorted_map("other_programs", stats.foreign_by_program);
  w.EndObject();
}

}  // namespace maillens
