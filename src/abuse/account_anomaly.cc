// account_anomaly.cc - AccountAnomalyDetector (see account_anomaly.h) and its
// text/JSON renderers.
#include "abuse/account_anomaly.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include <absl/hash/hash.h>

#include "abuse/abuse_util.h"
#include "postfix/fields.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {

const char* AccountMetricName(int metric) {
  static const char* const kNames[kMetricCount] = {"recipients", "distinct_recipients", "recipient_domains",
                                                   "client_ips"};
  return metric >= 0 && metric < kMetricCount ? kNames[metric] : "?";
}

namespace {

// The clock hour of `epoch`; times before 1970 count as hour 0.
int64_t HourOf(int64_t epoch) { return epoch > 0 ? epoch / 3600 : 0; }

}  // namespace

AccountAnomalyDetector::AccountAnomalyDetector(AccountAnomalyOptions options) : options_(options) {
  options_.history = std::max(options_.history, 1);
  options_.distinct_cap = std::max<uint32_t>(options_.distinct_cap, 1);
}

void AccountAnomalyDetector::Add(absl::flat_hash_set<uint64_t>* set, std::string_view value, bool lower) {
  if (value.empty() || set->size() >= options_.distinct_cap) return;
  if (lower) {
    scratch_.clear();
    fields::AppendLower(&scratch_, value);
    value = scratch_;
  }
  set->insert(absl::Hash<std::string_view>{}(value));
}

AccountAnomalyDetector::User* AccountAnomalyDetector::Touch(std::string_view name, int64_t epoch) {
  auto it = users_.find(absl::string_view(name.data(), name.size()));
  if (it == users_.end()) {
    if (users_.size() >= options_.max_users) {
      ++users_dropped_;
      return nullptr;
    }
    it = users_.emplace(std::string(name), User()).first;
  }
  User* u = &it->second;
  int64_t hour = HourOf(epoch);
  if (u->hour < 0) {
    u->hour = hour;
  } else if (hour > u->hour) {  // a new hour; late lines of an earlier hour count in the open one
    Close(it->first, u);
    u->hour = hour;
  }
  return u;
}

void AccountAnomalyDetector::OnEvent(const Event& ev, const Message* m) {
  int64_t now = ev.header != nullptr ? ev.header->epoch : 0;
  if (first_hour_ < 0 && ev.header != nullptr) first_hour_ = HourOf(now);
  switch (ev.kind) {
    case EventKind::kClient:
      if (!ev.sasl_username.empty()) {
        if (User* u = Touch(ev.sasl_username, now)) Add(&u->ips, ev.client_addr, true);
      }
      return;
    case EventKind::kQueueActive:
      // The first activation only: a deferred message is activated again on each retry.
      if (m != nullptr && !m->sasl_username.empty() && m->queue_active == 1) {
        if (User* u = Touch(m->sasl_username, now)) {
          ++u->messages;
          u->recipients += static_cast<uint32_t>(std::max(ev.nrcpt, 0));
          if (u->samples.size() < options_.samples) u->samples.emplace_back(m->queue_id);
        }
      }
      return;
    case EventKind::kDelivery:
      if (m != nullptr && !m->sasl_username.empty() && m->queue_active <= 1 && !ev.to.empty()) {
        if (User* u = Touch(m->sasl_username, now)) {
          Add(&u->rcpts, ev.to, true);
          size_t at = ev.to.rfind('@');
          Add(&u->domains, at == std::string_view::npos ? std::string_view() : ev.to.substr(at + 1), true);
        }
      }
      return;
    default:
      return;
  }
}

