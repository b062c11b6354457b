// rule.cc - the rule expression parser (a hand-written scanner; the grammar
// is in rule.h) and the [[alert]] / [alert_action.*] config reader.
#include "alert/rule.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "util/duration.h"

namespace maillens::alert {

namespace {

constexpr const char* kCounterNames[kCounterCount] = {"sent",     "deferred", "bounced",      "expired",
                                                      "rejected", "received", "auth_failures", "held"};
constexpr const char* kQueues[] = {"total", "active", "deferred", "hold", "incoming", "maildrop"};

// A cursor over the expression.
struct Scanner {
  std::string_view s;
  void Space() {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  }
  // Consumes `tok` (after blanks) if it comes next.
  bool Eat(std::string_view tok) {
    Space();
    if (s.substr(0, tok.size()) != tok) return false;
    s.remove_prefix(tok.size());
    return true;
  }
  // An identifier: letters, digits, '_' and '.'.
  std::string_view Word() {
    Space();
    size_t n = 0;
    while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_' || s[n] == '.')) ++n;
    std::string_view w = s.substr(0, n);
    s.remove_prefix(n);
    return w;
  }
  bool Number(double* v) {
    Space();
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0) return false;
    std::string tmp(s.substr(0, n));
    char* end = nullptr;
    *v = std::strtod(tmp.c_str(), &end);
    if (end != tmp.c_str() + tmp.size()) return false;
    s.remove_prefix(n);
    return true;
  }
};

bool CounterByName(std::string_view w, Counter* c) {
  if (w == "volume") w = "received";
  for (int i = 0; i < kCounterCount; ++i)
    if (w == kCounterNames[i]) return *c = static_cast<Counter>(i), true;
  return false;
}

bool KeyByName(std::string_view w, KeyDim* k) {
  if (w == "domain") return *k = KeyDim::kDomain, true;
  if (w == "ip" || w == "client") return *k = KeyDim::kIp, true;
  if (w == "user") return *k = KeyDim::kUser, true;
  return false;
}

bool Fail(std::string* error, std::string what) {
  *error = std::move(what);
  return false;
}

// "[KEY,] WINDOW)" after the counter (or after "bounce_ratio(").
bool ParseArgs(Scanner* sc, Rule* r, std::string* error) {
  std::string_view w = sc->Word();
  if (KeyByName(w, &r->key)) {
    if (!sc->Eat(",")) return Fail(error, "expected ',' after the key");
    w = sc->Word();
  }
  if (!ParseDuration(w, &r->window) || r->window <= 0) return Fail(error, "bad window '" + std::string(w) + "'");
  if (r->window > 8 * 86400) return Fail(error, "window longer than 8 days");
  if (!sc->Eat(")")) return Fail(error, "expected ')'");
  return true;
}

}  // namespace

const char* CounterName(Counter c) { return kCounterNames[static_cast<int>(c)]; }

const char* KeyDimName(KeyDim k) {
  switch (k) {
    case KeyDim::kNone: return "";
    case KeyDim::kDomain: return "domain";
    case KeyDim::kIp: return "ip";
    case KeyDim::kUser: return "user";
  }
  return "";
}

bool Compare(Cmp cmp, double value, double threshold) {
  switch (cmp) {
    case Cmp::kGt: return value > threshold;
    case Cmp::kGe: return value >= threshold;
    case Cmp::kLt: return value < threshold;
    case Cmp::kLe: return value <= threshold;
  }
  return false;
}

const char* CmpText(Cmp cmp) {
  switch (cmp) {
    case Cmp::kGt: return ">";
    case Cmp::kGe: return ">=";
    case Cmp::kLt: return "<";
    case Cmp::kLe: return "<=";
  }
  return "?";
}

bool ParseRuleExpr(std::string_view text, Rule* r, std::string* error) {
  Scanner sc{text};
  r->expr = std::string(text);
  r->key = KeyDim::kNone;
  r->window = 0;
  std::string_view w = sc.Word();
  if (w.substr(0, 6) == "queue.") {
    r->fn = Rule::Fn::kQueue;
    r->queue = std::string(w.substr(6));
    bool known = false;
    for (const char* q : kQueues) known |= r->queue == q;
    if (!known) return Fail(error, "unknown queue '" + r->queue + "'");
  } else if (w == "rate" || w == "count") {
    r->fn = Rule::Fn::kCount;
    if (!sc.Eat("(")) return Fail(error, "expected '(' after " + std::string(w));
    std::string_view c = sc.Word();
    if (!CounterByName(c, &r->counter)) return Fail(error, "unknown counter '" + std::string(c) + "'");
    if (!sc.Eat(",")) return Fail(error, "expected ','");
    if (!ParseArgs(&sc, r, error)) return false;
  } else if (w == "bounce_ratio") {
    r->fn = Rule::Fn::kBounceRatio;
    if (!sc.Eat("(")) return Fail(error, "expected '(' after bounce_ratio");
    if (!ParseArgs(&sc, r, error)) return false;
  } else if (CounterByName(w, &r->counter)) {
    r->fn = Rule::Fn::kCount;
    if (!sc.Eat("(")) return Fail(error, "expected '(' after " + std::string(w));
    if (!ParseArgs(&sc, r, error)) return false;
  } else {
    return Fail(error, "unknown value '" + std::string(w) + "'");
  }
  if (sc.Eat(">=")) r->cmp = Cmp::kGe;
  else if (sc.Eat("<=")) r->cmp = Cmp::kLe;
  else if (sc.Eat(">")) r->cmp = Cmp::kGt;
  else if (sc.Eat("<")) r->cmp = Cmp::kLt;
  else return Fail(error, "expected a comparison (> >= < <=)");
  double factor = 1;
  r->relative = false;
  if (sc.Number(&factor)) {
    if (sc.Eat("*")) {
      if (sc.Word() != "same_hour_last_week") return Fail(error, "expected same_hour_last_week after '*'");
      r->relative = true;
    }
  } else if (sc.Word() == "same_hour_last_week") {
    r->relative = true;
    if (sc.Eat("*") && !sc.Number(&factor)) return Fail(error, "expected a number after '*'");
  } else {
    return Fail(error, "expected a number or same_hour_last_week");
  }
  if (r->relative && r->fn == Rule::Fn::kQueue) return Fail(error, "queue values have no history");
  sc.Space();
  if (!sc.s.empty()) return Fail(error, "unexpected '" + std::string(sc.s) + "'");
  r->critical = factor;
  return true;
}

