// actions.h - what an alert does: run a command, send a mail, POST a webhook.
//
// ActionRunner delivers a Notification to the actions a rule names:
//   exec     runs `command` (no shell) with the alert in MAILLENS_ALERT_*
//            environment variables and as JSON on its standard input;
//   mail     pipes a message to `sendmail -t -i` (path configurable) for `to`;
//   webhook  POSTs the JSON to `url` (http or https), with an optional bearer
//            token, within `timeout` seconds.
// The JSON is AlertJson()'s. Log-derived text (keys such as domains or
// usernames) is made safe for each channel: the mail subject carries no
// control characters (no header injection), the JSON is valid for any bytes,
// environment values carry no NUL.
// Failures are reported through the error callback; they never throw.
// Thread safety: one thread at a time.
#ifndef MAILLENS_ALERT_ACTIONS_H_
#define MAILLENS_ALERT_ACTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "alert/engine.h"
#include "alert/rule.h"

namespace maillens::alert {

// The notification as one JSON object (one line).
std::string AlertJson(const Notification& n);
// One line for humans: "CRITICAL rejects [ip 192.0.2.1]: 612 > 500 (firing)".
std::string AlertLine(const Notification& n);

class ActionRunner {
 public:
  using ErrorFn = std::function<void(const std::string&)>;
  ActionRunner(std::vector<ActionSpec> actions, ErrorFn on_error)
      : actions_(std::move(actions)), on_error_(std::move(on_error)) {}

  // Runs every action the notification's rule names.
  void Notify(const Notification& n);

 private:
  void Run(const ActionSpec& a, const Notification& n);

  std::vector<ActionSpec> actions_;
  ErrorFn on_error_;
};

}  // namespace maillens::alert

#endif  // MAILLENS_ALERT_ACTIONS_H_
