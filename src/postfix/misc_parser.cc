// misc_parser.cc - master(8), anvil(8), scache(8), postfix-script, and the
// informational lines of helper daemons that carry nothing to count.
//   master/master.c:550,583, master/master_sig.c:205
//     "daemon started -- version %s, configuration %s", "reload -- version %s, configuration %s",
//     "terminating on signal %d"
//   anvil/anvil.c:525,535,954  "statistics: max ... rate|count ... for (%s) at %.15s", "statistics: max cache size"
//   scache/scache.c:495        "statistics: max simultaneous domains=%d addresses=%d connection=%d"
//   postfix/postfix.c (compat_level.c): "Postfix is running with backwards-compatible
//     default settings", "See http://www.postfix.org/COMPATIBILITY_README.html for
//     details", "To disable backwards compatibility use \"postconf compatibility_level=...\""
// A delivery line from a daemon we do not know by name (e.g. a custom
// transport's program) is still a delivery line.
#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::StartsWith;

bool ParseMisc(std::string_view m, Event* ev) {
  // postfix(1)'s compatibility notice (global/compat_level.c via postfix.c),
  // logged as "postfix[PID]:" or "postfix/postfix-script[PID]:".
  if (IgnoreKnown(m, {"Postfix is running with backwards-compatible default settings",
                      "See http://www.postfix.org/COMPATIBILITY_README.html",
                      "To disable backwards compatibility use"},
                  ev))
    return true;
  switch (ev->daemon) {
    case Daemon::kMaster:
      ev->kind = EventKind::kMaster;
      ev->text = m;
      return true;
    case Daemon::kAnvil:
    case Daemon::kScache:
      if (StartsWith(m, "statistics: ")) {
        ev->kind = EventKind::kStatistics;
        ev->text = m;
        return true;
      }
      return false;
    case Daemon::kPostfixScript:
    case Daemon::kTlsproxy:
    case Daemon::kDnsblog:
    case Daemon::kPostlogd:
    case Daemon::kVerify:
    case Daemon::kTrivialRewrite:
    case Daemon::kPostdrop:
    case Daemon::kSendmail:
      // Informational lines of these helpers carry nothing a report counts.
      ev->kind = EventKind::kIgnored;
      ev->text = m;
      return true;
    default:
      break;
  }
  if (!ev->queue_id.empty()) {
    if (StartsWith(m, "to=<")) return ParseDelivery(m, ev);
    if (m == "removed") {
      ev->kind = EventKind::kRemoved;
      return true;
    }
  }
  return false;
}

}  // namespace maillens::internal
