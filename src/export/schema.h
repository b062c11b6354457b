// schema.h - the four export record kinds and their columns, in one table.
//
// `maillens export` turns the log into rows of four kinds: messages (one per
// queue-ID lifetime), deliveries (one per delivery status line), rejects
// (access-check, milter and header/body-check actions) and connections (smtpd
// and postscreen sessions). Every writer (CSV, JSON lines, SQLite,
// ClickHouse) takes its column names, types and order from the schemas here,
// and the record builders emit values in exactly that order, so one table
// defines the format everywhere. doc/schema.md describes each column; a unit
// test keeps it in step with this table.
// Thread safety: immutable data.
#ifndef MAILLENS_EXPORT_SCHEMA_H_
#define MAILLENS_EXPORT_SCHEMA_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace maillens::exporter {

enum class RecordKind : uint8_t { kMessages, kDeliveries, kRejects, kConnections };
inline constexpr RecordKind kAllRecordKinds[] = {RecordKind::kMessages, RecordKind::kDeliveries, RecordKind::kRejects,
                                                RecordKind::kConnections};

enum class ColumnType : uint8_t {
  kTime,  // an instant: ISO 8601 with the log's UTC offset (text formats), DateTime (ClickHouse)
  kText,  // log text, as UTF-8 (invalid bytes become U+FFFD)
  kInt,   // a 64-bit integer
  kReal,  // a decimal number (Postfix's delays, as written)
  kBool,  // true/false (CSV and SQLite: 1/0)
};

struct Column {
  std::string_view name;
  ColumnType type;
  bool nullable;  // may be null (unknown); otherwise always set (text may be empty)
  bool indexed;   // SQLite index on this column
};

struct Schema {
  RecordKind kind;
  std::string_view name;  // table name and --records value: "messages", ...
  std::span<const Column> columns;
  std::string_view clickhouse_order_by;    // MergeTree sorting key
  std::string_view clickhouse_partition;   // PARTITION BY expression, or empty
};

// The schema of `kind`.
const Schema& SchemaFor(RecordKind kind);
// "messages" -> kMessages, ...; nullopt for anything else.
std::optional<RecordKind> RecordKindFromName(std::string_view name);

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_SCHEMA_H_
