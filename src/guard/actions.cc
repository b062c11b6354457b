// actions.cc - ban command lines, quoting, and running them without a shell.
#include "guard/actions.h"

#include "util/process.h"

namespace maillens::guard {

namespace {

// Splits "a:b:c" into its parts.
std::vector<std::string> SplitColon(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t c = s.find(':', start);
    parts.emplace_back(s.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start));
    if (c == std::string_view::npos) break;
    start = c + 1;
  }
  return parts;
}

// A set/table/jail name: letters, digits, '-', '_', '.'.
bool IsName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

bool ParseAction(std::string_view spec, ActionConfig* out) {
  *out = ActionConfig();
  if (spec == "none" || spec.empty()) return true;
  std::vector<std::string> p = SplitColon(spec);
  const std::string& k = p[0];
  if (k == "exec") {
    if (spec.size() <= 5) return false;
    out->kind = ActionConfig::Kind::kExec;
    out->program = std::string(spec.substr(5));
    return true;
  }
  for (size_t i = 1; i < p.size(); ++i)
    if (!IsName(p[i])) return false;
  if (k == "nft") {
    out->kind = ActionConfig::Kind::kNft;
    if (p.size() == 1) return true;
    if (p.size() < 4 || p.size() > 5) return false;
    out->nft_family = p[1], out->nft_table = p[2], out->set = p[3];
    out->set6 = p.size() == 5 ? p[4] : p[3] + "6";
    return true;
  }
  if (k == "ipset") {
    out->kind = ActionConfig::Kind::kIpset;
    out->set = "maillens-guard", out->set6 = "maillens-guard6";
    if (p.size() > 3) return false;
    if (p.size() >= 2) out->set = p[1], out->set6 = p[1] + "6";
    if (p.size() == 3) out->set6 = p[2];
    return true;
  }
  if (k == "fail2ban") {
    out->kind = ActionConfig::Kind::kFail2ban;
    if (p.size() > 2) return false;
    if (p.size() == 2) out->jail = p[1];
    return true;
  }
  return false;
}

std::vector<std::string> BanCommand(const ActionConfig& c, const Ban& ban, int64_t now) {
  const bool v6 = ban.ip.find(':') != std::string::npos;
  const std::string& set = v6 ? c.set6 : c.set;
  const int64_t left = ban.end < 0 ? -1 : std::max<int64_t>(ban.end - now, 1);
  switch (c.kind) {
    case ActionConfig::Kind::kNone:
      return {};
    case ActionConfig::Kind::kNft: {
      std::vector<std::string> a = {"nft", "add", "element", c.nft_family, c.nft_table, set, "{", ban.ip};
      if (left > 0) a.insert(a.end(), {"timeout", std::to_string(left) + "s"});
      a.push_back("}");
      return a;
    }
    case ActionConfig::Kind::kIpset: {
      std::vector<std::string> a = {"ipset", "add", set, ban.ip};
      if (left > 0) a.insert(a.end(), {"timeout", std::to_string(left)});
      a.push_back("-exist");
      return a;
    }
    case ActionConfig::Kind::kFail2ban:
      return {"fail2ban-client", "set", c.jail, "banip", ban.ip};
    case ActionConfig::Kind::kExec:
      return {c.program, ban.ip, std::to_string(ban.start), std::to_string(ban.end), std::to_string(ban.failures)};
  }
  return {};
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) {
    if (!s.empty()) s += ' ';
    bool plain = !a.empty();
    for (char c : a)
      if (!(isalnum(static_cast<unsigned char>(c)) || std::string_view("-_./:@%+=,").find(c) != std::string_view::npos))
        plain = false;
    if (plain) {
      s += a;
      continue;
    }
    s += '\'';
    for (char c : a) {
      if (c == '\'') s += "'\\''";
      else s += c;
    }
    s += '\'';
  }
  return s;
}

int RunCommand(const std::vector<std::string>& argv) { return RunProcess(argv); }

}  // namespace maillens::guard
