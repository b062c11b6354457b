// actions.h - what to do with a ban: the command lines for a firewall.
//
// BanAction turns a ban into the argument vector of one command, run without
// a shell (so an address can never inject anything; addresses are validated
// before they get here):
//   nft       nft add element FAMILY TABLE SET { IP timeout Ns }
//             (IPv6 addresses go to SET6)
//   ipset     ipset add SET IP timeout N -exist     (IPv6: SET6)
//   fail2ban  fail2ban-client set JAIL banip IP
//   exec      PROGRAM IP START END FAILURES
// Run() prints the command (dry run, the default in `guard`) or executes it.
// Thread safety: none needed (no state besides the configuration).
#ifndef MAILLENS_GUARD_ACTIONS_H_
#define MAILLENS_GUARD_ACTIONS_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "guard/ban_engine.h"

namespace maillens::guard {

struct ActionConfig {
  enum class Kind { kNone, kNft, kIpset, kFail2ban, kExec } kind = Kind::kNone;
  std::string nft_family = "inet", nft_table = "maillens", set = "guard", set6 = "guard6";
  std::string jail = "postfix";
  std::string program;  // exec
};

// Parses --action: none, nft[:FAMILY:TABLE:SET[:SET6]], ipset[:SET[:SET6]],
// fail2ban[:JAIL], exec:PROGRAM. False if malformed.
bool ParseAction(std::string_view spec, ActionConfig* out);

// The command for banning `ban` at `now` (the timeout is what is left of it;
// permanent bans have none). Empty for Kind::kNone.
std::vector<std::string> BanCommand(const ActionConfig& c, const Ban& ban, int64_t now);

// The command line as a shell would need it quoted (for dry runs and logs).
std::string ShellQuote(const std::vector<std::string>& argv);

// Executes argv (no shell) and waits; returns its exit status, or -1 if it
// could not be started.
int RunCommand(const std::vector<std::string>& argv);

}  // namespace maillens::guard

#endif  // MAILLENS_GUARD_ACTIONS_H_
