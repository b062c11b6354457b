// event_writers.cc - EventRowWriter, EcsWriter, GelfWriter.
#include "export/event_writers.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <span>

#include "export/json_row.h"
#include "postfix/fields.h"

namespace maillens::exporter {

namespace {

// True if `s` is an IPv4 or IPv6 address (ECS ip fields refuse anything else).
bool IsIp(std::string_view s) {
  char buf[64];
  if (s.empty() || s.size() >= sizeof buf) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

// Writes nested JSON objects from dotted paths given in an order that keeps
// each object's fields together (sorted, as EcsWriter::Format writes them).
// Path segments are views into literals or the schema: they stay valid.
class Nest {
 public:
  explicit Nest(ByteBuffer* out) : out_(out) { out_->Push('{'); }
  // Positions at `parents` (dot-separated object names, possibly empty),
  // opening and closing objects, and writes the key `leaf` and ':'.
  void Key(std::string_view parents, std::string_view leaf) {
    std::string_view seg[kMaxDepth];
    int n = 0;
    while (!parents.empty() && n < kMaxDepth) {
      size_t dot = parents.find('.');
      seg[n++] = parents.substr(0, dot);
      parents = dot == std::string_view::npos ? std::string_view() : parents.substr(dot + 1);
    }
    int keep = 0;
    while (keep < depth_ && keep < n && open_[keep] == seg[keep]) ++keep;
    while (depth_ > keep) Close();
    for (int i = keep; i < n; ++i) {
      Name(seg[i]);
      out_->Push('{');
      open_[depth_++] = seg[i];
      first_[depth_] = true;
    }
    Name(leaf);
  }
  // Key("a.b", "c") from "a.b.c".
  void Key(std::string_view path) {
    size_t dot = path.rfind('.');
    if (dot == std::string_view::npos) {
      Key({}, path);
    } else {
      Key(path.substr(0, dot), path.substr(dot + 1));
    }
  }
  void End() {
    while (depth_ > 0) Close();
    out_->Append("}\n");
  }

 private:
  static constexpr int kMaxDepth = 4;
  void Name(std::string_view name) {
    if (!first_[depth_]) out_->Push(',');
    first_[depth_] = false;
    out_->Push('"');
    out_->Append(name);  // ASCII names from this file and the schema
    out_->Append("\":");
  }
  void Close() {
    out_->Push('}');
    --depth_;
  }
  ByteBuffer* out_;
  std::string_view open_[kMaxDepth];
  bool first_[kMaxDepth + 1] = {true, true, true, true, true};
  int depth_ = 0;
};

bool In(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view x : set)
    if (s == x) return true;
  return false;
}

// The columns EcsWriter writes under ECS fields; the rest go to maillens.*.
constexpr std::string_view kEcsDeliveries[] = {"time", "host", "queue_id", "message_id", "from",
                                               "to", "reason", "client", "sasl_user", "daemon"};
constexpr std::string_view kEcsMessages[] = {"first_seen", "last_seen", "host", "queue_id", "client",
                                             "client_addr", "sasl_user", "message_id", "from"};
constexpr std::string_view kEcsRejects[] = {"time", "host", "queue_id", "daemon", "action",
                                            "client", "client_addr", "reason", "from", "to"};
constexpr std::string_view kEcsConnections[] = {"connect_time", "disconnect_time", "duration", "host",
                                                "daemon", "pid", "client", "client_addr",
                                                "client_port", "sasl_user"};
std::span<const std::string_view> EcsMapped(RecordKind kind) {
  switch (kind) {
    case RecordKind::kDeliveries: return kEcsDeliveries;
    case RecordKind::kMessages: return kEcsMessages;
    case RecordKind::kRejects: return kEcsRejects;
    case RecordKind::kConnections: return kEcsConnections;
  }
  return {};
}

std::string_view Dataset(RecordKind kind) {
  switch (kind) {
    case RecordKind::kDeliveries: return "maillens.delivery";
    case RecordKind::kMessages: return "maillens.message";
    case RecordKind::kRejects: return "maillens.reject";
    case RecordKind::kConnections: return "maillens.connection";
  }
  return {};
}

bool IsDenied(std::string_view action) {
  return In(action, {"reject", "milter-reject", "proxy-reject", "discard", "milter-discard"});
}

}  // namespace

// ---------------------------------------------------------------- the base

EventRowWriter::EventRowWriter(RecordKind kind, OutputFile* out)
    : kind_(kind), schema_(SchemaFor(kind)), values_(schema_.columns.size()), out_(out) {}

void EventRowWriter::Real(std::string_view text, double value) {
  Value& v = Slot(ColumnType::kReal);
  v.text.assign(text);
  v.d = value;
}

void EventRowWriter::EndRow() {
  Format(&out_->buffer());
  CountRow(kind_);
  out_->MaybeFlush();
}

const EventRowWriter::Value& EventRowWriter::Col(std::string_view name) const {
  for (size_t i = 0; i < schema_.columns.size(); ++i)
    if (schema_.columns[i].name == name) return values_[i];
  return values_[0];  // not reached: the callers name the schema's columns
}

void EventRowWriter::AppendValue(ByteBuffer* out, const Value& v, bool int_bools) {
  if (v.null) {
    out->Append("null");
    return;
  }
  switch (v.type) {
    case ColumnType::kText: AppendJsonText(out, v.text); break;
    case ColumnType::kInt: AppendInt(out, v.i); break;
    case ColumnType::kReal: AppendJsonReal(out, v.text, v.d); break;
    case ColumnType::kBool: out->Append(v.b ? (int_bools ? "1" : "true") : (int_bools ? "0" : "false")); break;
    case ColumnType::kTime: AppendJsonTime(out, v.t); break;
  }
}

namespace {

// A one-line summary of the row (ECS message, GELF short_message), from the
// values `col` gives by column name.
template <typename Col>
void AppendSummary(RecordKind kind, const Col& col, std::string* s) {
  s->clear();
  auto text = [&](std::string_view name) -> std::string_view {
    const EventRowWriter::Value& v = col(name);
    return v.null ? std::string_view() : std::string_view(v.text);
  };
  auto num = [&](std::string_view name) { return std::to_string(col(name).i); };
  switch (kind) {
    case RecordKind::kDeliveries:
      s->append(text("queue_id")).append(": to=<").append(text("to")).append(">, relay=").append(text("relay"));
      s->append(", status=").append(text("status"));
      if (!text("dsn").empty()) s->append(", dsn=").append(text("dsn"));
      break;
    case RecordKind::kMessages:
      s->append(text("queue_id")).append(": from=<").append(text("from")).append(">, ");
      s->append(num("sent")).append(" sent, ").append(num("deferred")).append(" deferred, ");
      s->append(num("bounced")).append(" bounced");
      for (std::string_view flag : {"expired", "rejected", "held", "discarded"})
        if (col(flag).b) s->append(", ").append(flag);
      break;
    case RecordKind::kRejects:
      s->append(text("daemon")).append(" ").append(text("action")).append(" ").append(text("stage"));
      s->append(" from ").append(text("client")).append(": ").append(text("reason"));
      break;
    case RecordKind::kConnections:
      s->append(text("daemon")).append(" session of ").append(text("client"));
      if (!text("outcome").empty()) s->append(": ").append(text("outcome"));
      break;
  }
}

}  // namespace

// ---------------------------------------------------------------- ECS

EcsWriter::EcsWriter(RecordKind kind, OutputFile* out) : EventRowWriter(kind, out) {
  std::span<const std::string_view> mapped = EcsMapped(kind);
  for (const Column& c : schema_.columns)
    mapped_.push_back(std::find(mapped.begin(), mapped.end(), c.name) != mapped.end());
}

void EcsWriter::Format(ByteBuffer* out) {
  Nest n(out);
  auto col = [this](std::string_view name) -> const Value& { return Col(name); };
  auto text = [&](std::string_view name) -> std::string_view {
    const Value& v = col(name);
    return v.null ? std::string_view() : std::string_view(v.text);
  };
  auto put_text = [&](std::string_view path, std::string_view v) {
    if (v.empty()) return;
    n.Key(path);
    AppendJsonText(out, v);
  };
  auto put_array = [&](std::string_view path, std::string_view v) {
    if (v.empty()) return;
    n.Key(path);
    out->Push('[');
    AppendJsonText(out, v);
    out->Push(']');
  };
  auto put_time = [&](std::string_view path, std::string_view column) {
    const Value& v = col(column);
    if (v.null) return;
    n.Key(path);
    AppendJsonTime(out, v.t);
  };

  // The source: "name[addr]" or "name[addr]:port" (postscreen "[addr]:port").
  std::string_view client = text("client"), name, addr, port;
  if (!fields::SplitNamAddr(client, &name, &addr, &port)) name = addr = port = {};
  if (kind_ == RecordKind::kMessages || kind_ == RecordKind::kRejects || kind_ == RecordKind::kConnections) {
    addr = text("client_addr");
  }
  if (kind_ == RecordKind::kConnections) port = text("client_port");
  if (name == "unknown") name = {};
  if (!IsIp(addr)) addr = {};
  int64_t port_number = 0;
  if (!fields::ParseUint(port, &port_number) || port_number > 65535) port_number = -1;
  std::string_view sasl_user = text("sasl_user");

  // Categorisation.
  std::string_view action, outcome = "unknown", direction, category = "[\"email\"]", type = "[\"info\"]";
  switch (kind_) {
    case RecordKind::kDeliveries: {
      action = text("status");
      if (In(action, {"sent", "delivered", "deliverable"})) {
        outcome = "success";
      } else if (In(action, {"bounced", "expired", "deferred", "softbounce", "undeliverable"})) {
        outcome = "failure";
      }
      std::string_view daemon = text("daemon");
      if (daemon == "smtp") {
        direction = "outbound";
      } else if (In(daemon, {"local", "virtual", "lmtp", "pipe"})) {
        direction = "inbound";
      }
      break;
    }
    case RecordKind::kMessages: {
      action = "message";
      if (col("rejected").b || col("discarded").b || col("expired").b || col("bounced").i > 0) {
        outcome = "failure";
      } else if (col("sent").i > 0) {
        outcome = "success";
      }
      std::string_view origin = text("origin");
      if (!sasl_user.empty() || origin == "pickup") {
        direction = "outbound";
      } else if (In(origin, {"smtpd", "qmqpd"})) {
        direction = "inbound";
      }
      break;
    }
    case RecordKind::kRejects:
      action = text("action");
      category = "[\"email\",\"network\"]";
      if (IsDenied(action)) {
        type = "[\"denied\"]";
        outcome = "failure";
      }
      direction = "inbound";
      break;
    case RecordKind::kConnections: {
      action = "session";
      category = "[\"network\"]";
      type = col("disconnect_time").null ? "[\"connection\",\"start\"]" : "[\"connection\",\"end\"]";
      std::string_view end = text("outcome");
      if (end == "reject" || (col("auth_failures").i > 0 && col("messages").i == 0)) {
        outcome = "failure";
      } else if (!end.empty()) {
        outcome = "success";
      }
      break;
    }
  }

  // Fields, sorted by path.
  switch (kind_) {
    case RecordKind::kMessages: put_time("@timestamp", "first_seen"); break;
    case RecordKind::kConnections:
      put_time("@timestamp", col("connect_time").null ? "disconnect_time" : "connect_time");
      break;
    default: put_time("@timestamp", "time"); break;
  }
  n.Key("ecs", "version");
  AppendJsonText(out, kEcsVersion);

  put_text("email.direction", direction);
  if (kind_ != RecordKind::kConnections) {
    put_array("email.from.address", text("from"));
    std::string_view queue_id = text("queue_id");
    if (queue_id != "NOQUEUE") put_text("email.local_id", queue_id);
    if (kind_ != RecordKind::kRejects) put_text("email.message_id", text("message_id"));
    if (kind_ != RecordKind::kMessages) put_array("email.to.address", text("to"));
  }

  put_text("event.action", action);
  n.Key("event", "category");
  out->Append(category);
  put_text("event.dataset", Dataset(kind_));
  if (kind_ == RecordKind::kConnections && !col("duration").null) {
    n.Key("event", "duration");  // nanoseconds
    AppendInt(out, static_cast<int64_t>(col("duration").d * 1e9 + 0.5));
  }
  if (kind_ == RecordKind::kMessages) put_time("event.end", "last_seen");
  if (kind_ == RecordKind::kConnections) put_time("event.end", "disconnect_time");
  put_text("event.kind", "event");
  put_text("event.module", "postfix");
  put_text("event.outcome", outcome);
  if (kind_ == RecordKind::kDeliveries || kind_ == RecordKind::kRejects) put_text("event.reason", text("reason"));
  if (kind_ == RecordKind::kMessages) put_time("event.start", "first_seen");
  if (kind_ == RecordKind::kConnections) put_time("event.start", "connect_time");
  n.Key("event", "type");
  out->Append(type);

  put_text("host.name", text("host"));

  for (size_t i = 0; i < values_.size(); ++i) {
    if (mapped_[i] || values_[i].null) continue;
    n.Key("maillens", schema_.columns[i].name);
    AppendValue(out, values_[i], false);
  }

  AppendSummary(kind_, col, &summary_);
  put_text("message", summary_);

  if (kind_ != RecordKind::kMessages) put_text("process.name", text("daemon"));
  if (kind_ == RecordKind::kConnections && !col("pid").null) {
    n.Key("process", "pid");
    AppendInt(out, col("pid").i);
  }

  put_array("related.ip", addr);
  put_array("related.user", sasl_user);

  put_text("source.address", client);
  put_text("source.domain", name);
  put_text("source.ip", addr);
  if (port_number >= 0) {
    n.Key("source", "port");
    AppendInt(out, port_number);
  }

  put_text("user.name", sasl_user);
  n.End();
}

// ---------------------------------------------------------------- GELF

void GelfWriter::Format(ByteBuffer* out) {
  auto col = [this](std::string_view name) -> const Value& { return Col(name); };
  const Value& host = col("host");
  const Value* when = nullptr;
  int level = 6;  // informational
  switch (kind_) {
    case RecordKind::kDeliveries: {
      when = &col("time");
      std::string_view status = col("status").text;
      if (status == "deferred" || status == "softbounce") {
        level = 4;  // warning
      } else if (In(status, {"bounced", "expired", "undeliverable"})) {
        level = 3;  // error
      } else if (!In(status, {"sent", "delivered", "deliverable"})) {
        level = 5;  // notice
      }
      break;
    }
    case RecordKind::kMessages:
      when = &col("first_seen");
      if (col("rejected").b || col("discarded").b || col("expired").b || col("bounced").i > 0) level = 4;
      break;
    case RecordKind::kRejects:
      when = &col("time");
      level = IsDenied(col("action").text) ? 4 : 5;
      break;
    case RecordKind::kConnections:
      when = col("connect_time").null ? &col("disconnect_time") : &col("connect_time");
      if (col("auth_failures").i > 0 || col("outcome").text == "reject") level = 4;
      break;
  }
  out->Append("{\"version\":\"1.1\",\"host\":");
  AppendJsonText(out, host.text.empty() ? std::string_view("-") : std::string_view(host.text));
  AppendSummary(kind_, col, &summary_);
  out->Append(",\"short_message\":");
  AppendJsonText(out, summary_);
  if (!when->null) {  // GELF: "seconds since UNIX epoch with optional decimal places for milliseconds"
    out->Append(",\"timestamp\":");
    AppendDouble(out, static_cast<double>(when->t.epoch) + when->t.usec / 1e6);
  }
  out->Append(",\"level\":");
  AppendInt(out, level);
  for (size_t i = 0; i < values_.size(); ++i) {
    if (values_[i].null || schema_.columns[i].name == "host") continue;
    out->Append(",\"_");
    out->Append(schema_.columns[i].name);
    out->Append("\":");
    AppendValue(out, values_[i], true);
  }
  out->Append(",\"_record\":");
  AppendJsonText(out, schema_.name);
  out->Append("}\n");
}

}  // namespace maillens::exporter
