// tally.h - which counter an event counts in: the one definition of "sent",
// "deferred", "bounced", "expired", "rejected", "received", "auth
// failure" and "held" that the alert engine, serve's /api/summary and the history
// store share, so their figures agree with each other.
//
//   delivery (status=sent|deferred|bounced|expired)   -> that counter, key: recipient domain
//   qmgr "removed ... expired"                        -> expired
//   smtpd/milter/cleanup reject (not warn)            -> rejected, key: recipient domain, client
//   cleanup/milter hold                               -> held, key: recipient domain, the message's client
//   smtpd client= of a queued message, pickup         -> received (as `report` counts it)
//   SASL and Dovecot authentication failures          -> auth_failures, key: client, user
// Keys are views into the event or its message, valid during the call;
// the domain keeps its case (callers that key by domain fold it).
// Thread safety: a pure function.
#ifndef MAILLENS_ALERT_TALLY_H_
#define MAILLENS_ALERT_TALLY_H_

#include <cstdint>
#include <string_view>

#include "alert/rule.h"
#include "assemble/assembler.h"
#include "postfix/event.h"

namespace maillens::alert {

struct Tally {
  Counter counter = Counter::kSent;
  int64_t time = 0;         // the line's epoch seconds
  std::string_view domain;  // recipient domain ("" when none)
  std::string_view ip;      // client address ("" when none)
  std::string_view user;    // SASL or Dovecot user ("" when none)
};

// Fills *t and returns true when `ev` (of message `m`, may be null) counts
// in a counter; false for every other event.
bool TallyEvent(const Event& ev, const Message* m, Tally* t);

// The address inside "name[addr]", or the whole text.
std::string_view ClientAddress(std::string_view client);
// The domain of an e-mail address (after its last '@'; "" without one).
std::string_view AddressDomain(std::string_view address);

}  // namespace maillens::alert

#endif  // MAILLENS_ALERT_TALLY_H_
