// clickhouse_schema.cc - the export tables' DDL (clickhouse_schema.h).
#include "export/clickhouse_schema.h"

#include "export/clickhouse_writer.h"

namespace maillens::exporter {

namespace {

std::string BaseType(ColumnType t) {
  switch (t) {
    case ColumnType::kTime: return "DateTime";
    case ColumnType::kText: return "String";
    case ColumnType::kInt: return "Int64";
    case ColumnType::kReal: return "Float64";
    case ColumnType::kBool: return "UInt8";
  }
  return "String";
}

// The column a row's month is taken from; empty for none.
std::string TimeColumn(RecordKind kind) {
  switch (kind) {
    case RecordKind::kMessages: return "first_seen";
    case RecordKind::kDeliveries:
    case RecordKind::kRejects: return "time";
    case RecordKind::kConnections: return "";
  }
  return "";
}

std::string Qualified(const ClickHouseSchemaOptions& o, std::string_view table) {
  return ClickHouseIdentifier(o.database) + "." + ClickHouseIdentifier(table);
}

}  // namespace

std::vector<std::string> ClickHouseColumns(RecordKind kind) {
  std::vector<std::string> cols;
  for (const Column& c : SchemaFor(kind).columns) {
    std::string type = BaseType(c.type);
    cols.push_back(ClickHouseIdentifier(c.name) + " " + (c.nullable ? "Nullable(" + type + ")" : type));
    if (c.type == ColumnType::kTime) {
      cols.push_back(ClickHouseIdentifier(std::string(c.name) + "_us") + " UInt32");
      cols.push_back(ClickHouseIdentifier(std::string(c.name) + "_offset") + " Int32");
    }
  }
  cols.push_back("`row_key` UInt64");
  return cols;
}

std::string ClickHouseColumnList(RecordKind kind) {
  std::string list = "(";
  for (const std::string& c : ClickHouseColumns(kind)) {
    if (list.size() > 1) list += ", ";
    list += c.substr(0, c.find(' '));
  }
  return list + ")";
}

std::vector<std::string> ClickHouseTableSql(const ClickHouseSchemaOptions& o, RecordKind kind) {
  const Schema& s = SchemaFor(kind);
  std::string name(s.name), local = o.cluster.empty() ? name : name + "_local";
  std::string on_cluster = o.cluster.empty() || !o.on_cluster ? "" : " ON CLUSTER " + ClickHouseIdentifier(o.cluster);
  std::string sql = "CREATE TABLE IF NOT EXISTS " + Qualified(o, local) + on_cluster + " (";
  bool first = true;
  for (const std::string& c : ClickHouseColumns(kind)) {
    sql += (first ? "" : ", ") + c;
    first = false;
  }
  sql += ") ENGINE = ReplacingMergeTree()";
  if (!s.clickhouse_partition.empty()) sql += " PARTITION BY " + std::string(s.clickhouse_partition);
  std::string order(s.clickhouse_order_by);  // "(a, b)" -> "(a, b, row_key)"
  order.insert(order.size() - 1, ", row_key");
  sql += " ORDER BY " + order;
  std::string when = TimeColumn(kind);
  if (o.ttl_days > 0 && !when.empty()) sql += " TTL " + when + " + INTERVAL " + std::to_string(o.ttl_days) + " DAY";
  std::vector<std::string> out = {sql};
  if (!o.cluster.empty())
    out.push_back("CREATE TABLE IF NOT EXISTS " + Qualified(o, name) + on_cluster + " AS " + Qualified(o, local) +
                  " ENGINE = Distributed(" + ClickHouseIdentifier(o.cluster) + ", " +
                  ClickHouseIdentifier(o.database) + ", " + ClickHouseIdentifier(local) + ", sipHash64(host))");
  return out;
}

std::vector<std::string> ClickHouseSchemaSql(const ClickHouseSchemaOptions& o, const std::vector<RecordKind>& kinds) {
  std::vector<std::string> out = {"CREATE DATABASE IF NOT EXISTS " + ClickHouseIdentifier(o.database) +
                                  (o.cluster.empty() || !o.on_cluster ? "" : " ON CLUSTER " +
                                                                                 ClickHouseIdentifier(o.cluster))};
  for (RecordKind k : kinds)
    for (std::string& s : ClickHouseTableSql(o, k)) out.push_back(std::move(s));
  return out;
}

}  // namespace maillens::exporter
