// render.cc - trace output: text timelines, JSON Lines, original log lines.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include "trace/tracer.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {

namespace {

// Local wall-clock time of an event, "YYYY-MM-DD HH:MM:SS" (ISO 8601 with
// 'T' and the UTC offset when `iso`).
std::string Time(int64_t epoch, bool iso) {
  time_t t = static_cast<time_t>(epoch);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, iso ? "%Y-%m-%dT%H:%M:%S%z" : "%Y-%m-%d %H:%M:%S", &tm);
  std::string s(buf);
  if (iso && s.size() > 5) s.insert(s.size() - 2, ":");  // +0100 -> +01:00
  return s;
}

// How a hop is linked to its parent.
const char* LinkKind(const TraceMessage& parent, const TraceMessage& hop) {
  for (const TraceEvent& e : parent.events)
    if (e.child_queue_id == hop.queue_id) return e.kind == EventKind::kNotice ? "notice" : "queued_as";
  return "requeued";  // linked by the hop's orig_id=
}

// One message's timeline (and its hops, indented) as text.
void Timeline(const TraceMessage& m, int depth, std::string* out) {
  std::string pad(depth * 4, ' ');
  *out += pad + "message " + TerminalSafe(m.host) + " " + TerminalSafe(m.queue_id);
  if (!m.message_id.empty()) *out += " " + TerminalSafe(m.message_id);
  *out += "\n" + pad + (m.has_from ? "  from <" + TerminalSafe(m.from) + ">" : std::string("  from (sender not in log)"));
  if (m.size >= 0) *out += ", size " + std::to_string(m.size);
  if (m.nrcpt >= 0) *out += ", nrcpt " + std::to_string(m.nrcpt);
  if (!m.client.empty()) *out += ", client " + TerminalSafe(m.client);
  if (!m.sasl_username.empty()) *out += ", sasl user " + TerminalSafe(m.sasl_username);
  if (m.parent != nullptr) *out += ", parent " + TerminalSafe(m.parent->queue_id);
  *out += "\n";
  for (const TraceEvent& e : m.events) {
    *out += pad + "  " + Time(e.epoch, false) + " ";
    std::string prog = TerminalSafe(e.program());
    prog.resize(std::max<size_t>(prog.size(), 16), ' ');
    *out += prog + " " + TerminalSafe(e.text()) + "\n";
  }
  *out += pad + "  outcome:\n";
  for (const RecipientOutcome& r : Outcomes(m)) {
    *out += pad + "    " + TerminalSafe(r.to);
    if (!r.orig_to.empty() && r.orig_to != r.to) *out += " (for " + TerminalSafe(r.orig_to) + ")";
    *out += ": " + TerminalSafe(r.words) + "\n";
  }
  for (const TraceMessage* hop : m.hops) {
    std::string_view kind = LinkKind(m, *hop);
    *out += pad + "  -> " + (kind == "notice" ? "notice" : kind == "requeued" ? "requeued as" : "next hop") + ":\n";
    Timeline(*hop, depth + 1, out);
  }
}

// One JSON object per message, its hops after it.
void JsonMessage(const TraceMessage& m, std::string* out) {
  JsonWriter w(out, false);
  w.BeginObject();
  w.Field("host", m.host).Field("queue_id", m.queue_id).Field("message_id", m.message_id);
  w.Key("from");
  if (m.has_from) {
    w.String(m.from);
  } else {
    w.Null();
  }
  w.Field("client", m.client).Field("sasl_username", m.sasl_username);
  w.Key("size").Int(m.size).Key("nrcpt").Int(m.nrcpt);
  w.Field("first_seen", Time(m.first_seen, true)).Field("last_seen", Time(m.last_seen, true));
  w.Key("matched").Bool(m.matched);
  w.Key("parent");
  if (m.parent) {
    w.BeginObject().Field("host", m.parent->host).Field("queue_id", m.parent->queue_id).EndObject();
  } else {
    w.Null();
  }
  w.Key("links").BeginArray();
  for (const TraceMessage* hop : m.hops)
    w.BeginObject().Field("kind", LinkKind(m, *hop)).Field("host", hop->host).Field("queue_id", hop->queue_id).EndObject();
  w.EndArray();
  w.Key("recipients").BeginArray();
  for (const RecipientOutcome& r : Outcomes(m))
    w.BeginObject().Field("to", r.to).Field("orig_to", r.orig_to).Field("status", r.word).Field("outcome", r.words).EndObject();
  w.EndArray();
  w.Key("events").BeginArray();
  for (const TraceEvent& e : m.events) {
    w.BeginObject().Field("time", Time(e.epoch, true)).Field("program", e.program());
    w.Field("kind", EventKindName(e.kind));
    if (e.kind == EventKind::kDelivery) {
      w.Field("to", e.to).Field("orig_to", e.orig_to).Field("relay", e.relay).Field("delay", e.delay);
      if (e.has_delays) {
        w.Key("delays").BeginArray();
        for (float d : e.delays) w.Double(d);
        w.EndArray();
      }
      w.Field("dsn", e.dsn).Field("status", DeliveryStatusName(e.status)).Field("reason", e.status_text);
    }
    if (!e.child_queue_id.empty()) w.Field("child_queue_id", e.child_queue_id);
    w.Field("text", e.text());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  *out += "\n";
  for (const TraceMessage* hop : m.hops) JsonMessage(*hop, out);
}

// Every event of `m` and its hops.
void Collect(const TraceMessage& m, std::vector<const TraceEvent*>* events) {
  for (const TraceEvent& e : m.events) events->push_back(&e);
  for (const TraceMessage* hop : m.hops) Collect(*hop, events);
}

}  // namespace

void RenderTraceText(const std::vector<const TraceMessage*>& roots, std::string* out) {
  for (size_t i = 0; i < roots.size(); ++i) {
    if (i) *out += "\n";
    Timeline(*roots[i], 0, out);
  }
}

void RenderTraceJson(const std::vector<const TraceMessage*>& roots, std::string* out) {
  for (const TraceMessage* m : roots) JsonMessage(*m, out);
}

void RenderTraceLines(const std::vector<const TraceMessage*>& roots, std::string* out) {
  for (const TraceMessage* m : roots) {
    std::vector<const TraceEvent*> events;
    Collect(*m, &events);
    std::sort(events.begin(), events.end(), [](const TraceEvent* a, const TraceEvent* b) { return a->seq < b->seq; });
    for (const TraceEvent* e : events) {
      AppendTerminalSafe(out, e->line);
      *out += "\n";
    }
  }
}

}  // namespace maillens