bool ParseAlertConfig(const toml::table& config, std::vector<Rule>* rules, std::vector<ActionSpec>* actions,
                      std::string* error) {
  auto duration = [&](const toml::node* n, int64_t* out, const std::string& where) {
    if (!n) return true;
    if (auto i = n->value<int64_t>()) return *out = *i, true;
    if (auto s = n->value<std::string>(); s && ParseDuration(*s, out) && *out >= 0) return true;
    return Fail(error, where + ": bad duration");
  };
  if (const toml::table* acts = config["alert_action"].as_table()) {
    for (const auto& [name, node] : *acts) {
      const toml::table* t = node.as_table();
      std::string where = "alert_action." + std::string(name.str());
      if (!t) return Fail(error, where + " is not a table");
      ActionSpec a;
      a.name = std::string(name.str());
      std::string type = t->get("type") ? t->get("type")->value_or(std::string()) : std::string();
      for (const auto& [k, v] : *t) {
        std::string_view key = k.str();
        if (key == "type") continue;
        if (key == "command") {
          const toml::array* arr = v.as_array();
          if (!arr || arr->empty()) return Fail(error, where + ".command must be a non-empty array of strings");
          for (const auto& e : *arr) {
            if (!e.is_string()) return Fail(error, where + ".command must be an array of strings");
            a.command.push_back(e.value_or(std::string()));
          }
        } else if (key == "to") {
          a.to = v.value_or(std::string());
        } else if (key == "sendmail") {
          a.sendmail = v.value_or(std::string());
        } else if (key == "url") {
          a.url = v.value_or(std::string());
        } else if (key == "bearer_token") {
          a.bearer_token = v.value_or(std::string());
        } else if (key == "timeout") {
          if (!duration(&v, &a.timeout, where + ".timeout")) return false;
        } else {
          return Fail(error, where + ": unknown key '" + std::string(key) + "'");
        }
      }
      if (type == "exec") {
        a.type = ActionSpec::Type::kExec;
        if (a.command.empty()) return Fail(error, where + ": exec needs command = [\"program\", ...]");
      } else if (type == "mail") {
        a.type = ActionSpec::Type::kMail;
        if (a.to.empty()) return Fail(error, where + ": mail needs to = \"address\"");
      } else if (type == "webhook") {
        a.type = ActionSpec::Type::kWebhook;
        if (a.url.substr(0, 7) != "http://" && a.url.substr(0, 8) != "https://")
          return Fail(error, where + ": webhook needs url = \"http://...\"");
      } else {
        return Fail(error, where + ": type must be exec, mail or webhook");
      }
      actions->push_back(std::move(a));
    }
  }
  const toml::node* alerts = config.get("alert");
  if (!alerts) return true;
  const toml::array* arr = alerts->as_array();
  if (!arr) return Fail(error, "alert must be an array of tables ([[alert]])");
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::table* t = arr->get(i)->as_table();
    std::string where = "alert #" + std::to_string(i + 1);
    if (!t) return Fail(error, where + " is not a table");
    Rule r;
    std::string expr;
    for (const auto& [k, v] : *t) {
      std::string_view key = k.str();
      if (key == "name") {
        r.name = v.value_or(std::string());
      } else if (key == "expr") {
        expr = v.value_or(std::string());
      } else if (key == "warning") {
        if (auto d = v.value<double>()) r.warning = *d;
        else return Fail(error, where + ".warning must be a number");
      } else if (key == "repeat") {
        if (!duration(&v, &r.repeat, where + ".repeat")) return false;
      } else if (key == "min_count") {
        if (auto n = v.value<int64_t>(); n && *n >= 0) r.min_count = static_cast<uint64_t>(*n);
        else return Fail(error, where + ".min_count must be a count");
      } else if (key == "actions") {
        const toml::array* a = v.as_array();
        if (!a) return Fail(error, where + ".actions must be an array of action names");
        for (const auto& e : *a) r.actions.push_back(e.value_or(std::string()));
      } else {
        return Fail(error, where + ": unknown key '" + std::string(key) + "'");
      }
    }
    if (r.name.empty()) return Fail(error, where + ": name is missing");
    where = "alert '" + r.name + "'";
    if (expr.empty()) return Fail(error, where + ": expr is missing");
    if (!ParseRuleExpr(expr, &r, error)) return Fail(error, where + ": " + *error);
    for (const std::string& an : r.actions) {
      bool found = false;
      for (const ActionSpec& a : *actions) found |= a.name == an;
      if (!found) return Fail(error, where + ": no [alert_action." + an + "]");
    }
    for (const Rule& other : *rules)
      if (other.name == r.name) return Fail(error, where + ": duplicate name");
    rules->push_back(std::move(r));
  }
  return true;
}

}  // namespace maillens::alert