void AccountAnomalyDetector::Close(const std::string& name, User* u) {
  if (u->hour < 0) return;
  std::array<uint32_t, kMetricCount> v = {u->recipients, static_cast<uint32_t>(u->rcpts.size()),
                                          static_cast<uint32_t>(u->domains.size()),
                                          static_cast<uint32_t>(u->ips.size())};
  bool active = u->messages > 0 || v[kMetricDistinctRcpts] > 0 || v[kMetricClientIps] > 0;
  if (active) {
    ++hours_evaluated_;
    AccountAnomaly a;
    a.history = static_cast<int>(u->ring.size());
    bool baseline = a.history >= options_.min_history;
    a.has_baseline = baseline;
    bool any = false;
    std::vector<double> xs;
    // The seasonal lags with data: hours the input covered.
    std::vector<int64_t> lag_hours;
    if (options_.seasonal)
      for (const trends::Lag& l : trends::LagOffsets(trends::BaselineOptions()))
        if (u->hour - l.seconds / 3600 >= first_hour_) lag_hours.push_back(u->hour - l.seconds / 3600);
    const bool seasonal = lag_hours.size() >= 3;
    if (seasonal) a.seasonal_lags = static_cast<int>(lag_hours.size());
    for (int k = 0; k < kMetricCount; ++k) {
      a.value[k] = v[k];
      if (baseline) {
        xs.clear();
        for (const auto& h : u->ring) xs.push_back(h[k]);
        MedianMad(&xs, &a.median[k], &a.mad[k]);
      }
      bool f = v[k] >= options_.floors[k];
      if (f && baseline) {
        double spread = std::max(1.0, 1.4826 * a.mad[k]);
        f = v[k] >= options_.ratio * a.median[k] && v[k] >= a.median[k] + options_.mad_k * spread;
      }
      if (seasonal) {
        xs.clear();
        for (int64_t h : lag_hours) {
          auto it = std::lower_bound(u->by_hour.begin(), u->by_hour.end(), h,
                                     [](const auto& row, int64_t hour) { return row.first < hour; });
          xs.push_back(it == u->by_hour.end() || it->first != h ? 0 : it->second[k]);
        }
        trends::MedianMad(&xs, &a.seasonal_median[k], &a.seasonal_mad[k]);
        double spread = std::max(1.0, 1.4826 * a.seasonal_mad[k]);
        f = f && v[k] >= options_.ratio * a.seasonal_median[k] &&
            v[k] >= a.seasonal_median[k] + options_.mad_k * spread;
      }
      a.flagged[k] = f;
      any |= f;
    }
    if (any) {
      a.user = name;
      a.hour_start = u->hour * 3600;
      a.messages = u->messages;
      a.capped = u->rcpts.size() >= options_.distinct_cap || u->domains.size() >= options_.distinct_cap ||
                 u->ips.size() >= options_.distinct_cap;
      a.sample_queue_ids = u->samples;
      if (on_anomaly) on_anomaly(a);
      anomalies_.push_back(std::move(a));
    }
    if (options_.seasonal) {
      // Hours close in increasing order, so the rows stay sorted.
      if (u->by_hour.empty() || u->by_hour.back().first < u->hour) u->by_hour.emplace_back(u->hour, v);
      size_t old = 0;
      while (old < u->by_hour.size() && u->by_hour[old].first < u->hour - 21 * 24) ++old;
      u->by_hour.erase(u->by_hour.begin(), u->by_hour.begin() + static_cast<long>(old));
    }
    if (u->ring.size() < static_cast<size_t>(options_.history)) {
      u->ring.push_back(v);
    } else {
      u->ring[u->ring_pos] = v;
      u->ring_pos = (u->ring_pos + 1) % u->ring.size();
    }
  }
  u->recipients = u->messages = 0;
  // Large sets give their memory back; small ones keep it for the next hour.
  for (auto* s : {&u->rcpts, &u->domains, &u->ips}) {
    if (s->size() > 256) *s = {};
    else s->clear();
  }
  u->samples.clear();
  u->hour = -1;
}

void AccountAnomalyDetector::Flush(int64_t now) {
  int64_t hour = HourOf(now);
  for (auto& [name, u] : users_)
    if (u.hour >= 0 && u.hour < hour) Close(name, &u);
}

void AccountAnomalyDetector::Finish() {
  for (auto& [name, u] : users_) Close(name, &u);
  std::sort(anomalies_.begin(), anomalies_.end(), [](const AccountAnomaly& a, const AccountAnomaly& b) {
    return a.hour_start != b.hour_start ? a.hour_start < b.hour_start : a.user < b.user;
  });
}

