// delivery_records.cc - DeliveryRecords and RejectRecords: one row per line.
//   deliveries: global/log_adhoc.c:118-234 ("%s: to=<%s>, orig_to=<%s>, relay=%s,
//               delay=%s, delays=%s/%s/%s/%s, dsn=%s, status=%s (%s)")
//   rejects:    smtpd/smtpd_check.c:1006 (log_whatsup), postscreen/postscreen_smtpd.c:577,
//               cleanup/cleanup_message.c:272 (cleanup_act_log), cleanup/cleanup_milter.c:2120
#include "export/records.h"

#include "postfix/fields.h"

namespace maillens::exporter {

bool DelaysText(const Event& ev, std::string_view parts[4]) {
  // The field lies between the recipient and "status=": search only there
  // (the status text is the remote server's, anything may be in it), from
  // the right (orig_to=<...> may hold anything too).
  const char* b = ev.to.data() + ev.to.size();
  const char* e = ev.status_word.data();
  if (ev.to.data() == nullptr || e == nullptr || e <= b) return false;
  std::string_view span(b, static_cast<size_t>(e - b));
  size_t i = span.rfind(", delays=");
  if (i == std::string_view::npos) return false;
  span.remove_prefix(i + 9);
  span = span.substr(0, span.find(','));
  for (int k = 0; k < 4; ++k) {
    std::string_view p = k < 3 ? fields::TakeUntil(&span, '/') : span;
    parts[k] = IsPlainDecimal(p) ? p : std::string_view();
  }
  return true;
}

void DeliveryRecords::OnEvent(const Event& ev, const Message* m) {
  if (ev.kind != EventKind::kDelivery) return;
  const SyslogHeader& h = *ev.header;
  RowWriter& w = *out_;
  w.BeginRow(RecordKind::kDeliveries);
  w.Time(TimestampOf(h));
  w.Text(h.host);
  w.Text(ev.queue_id);
  w.Text(m ? std::string_view(m->message_id) : std::string_view());
  w.TextOrNull(m && m->has_from, m ? std::string_view(m->from) : std::string_view());
  w.Text(ev.to);
  w.Text(ev.orig_to);
  w.Text(ev.relay);
  if (!ev.delay.empty()) {
    w.Real(IsPlainDecimal(ev.delay) ? ev.delay : std::string_view(), ev.delay_s);
  } else {
    w.Null();
  }
  std::string_view parts[4];
  if (ev.has_delays && DelaysText(ev, parts)) {
    for (int k = 0; k < 4; ++k) w.Real(parts[k], ev.delays[k]);
  } else if (ev.has_delays) {
    for (int k = 0; k < 4; ++k) w.Real({}, ev.delays[k]);
  } else {
    for (int k = 0; k < 4; ++k) w.Null();
  }
  w.Text(ev.dsn);
  w.Text(DeliveryStatusName(ev.status));  // one vocabulary with trace (event.h)
  w.Text(ev.status_text);
  w.IntOrNull(m && m->size >= 0, m ? m->size : 0);
  w.Text(m ? std::string_view(m->client) : std::string_view());
  w.Text(m ? std::string_view(m->sasl_username) : std::string_view());
  w.Text(h.daemon);
  w.Text(ev.child_queue_id);
  w.Bool(m && m->has_from);
  // The recipient's domain, lower-cased (pflogsumm's per-domain tables).
  size_t at = ev.to.rfind('@');
  domain_.clear();
  if (at != std::string_view::npos)
    for (char c : ev.to.substr(at + 1)) domain_.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  w.Text(domain_);
  w.EndRow();
}

namespace {

// The actions the report counts as rejected, reject warnings, held and
// discarded (report/summary.h): the rows of the rejects table.
bool IsRejectAction(Action a) {
  switch (a) {
    case Action::kReject: case Action::kMilterReject: case Action::kRejectWarning: case Action::kWarn:
    case Action::kProxyReject:
    case Action::kHold: case Action::kMilterHold: case Action::kDiscard: case Action::kMilterDiscard:
      return true;
    default:
      return false;
  }
}

// A cleanup header/body check line keeps everything in ev.reason:
// "CONTENT from CLIENT; from=<a> to=<b> proto=P helo=<h>[: TEXT]".
struct CleanupParts {
  std::string_view content, client, proto, text;
};
CleanupParts SplitCleanup(const Event& ev) {
  CleanupParts p;
  std::string_view r = ev.reason;
  // The envelope starts at the last "; from=<" (the content is the
  // sender's text; the optional TEXT after it is the administrator's).
  size_t env = r.rfind("; from=<");
  if (env == std::string_view::npos) env = r.rfind("; to=<");
  if (env == std::string_view::npos) {
    p.content = r;
    return p;
  }
  std::string_view head = r.substr(0, env), envelope = r.substr(env + 2);
  size_t from = head.rfind(" from ");
  if (from != std::string_view::npos) {
    p.content = head.substr(0, from);
    p.client = head.substr(from + 6);
  } else {
    p.content = head;
  }
  bool found;
  p.proto = fields::PlainField(envelope, "proto=", ' ', &found);
  // The TEXT follows the last field (helo=<...> when present).
  const char* end = ev.helo.data() != nullptr ? ev.helo.data() + ev.helo.size() + 1 : nullptr;
  if (end != nullptr && end > envelope.data() && end <= envelope.data() + envelope.size()) {
    std::string_view tail(end, static_cast<size_t>(envelope.data() + envelope.size() - end));
    if (fields::Consume(&tail, ": ")) p.text = tail;
  }
  return p;
}

}  // namespace

void RejectRecords::OnEvent(const Event& ev, const Message* m) {
  if ((ev.kind != EventKind::kReject && ev.kind != EventKind::kCleanupAction) || !IsRejectAction(ev.action)) return;
  const SyslogHeader& h = *ev.header;
  RowWriter& w = *out_;
  const bool header_check = ev.kind == EventKind::kCleanupAction && ev.client.empty();
  CleanupParts c;
  std::string_view client = ev.client, client_addr = ev.client_addr, reason = ev.reason, proto = ev.proto;
  if (header_check) {
    c = SplitCleanup(ev);
    client = c.client;
    std::string_view name, port;
    if (!fields::SplitNamAddr(client, &name, &client_addr, &port)) client_addr = {};
    reason = c.content;
    proto = c.proto;
  }
  w.BeginRow(RecordKind::kRejects);
  w.Time(TimestampOf(h));
  w.Text(h.host);
  w.Text(ev.queue_id);
  w.Text(h.daemon);
  w.Text(ActionName(ev.action));
  w.Text(ev.stage);
  w.Text(client);
  w.Text(client_addr);
  if (header_check && !c.text.empty()) {
    // "Subject: x: 5.7.1 rejected": what matched, then the reply text.
    scratch_.assign(reason);
    scratch_.append(": ");
    scratch_.append(c.text);
    w.Text(scratch_);
  } else {
    w.Text(reason);
  }
  w.TextOrNull(ev.has_from, ev.from);
  w.TextOrNull(ev.has_to, ev.to);
  w.Text(ev.helo);
  w.Text(proto);
  w.EndRow();
}

}  // namespace maillens::exporter
