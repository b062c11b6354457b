// abuse_command.cc - `maillens accounts` and `maillens reputation`: one pass
// over the logs with one abuse detector as the pipeline's sink.
#include "cli/abuse_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "abuse/account_anomaly.h"
#include "abuse/reputation.h"
#include "cli/input_runner.h"
#include "io/input_set.h"

namespace maillens::cli {

namespace {

struct AbuseArgs : OneShotArgs {
  AccountAnomalyOptions accounts;
};

}  // namespace

void AddAbuseCommands(CLI::App* app, int* exit_code) {
  auto acc = std::make_shared<AbuseArgs>();
  CLI::App* cmd = AddOneShotCommand(
      app, "accounts", "Compromised-account suspects: SASL users whose hourly sending jumps above their baseline",
      acc.get(), {"text", "json"});
  AccountAnomalyOptions& o = acc->accounts;
  cmd->add_option("--min-recipients", o.floors[kMetricRecipients], "Floor: recipients (nrcpt) per hour")
      ->capture_default_str();
  cmd->add_option("--min-distinct-recipients", o.floors[kMetricDistinctRcpts], "Floor: distinct recipients per hour")
      ->capture_default_str();
  cmd->add_option("--min-domains", o.floors[kMetricDomains], "Floor: distinct recipient domains per hour")
      ->capture_default_str();
  cmd->add_option("--min-client-ips", o.floors[kMetricClientIps], "Floor: distinct client IPs per hour")
      ->capture_default_str();
  cmd->add_option("--min-history", o.min_history, "Active hours before a user's own baseline applies")
      ->capture_default_str()->check(CLI::Range(0, 10000));
  cmd->add_option("--ratio", o.ratio, "Flag values at least this many times the user's median")
      ->capture_default_str()->check(CLI::Range(1.0, 1e6));
  auto no_seasonal = std::make_shared<bool>(false);
  cmd->add_flag("--no-seasonal", *no_seasonal,
                "Only the 48-active-hour baseline (by default a value must also exceed the same hour 1-3 days and "
                "1-3 weeks back)");
  cmd->callback([acc, exit_code, no_seasonal]() {
    if (*no_seasonal) acc->accounts.seasonal = false;
    AccountAnomalyDetector d(acc->accounts);
    bool read;
    int rc = RunOneShot(*acc, {&d}, &read);
    if (!read) {
      *exit_code = rc;
      return;
    }
    d.Finish();
    std::string out;
    if (acc->format == "json") RenderAccountsJson(d, &out);
    else RenderAccountsText(d, &out);
    *exit_code = WriteOutput(acc->output, out, "accounts") ? rc : kExitUsage;
  });

  auto rep = std::make_shared<AbuseArgs>();
  AddOneShotCommand(app, "reputation",
                    "Deferrals and bounces showing big providers or block lists refusing our mail, per provider",
                    rep.get(), {"text", "json"})
      ->callback([rep, exit_code]() {
        ReputationDetector d;
        bool read;
        int rc = RunOneShot(*rep, {&d}, &read);
        if (!read) {
          *exit_code = rc;
          return;
        }
        std::string out;
        if (rep->format == "json") RenderReputationJson(d, &out);
        else RenderReputationText(d, &out);
        *exit_code = WriteOutput(rep->output, out, "reputation") ? rc : kExitUsage;
      });
}

}  // namespace maillens::cli
