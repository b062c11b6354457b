// insights.cc - Insights: counting (see insights.h).
#include "report/insights.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "postfix/classify.h"
#include "report/pflogsumm_rules.h"

namespace maillens {

namespace {

template <typename Map>
typename Map::mapped_type& Child(Map* m, std::string_view key) {
  auto it = m->find(absl::string_view(key.data(), key.size()));
  if (it != m->end()) return it->second;
  return (*m)[std::string(key)];
}

}  // namespace

void DeferralReasonKey(const Event& ev, std::string* key) {
  key->assign(ev.dsn.empty() ? std::string_view("-") : ev.dsn).push_back(' ');
  size_t base = key->size();
  pfl::SaidStringTrimmer(ev.status_text, 65, key);
  std::string_view reason = std::string_view(*key).substr(base);
  if (reason.size() >= 4 && reason[3] == ' ' && std::isdigit(static_cast<unsigned char>(reason[0])))
    key->erase(base, 4);
  if (std::string_view(*key).substr(base).substr(0, 11) == "connect to ") key->erase(base, 11);
}

std::string_view Insights::Domain(std::string_view to) {
  size_t at = to.rfind('@');
  std::string_view d = at == std::string_view::npos ? to : to.substr(at + 1);
  domain_.clear();
  pfl::AppendLower(&domain_, d);
  return domain_;
}

void Insights::OnEvent(const Event& ev, const Message* m) {
  (void)m;
  switch (ev.kind) {
    case EventKind::kDelivery:
      if (ev.status == DeliveryStatus::kSent) {
        if (ev.rest.find("forwarded as ") != std::string_view::npos) return;
        double delay = 0;
        std::from_chars(ev.delay.data(), ev.delay.data() + ev.delay.size(), delay);
        Child(&latency_, Domain(ev.to)).push_back(static_cast<float>(delay));
      } else if (ev.status == DeliveryStatus::kDeferred) {
        DeferralReasonKey(ev, &key_);
        Counts& c = Child(&deferrals_, Domain(ev.to));
        ++Child(&c, key_);
      }
      return;
    case EventKind::kReject:
    case EventKind::kCleanupAction: {
      bool warn = false;
      switch (ev.action) {
        case Action::kReject:
        case Action::kMilterReject:
        case Action::kProxyReject: break;  // class "before-queue-filter"
        case Action::kRejectWarning: warn = true; break;
        case Action::kWarn:
          if (ev.kind != EventKind::kCleanupAction) return;
          warn = true;
          break;
        default: return;
      }
      if (ev.kind == EventKind::kCleanupAction && ev.stage != "header" && ev.stage != "body" &&
          ev.stage != "END-OF-MESSAGE")
        return;
      std::string_view list;
      key_.assign(RejectRestriction(ev, &list));
      if (!list.empty()) key_.append(":").append(list);
      RejectClass& rc = Child(&rejects_, key_);
      std::string_view r = ev.reason;
      if (warn) {
        ++rc.warn;
      } else if (ev.kind == EventKind::kReject && !r.empty() && r[0] == '4') {
        ++rc.code4xx;
      } else {
        ++rc.code5xx;
      }
      return;
    }
    case EventKind::kSaslFailure:
      ++Child(&sasl_ip_, ev.client_addr.empty() ? std::string_view("unknown") : ev.client_addr);
      ++Child(&sasl_user_, ev.sasl_username.empty() ? std::string_view("(none)") : ev.sasl_username);
      return;
    default:
      return;
  }
}

double Percentile(std::vector<float>* v, double p) {
  if (v->empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v->size())));
  if (rank == 0) rank = 1;
  auto nth = v->begin() + static_cast<long>(rank - 1);
  std::nth_element(v->begin(), nth, v->end());
  return *nth;
}

}  // namespace maillens
