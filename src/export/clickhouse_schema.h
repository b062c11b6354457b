// clickhouse_schema.h - the ClickHouse tables of the export records: one
// reviewed place for their DDL (`export --format clickhouse` creates them,
// `maillens clickhouse schema` prints them for a cluster).
//
// Each record kind (schema.h) is one table with the schema's columns, plus:
//   - for every time column NAME (DateTime: whole seconds, UTC): NAME_us
//     UInt32 (the microseconds the log wrote, 0 without) and NAME_offset
//     Int32 (seconds east of UTC of the log's wall clock), so that a report
//     from ClickHouse has the log's own local dates and hours; ClickHouse
//     18.16 (Debian 12) has no DateTime64;
//   - row_key UInt64: XXH3-64 of the row's RowBinary encoding (every other
//     column), the dedupe key. The same log line gives the same row, so a
//     batch sent twice (a retry after a timeout, a restart that resends the
//     unacknowledged tail) gives rows with equal keys.
// Engine ReplacingMergeTree, ORDER BY the schema's sorting key + row_key:
// rows with equal keys are merged into one in the background, and queries
// that must be exact before the merge read with FINAL. PARTITION BY month
// of the row's time (prunes by date; connections: none, their start may be
// unknown). The sorting keys start with host and time: report and trends
// read a host's time range; trace reads by queue ID within that range.
// With a cluster: NAME_local tables (ON CLUSTER, or created on each server
// when there is no ZooKeeper for distributed DDL) and a Distributed table NAME
// over them, sharded by sipHash64(host), so one host's rows stay on one
// shard (a message's rows meet in one place; equal rows, equal shard).
// Optional TTL (needs ClickHouse >= 19.6; on 18.16 run `maillens prune`).
// Thread safety: pure functions.
#ifndef MAILLENS_EXPORT_CLICKHOUSE_SCHEMA_H_
#define MAILLENS_EXPORT_CLICKHOUSE_SCHEMA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "export/schema.h"

namespace maillens::exporter {

struct ClickHouseSchemaOptions {
  std::string database = "maillens";
  std::string cluster;   // empty: plain tables
  bool on_cluster = true;  // with a cluster: ON CLUSTER (distributed DDL, needs ZooKeeper), or run on each server
  int64_t ttl_days = 0;  // 0: no TTL clause
};

// The columns of `kind`'s table, in order, as "`name` Type".
std::vector<std::string> ClickHouseColumns(RecordKind kind);
// "(`a`, `b`, ...)": the column list of INSERTs.
std::string ClickHouseColumnList(RecordKind kind);
// CREATE TABLE IF NOT EXISTS statements for `kind`: the table, or with a
// cluster the local table and the Distributed one.
std::vector<std::string> ClickHouseTableSql(const ClickHouseSchemaOptions& o, RecordKind kind);
// Every statement for `kinds`, the database first.
std::vector<std::string> ClickHouseSchemaSql(const ClickHouseSchemaOptions& o, const std::vector<RecordKind>& kinds);

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_CLICKHOUSE_SCHEMA_H_
