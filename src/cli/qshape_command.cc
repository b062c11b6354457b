// qshape_command.cc - `maillens qshape`: reads `postqueue -j` output (run here,
// or saved with --input) and prints qshape's table as text or JSON.
#include "cli/qshape_command.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "cli/input_runner.h"
#include "queue/postqueue.h"
#include "queue/qshape.h"
#include "util/duration.h"
#include "util/text_escape.h"

namespace maillens::cli {

bool ParseReferenceTime(const std::string& text, int64_t* epoch) {
  return ParseTimeSpec(text, static_cast<int64_t>(std::time(nullptr)), epoch);
}

int RunQshape(const QshapeArgs& a) {
  QshapeOptions o;
  o.sender_mode = a.sender_mode;
  o.parent_domains = a.parent_domains;
  o.min_subdomains = a.min_subdomains;
  o.bucket_count = a.bucket_count;
  o.bucket_minutes = a.bucket_minutes;
  o.linear = a.linear;
  o.width = a.width;
  if (!a.queues.empty()) {
    o.queues.clear();
    for (const std::string& q : a.queues) {
      // qshape takes queue directories; postqueue -j names the queue: keep the last component.
      std::string name = q;
      while (name.size() > 1 && name.back() == '/') name.pop_back();
      if (size_t sl = name.rfind('/'); sl != std::string::npos) name.erase(0, sl + 1);
      static const std::vector<std::string> kQueues = {"maildrop", "incoming", "active", "deferred", "hold",
                                                       "corrupt"};
      if (std::find(kQueues.begin(), kQueues.end(), name) == kQueues.end()) {
        std::string near = ClosestName(name, kQueues);
        std::fprintf(stderr, "maillens qshape: unknown queue \"%s\"%s; queues are maildrop, incoming, active, "
                     "deferred, hold and corrupt\n", TerminalSafe(name).c_str(),
                     near.empty() ? "" : ("; did you mean " + near + "?").c_str());
        return kExitUsage;
      }
      o.queues.push_back(name);
    }
  }
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (!a.now.empty() && !ParseReferenceTime(a.now, &now)) {
    std::fprintf(stderr, "maillens qshape: --now takes a time: epoch, YYYY-MM-DD[Thh:mm[:ss][zone]], today, 1h, Nov 22 06:00 (doc/time.md)\n");
    return kExitUsage;
  }
  std::string text, source;
  std::string error;
  if (!ReadPostqueueSnapshot(a.input, &text, &source, &error)) {
    std::fprintf(stderr, "maillens qshape: %s\n", TerminalSafe(error).c_str());
    return kExitInputProblem;
  }
  std::vector<QueuedMessage> messages;
  std::vector<PostqueueProblem> problems;
  ParsePostqueueJson(text, &messages, &problems);
  for (const PostqueueProblem& p : problems)
    std::fprintf(stderr, "maillens qshape: %s:%llu: %s\n", source.c_str(), static_cast<unsigned long long>(p.line),
                 p.message.c_str());
  QshapeTable table(o, now);
  for (const QueuedMessage& m : messages) table.Add(m);
  std::string out = a.format == "json" ? table.RenderJson() : table.RenderText();
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return kExitInputProblem;
  return problems.empty() ? kExitOk : kExitInputProblem;
}

void AddQshapeCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<QshapeArgs>();
  CLI::App* cmd = app->add_subcommand("qshape", "Postfix's qshape table (domains x queue age) from postqueue -j");
  cmd->add_flag("-s", args->sender_mode, "Sender domains (counts messages) instead of recipient domains");
  cmd->add_flag("-p", args->parent_domains, "Also show parent domains (.example.com)");
  cmd->add_option("-m", args->min_subdomains, "With -p: subdomains a parent needs to be shown")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("-b", args->bucket_count, "Number of age buckets")->check(CLI::Range(1, 40));
  cmd->add_option("-t", args->bucket_minutes, "Age limit of the first bucket, in minutes")
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("-l", args->linear, "Linear buckets (multiples of -t) instead of doubling");
  cmd->add_option("-w", args->width, "Terminal width (below 80: 80)")->check(CLI::Range(1, 100000));
  cmd->add_option("--input", args->input, "A saved `postqueue -j` output ('-': stdin) instead of running postqueue -j");
  cmd->add_option("--now", args->now, "Reference time for ages: epoch seconds or ISO 8601 (default: now)");
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("queues", args->queues, "Queues to count (default: incoming active)");
  cmd->callback([args, exit_code]() { *exit_code = RunQshape(*args); });
}

}  // namespace maillens::cli
