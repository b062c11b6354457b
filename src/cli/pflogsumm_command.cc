// pflogsumm_command.cc - pflogsumm 1.1.5's command line, for `maillens
// pflogsumm ARGS` and for the binary called through a `pflogsumm` symlink.
//
// Parsed as pflogsumm parses it: first every argument before "--" that starts
// with "--" and a word character has its "_" turned into "-" (the whole
// argument, as pflogsumm's `tr/_/-/`), then Getopt::Long's default rules:
// "-name" and "--name" alike, "=value" or the next argument, unique
// abbreviations, names case-insensitive, options and files in any order.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/input_runner.h"
#include "cli/report_command.h"

#ifndef MAILLENS_VERSION
#define MAILLENS_VERSION "0.1.0"
#endif

namespace maillens::cli {

namespace {

constexpr const char* kUsage =
    "usage: pflogsumm -[eq] [-d <today|yesterday>] [--detail <cnt>]\n"
    "\t[--bounce-detail <cnt>] [--deferral-detail <cnt>]\n"
    "\t[-h <cnt>] [-i|--ignore-case] [--iso-date-time] [--mailq]\n"
    "\t[-m|--uucp-mung] [--no-no-msg-size] [--problems-first]\n"
    "\t[--rej-add-from] [--reject-detail <cnt>] [--smtp-detail <cnt>]\n"
    "\t[--smtpd-stats] [--smtpd-warning-detail <cnt>]\n"
    "\t[--syslog-name=string] [-u <cnt>] [--verbose-msg-detail]\n"
    "\t[--verp-mung[=<n>]] [--zero-fill] [file1 [filen]]\n"
    "\t[--compat 1.3 [--expired-detail <cnt>] [--pscrn-detail <cnt>] [--pscrn-stats]\n"
    "\t [--rej-add-to]]\n"
    "\n"
    "       pflogsumm --[version|help]\n";

enum class Kind { kFlag, kInt, kString, kOptInt };

struct Spec {
  const char* name;
  Kind kind;
};

// pflogsumm's GetOptions() table.
constexpr Spec kSpecs[] = {
    {"bounce-detail", Kind::kInt},  {"compat", Kind::kString},
    {"d", Kind::kString},
    {"deferral-detail", Kind::kInt}, {"detail", Kind::kInt},
    {"e", Kind::kFlag},             {"expired-detail", Kind::kInt},
    {"help", Kind::kFlag},
    {"h", Kind::kInt},              {"ignore-case", Kind::kFlag},
    {"i", Kind::kFlag},             {"iso-date-time", Kind::kFlag},
    {"mailq", Kind::kFlag},         {"m", Kind::kFlag},
    {"no-bounce-detail", Kind::kFlag}, {"no-deferral-detail", Kind::kFlag},
    {"no-no-msg-size", Kind::kFlag}, {"no-reject-detail", Kind::kFlag},
    {"no-smtpd-warnings", Kind::kFlag}, {"problems-first", Kind::kFlag},
    {"pscrn-detail", Kind::kInt},   {"pscrn-stats", Kind::kFlag},
    {"q", Kind::kFlag},             {"rej-add-from", Kind::kFlag},
    {"rej-add-to", Kind::kFlag},
    {"reject-detail", Kind::kInt},  {"smtp-detail", Kind::kInt},
    {"smtpd-stats", Kind::kFlag},   {"smtpd-warning-detail", Kind::kInt},
    {"syslog-name", Kind::kString}, {"u", Kind::kInt},
    {"uucp-mung", Kind::kFlag},     {"verbose-msg-detail", Kind::kFlag},
    {"verp-mung", Kind::kOptInt},   {"version", Kind::kFlag},
    {"zero-fill", Kind::kFlag},
};

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

const Spec* Find(std::string_view name, std::string* error) {
  std::string n = Lower(name);
  for (const Spec& s : kSpecs)
    if (n == s.name) return &s;
  const Spec* found = nullptr;
  int matches = 0;
  for (const Spec& s : kSpecs) {
    if (std::string_view(s.name).substr(0, n.size()) == n) {
      found = &s;
      ++matches;
    }
  }
  if (matches == 1) return found;
  *error = matches == 0 ? "Unknown option: " + n : "Option " + n + " is ambiguous";
  return nullptr;
}

bool IsInt(std::string_view v) {
  size_t i = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? 1 : 0;
  if (i >= v.size()) return false;
  for (; i < v.size(); ++i)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

}  // namespace

int RunPflogsumm(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::string& s : args) {  // foreach (@ARGV) { last if $_ eq "--"; tr/_/-/ if /^--\w/ }
    if (s == "--") break;
    if (s.size() > 2 && s[0] == '-' && s[1] == '-' &&
        (std::isalnum(static_cast<unsigned char>(s[2])) || s[2] == '_'))
      for (char& c : s)
        if (c == '_') c = '-';
  }
  ReportArgs a;
  bool help = false, version = false;
  std::string error;
  for (size_t i = 0; i < args.size() && error.empty(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      a.files.insert(a.files.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      a.files.push_back(arg);
      continue;
    }
    std::string_view body = std::string_view(arg).substr(arg[1] == '-' ? 2 : 1);
    std::string_view name = body, value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    const Spec* spec = Find(name, &error);
    if (spec == nullptr) break;
    std::string_view opt = spec->name;
    if (spec->kind == Kind::kFlag && has_value) {
      error = "Option " + std::string(opt) + " does not take an argument";
      break;
    }
    if ((spec->kind == Kind::kInt || spec->kind == Kind::kString) && !has_value) {
      if (i + 1 >= args.size()) {
        error = "Option " + std::string(opt) + " requires an argument";
        break;
      }
      value = args[++i];
      has_value = true;
    }
    if (spec->kind == Kind::kOptInt && !has_value && i + 1 < args.size() && IsInt(args[i + 1])) {
      value = args[++i];
      has_value = true;
    }
    int64_t n = 0;
    if (spec->kind == Kind::kInt || (spec->kind == Kind::kOptInt && has_value)) {
      if (!IsInt(value)) {
        error = "Value \"" + std::string(value) + "\" invalid for option " + std::string(opt) + " (number expected)";
        break;
      }
      n = std::strtoll(std::string(value).c_str(), nullptr, 10);
    }
    if (opt == "bounce-detail") a.bounce_detail = n;
    else if (opt == "compat") a.compat = std::string(value);
    else if (opt == "d") a.day = std::string(value);
    else if (opt == "expired-detail") a.expired_detail = n;
    else if (opt == "deferral-detail") a.deferral_detail = n;
    else if (opt == "detail") a.detail = n;
    else if (opt == "e") a.message_detail = true;
    else if (opt == "help") help = true;
    else if (opt == "h") a.top_domains = n;
    else if (opt == "ignore-case" || opt == "i") a.ignore_case = true;
    else if (opt == "iso-date-time") a.iso_date_time = true;
    else if (opt == "mailq") a.mailq = true;
    else if (opt == "m" || opt == "uucp-mung") a.uucp_mung = true;
    else if (opt == "no-bounce-detail") a.no_bounce_detail = true;
    else if (opt == "no-deferral-detail") a.no_deferral_detail = true;
    else if (opt == "no-no-msg-size") a.no_no_msg_size = true;
    else if (opt == "no-reject-detail") a.no_reject_detail = true;
    else if (opt == "no-smtpd-warnings") a.no_smtpd_warnings = true;
    else if (opt == "problems-first") a.problems_first = true;
    else if (opt == "pscrn-detail") a.pscrn_detail = n;
    else if (opt == "pscrn-stats") a.pscrn_stats = true;
    else if (opt == "q") a.quiet = true;
    else if (opt == "rej-add-from") a.rej_add_from = true;
    else if (opt == "rej-add-to") a.rej_add_to = true;
    else if (opt == "reject-detail") a.reject_detail = n;
    else if (opt == "smtp-detail") a.smtp_detail = n;
    else if (opt == "smtpd-stats") a.smtpd_stats = true;
    else if (opt == "smtpd-warning-detail") a.smtpd_warning_detail = n;
    else if (opt == "syslog-name") a.syslog_name = std::string(value);
    else if (opt == "u") a.top_users = n;
    else if (opt == "verbose-msg-detail") a.verbose_msg_detail = true;
    else if (opt == "verp-mung") a.verp_mung = n > 1 ? static_cast<int>(n) : 1;  // defined: munged
    else if (opt == "version") version = true;
    else if (opt == "zero-fill") a.zero_fill = true;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "%s\n%s\n", error.c_str(), kUsage);
    return kExitUsage;
  }
  if (help) {
    std::printf("%s\n", kUsage);
    return kExitOk;
  }
  if (version) {
    std::printf("pflogsumm 1.1.5 (maillens %s)\n", MAILLENS_VERSION);
    return kExitOk;
  }
  return RunReport(std::move(a), "pflogsumm");
}

}  // namespace maillens::cli
