// schema.cc - the column tables (doc/schema.md says what each column holds).
#include "export/schema.h"

namespace maillens::exporter {

namespace {

constexpr ColumnType kTime = ColumnType::kTime, kText = ColumnType::kText, kInt = ColumnType::kInt,
                     kReal = ColumnType::kReal, kBool = ColumnType::kBool;
constexpr bool kNull = true, kNotNull = false, kIdx = true, kNoIdx = false;

constexpr Column kMessageColumns[] = {
    {"first_seen", kTime, kNotNull, kIdx},
    {"last_seen", kTime, kNotNull, kNoIdx},
    {"host", kText, kNotNull, kNoIdx},
    {"queue_id", kText, kNotNull, kIdx},
    {"origin", kText, kNotNull, kNoIdx},
    {"client", kText, kNotNull, kNoIdx},
    {"client_addr", kText, kNotNull, kIdx},
    {"sasl_user", kText, kNotNull, kIdx},
    {"message_id", kText, kNotNull, kIdx},
    {"from", kText, kNull, kIdx},
    {"size", kInt, kNull, kNoIdx},
    {"nrcpt", kInt, kNull, kNoIdx},
    {"sent", kInt, kNotNull, kNoIdx},
    {"deferred", kInt, kNotNull, kNoIdx},
    {"bounced", kInt, kNotNull, kNoIdx},
    {"expired", kBool, kNotNull, kNoIdx},
    {"rejected", kBool, kNotNull, kNoIdx},
    {"held", kBool, kNotNull, kNoIdx},
    {"discarded", kBool, kNotNull, kNoIdx},
    {"removed", kBool, kNotNull, kNoIdx},
    {"notices", kInt, kNotNull, kNoIdx},
    {"parent_queue_id", kText, kNotNull, kIdx},
    {"child_queue_ids", kText, kNotNull, kNoIdx},
    {"sender_known", kBool, kNotNull, kNoIdx},
};

constexpr Column kDeliveryColumns[] = {
    {"time", kTime, kNotNull, kIdx},
    {"host", kText, kNotNull, kNoIdx},
    {"queue_id", kText, kNotNull, kIdx},
    {"message_id", kText, kNotNull, kIdx},
    {"from", kText, kNull, kIdx},
    {"to", kText, kNotNull, kIdx},
    {"orig_to", kText, kNotNull, kIdx},
    {"relay", kText, kNotNull, kNoIdx},
    {"delay", kReal, kNull, kNoIdx},
    {"delay_before_qmgr", kReal, kNull, kNoIdx},
    {"delay_in_qmgr", kReal, kNull, kNoIdx},
    {"delay_conn", kReal, kNull, kNoIdx},
    {"delay_xmit", kReal, kNull, kNoIdx},
    {"dsn", kText, kNotNull, kNoIdx},
    {"status", kText, kNotNull, kNoIdx},
    {"reason", kText, kNotNull, kNoIdx},
    {"size", kInt, kNull, kNoIdx},
    {"client", kText, kNotNull, kNoIdx},
    {"sasl_user", kText, kNotNull, kNoIdx},
    {"daemon", kText, kNotNull, kNoIdx},
    {"next_queue_id", kText, kNotNull, kIdx},
    {"sender_known", kBool, kNotNull, kNoIdx},
    {"recipient_domain", kText, kNotNull, kIdx},
};

constexpr Column kRejectColumns[] = {
    {"time", kTime, kNotNull, kIdx},
    {"host", kText, kNotNull, kNoIdx},
    {"queue_id", kText, kNotNull, kIdx},
    {"daemon", kText, kNotNull, kNoIdx},
    {"action", kText, kNotNull, kNoIdx},
    {"stage", kText, kNotNull, kNoIdx},
    {"client", kText, kNotNull, kNoIdx},
    {"client_addr", kText, kNotNull, kIdx},
    {"reason", kText, kNotNull, kNoIdx},
    {"from", kText, kNull, kIdx},
    {"to", kText, kNull, kIdx},
    {"helo", kText, kNotNull, kNoIdx},
    {"proto", kText, kNotNull, kNoIdx},
};

constexpr Column kConnectionColumns[] = {
    {"connect_time", kTime, kNull, kIdx},
    {"disconnect_time", kTime, kNull, kNoIdx},
    {"duration", kReal, kNull, kNoIdx},
    {"host", kText, kNotNull, kNoIdx},
    {"daemon", kText, kNotNull, kNoIdx},
    {"service", kText, kNotNull, kNoIdx},
    {"pid", kInt, kNull, kNoIdx},
    {"client", kText, kNotNull, kNoIdx},
    {"client_addr", kText, kNotNull, kIdx},
    {"client_port", kText, kNotNull, kNoIdx},
    {"helo", kText, kNotNull, kNoIdx},
    {"tls", kText, kNotNull, kNoIdx},
    {"sasl_method", kText, kNotNull, kNoIdx},
    {"sasl_user", kText, kNotNull, kIdx},
    {"auth_failures", kInt, kNotNull, kNoIdx},
    {"messages", kInt, kNotNull, kNoIdx},
    {"queue_ids", kText, kNotNull, kNoIdx},
    {"rejects", kInt, kNotNull, kNoIdx},
    {"outcome", kText, kNotNull, kNoIdx},
    {"verdicts", kText, kNotNull, kNoIdx},
    {"command_stats", kText, kNotNull, kNoIdx},
    {"cmd_helo", kInt, kNull, kNoIdx},
    {"cmd_ehlo", kInt, kNull, kNoIdx},
    {"cmd_starttls", kInt, kNull, kNoIdx},
    {"cmd_auth", kInt, kNull, kNoIdx},
    {"cmd_mail", kInt, kNull, kNoIdx},
    {"cmd_rcpt", kInt, kNull, kNoIdx},
    {"cmd_data", kInt, kNull, kNoIdx},
    {"cmd_bdat", kInt, kNull, kNoIdx},
    {"cmd_rset", kInt, kNull, kNoIdx},
    {"cmd_quit", kInt, kNull, kNoIdx},
    {"cmd_unknown", kInt, kNull, kNoIdx},
    {"cmd_total", kInt, kNull, kNoIdx},
    {"cmd_failed", kInt, kNull, kNoIdx},
};

constexpr Schema kSchemas[] = {
    {RecordKind::kMessages, "messages", kMessageColumns, "(host, first_seen, queue_id)", "toYYYYMM(first_seen)"},
    {RecordKind::kDeliveries, "deliveries", kDeliveryColumns, "(host, time, queue_id)", "toYYYYMM(time)"},
    {RecordKind::kRejects, "rejects", kRejectColumns, "(host, time)", "toYYYYMM(time)"},
    // connect_time may be null (a session whose start is not in the input).
    {RecordKind::kConnections, "connections", kConnectionColumns, "(host, client_addr)", ""},
};

}  // namespace

const Schema& SchemaFor(RecordKind kind) { return kSchemas[static_cast<size_t>(kind)]; }

std::optional<RecordKind> RecordKindFromName(std::string_view name) {
  for (const Schema& s : kSchemas)
    if (s.name == name) return s.kind;
  return std::nullopt;
}

}  // namespace maillens::exporter