void RenderAccountsText(const AccountAnomalyDetector& d, std::string* out) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "Compromised-account suspects: %zu flagged account-hours (%zu SASL users, %llu active hours seen)\n",
                d.anomalies().size(), d.users(), static_cast<unsigned long long>(d.hours_evaluated()));
  out->append(buf);
  if (d.users_dropped() > 0) {
    std::snprintf(buf, sizeof buf, "  (%llu events of users beyond the user cap were not counted)\n",
                  static_cast<unsigned long long>(d.users_dropped()));
    out->append(buf);
  }
  static const char* const kLabels[kMetricCount] = {"recipients", "distinct recipients", "recipient domains",
                                                    "client IPs"};
  for (const AccountAnomaly& a : d.anomalies()) {
    out->append("\n");
    AppendTerminalSafe(out, a.user);
    out->append("  ");
    AppendUtcTime(out, a.hour_start);
    out->append(" .. ");
    AppendUtcTime(out, a.hour_start + 3600);
    std::snprintf(buf, sizeof buf, "  (%u messages)\n", a.messages);
    out->append(buf);
    for (int k = 0; k < kMetricCount; ++k) {
      if (a.has_baseline)
        std::snprintf(buf, sizeof buf, "  %-20s %7u  baseline median %.1f, MAD %.1f over %d hours%s\n", kLabels[k],
                      a.value[k], a.median[k], a.mad[k], a.history, a.flagged[k] ? "  <- FLAGGED" : "");
      else
        std::snprintf(buf, sizeof buf, "  %-20s %7u  %s%s\n", kLabels[k], a.value[k],
                      "no baseline yet (floors only)",
                      a.flagged[k] ? "  <- FLAGGED" : "");
      out->append(buf);
    }
    if (a.seasonal_lags > 0) {
      out->append("  seasonal baseline (same hour 1-3 days, 1-3 weeks back):");
      for (int k = 0; k < kMetricCount; ++k) {
        std::snprintf(buf, sizeof buf, " %s median %.1f MAD %.1f;", AccountMetricName(k), a.seasonal_median[k],
                      a.seasonal_mad[k]);
        out->append(buf);
      }
      std::snprintf(buf, sizeof buf, " over %d hours\n", a.seasonal_lags);
      out->append(buf);
    }
    if (a.capped) out->append("  (a distinct count reached the cap: a lower bound)\n");
    out->append("  sample queue IDs:");
    for (const std::string& q : a.sample_queue_ids) {
      out->push_back(' ');
      AppendTerminalSafe(out, q);
    }
    out->append("\n");
  }
}

void WriteAccountsJson(const AccountAnomalyDetector& d, JsonWriter* writer, size_t limit) {
  JsonWriter& w = *writer;
  w.BeginObject();
  w.Field("sasl_users", static_cast<uint64_t>(d.users()));
  w.Field("active_hours", d.hours_evaluated());
  w.Field("users_dropped", d.users_dropped());
  w.Key("anomalies").BeginArray();
  std::string t;
  const std::vector<AccountAnomaly>& all = d.anomalies();
  for (size_t i = all.size() > limit ? all.size() - limit : 0; i < all.size(); ++i) {
    const AccountAnomaly& a = all[i];
    w.BeginObject().Field("user", a.user);
    t.clear();
    AppendUtcTime(&t, a.hour_start);
    w.Field("hour_start", t);
    w.Key("epoch").Int(a.hour_start);
    w.Field("messages", static_cast<uint64_t>(a.messages));
    w.Key("baseline_hours").Int(a.history);
    w.Key("has_baseline").Bool(a.has_baseline);
    w.Key("capped").Bool(a.capped);
    w.Key("seasonal_hours").Int(a.seasonal_lags);
    w.Key("metrics").BeginObject();
    for (int k = 0; k < kMetricCount; ++k) {
      w.Key(AccountMetricName(k)).BeginObject();
      w.Field("value", static_cast<uint64_t>(a.value[k]));
      w.Key("median").Double(a.median[k]);
      w.Key("mad").Double(a.mad[k]);
      w.Key("flagged").Bool(a.flagged[k]);
      if (a.seasonal_lags > 0) {
        w.Key("seasonal_median").Double(a.seasonal_median[k]);
        w.Key("seasonal_mad").Double(a.seasonal_mad[k]);
      }
      w.EndObject();
    }
    w.EndObject();
    w.Key("sample_queue_ids").BeginArray();
    for (const std::string& q : a.sample_queue_ids) w.String(q);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray().EndObject();
}

void RenderAccountsJson(const AccountAnomalyDetector& d, std::string* out) {
  JsonWriter w(out);
  w.BeginObject().Key("accounts");
  WriteAccountsJson(d, &w, SIZE_MAX);
  w.EndObject();
  out->push_back('\n');
}

}  // namespace maillens
