// process.h - run a program without a shell, optionally feeding it stdin.
//
// The one place maillens starts other programs (ban actions, alert actions,
// sendmail). No shell is involved, so nothing taken from a log can be
// interpreted as shell syntax; extra environment variables are added to the
// current environment for the child only.
// Thread safety: safe to call from any thread (posix_spawn, no shared state).
#ifndef MAILLENS_UTIL_PROCESS_H_
#define MAILLENS_UTIL_PROCESS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maillens {

// Runs argv[0] (looked up in PATH) with `env` added to the environment and
// `input` written to its standard input (closed after), waits for it, and
// returns its exit status (128 + signal when killed), or -1 if it could not
// be started.
int RunProcess(const std::vector<std::string>& argv,
               const std::vector<std::pair<std::string, std::string>>& env = {},
               std::string_view input = {});

}  // namespace maillens

#endif  // MAILLENS_UTIL_PROCESS_H_
