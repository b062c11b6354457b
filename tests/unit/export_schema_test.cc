// export_schema_test.cc - the export schema: its tables are consistent,
// doc/schema.md documents every column with its type, and the SQL made from
// it is what SQLite and ClickHouse 18.16 take.
#include "export/schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "export/clickhouse_schema.h"
#include "export/clickhouse_writer.h"

namespace maillens::exporter {
namespace {

TEST(ExportSchema, KindsAndNames) {
  for (RecordKind k : kAllRecordKinds) {
    const Schema& s = SchemaFor(k);
    EXPECT_EQ(s.kind, k);
    EXPECT_EQ(RecordKindFromName(s.name), k);
    std::set<std::string_view> names;
    for (const Column& c : s.columns) {
      EXPECT_TRUE(names.insert(c.name).second) << s.name << "." << c.name << " twice";
      for (char ch : c.name) EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_') << c.name;
    }
    EXPECT_FALSE(s.clickhouse_order_by.empty());
  }
  EXPECT_FALSE(RecordKindFromName("message").has_value());
  EXPECT_FALSE(RecordKindFromName("").has_value());
}

TEST(ExportSchema, IssueColumnsPresent) {
  // The deliveries columns the issue names, in its order.
  const char* want[] = {"time", "host", "queue_id", "message_id", "from", "to", "orig_to", "relay", "delay",
                        "delay_before_qmgr", "delay_in_qmgr", "delay_conn", "delay_xmit", "dsn", "status", "reason",
                        "size", "client", "sasl_user"};
  const Schema& d = SchemaFor(RecordKind::kDeliveries);
  ASSERT_GE(d.columns.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) EXPECT_EQ(d.columns[i].name, want[i]);
}

TEST(ExportSchema, OrderByColumnsAreNotNullable) {
  // ClickHouse refuses Nullable columns in the sorting key.
  for (RecordKind k : kAllRecordKinds) {
    const Schema& s = SchemaFor(k);
    for (const Column& c : s.columns) {
      if (!c.nullable) continue;
      std::string key(s.clickhouse_order_by);
      std::string part(s.clickhouse_partition);
      for (std::string* e : {&key, &part}) {
        for (char& ch : *e)
          if (ch == '(' || ch == ')' || ch == ',') ch = ' ';
        std::istringstream words(*e);
        for (std::string w; words >> w;) EXPECT_NE(w, c.name) << s.name;
      }
    }
  }
}

// "| `name` | type[, null] | meaning |" rows under "## kind" in doc/schema.md.
std::map<std::string, std::vector<std::pair<std::string, std::string>>> DocColumns() {
  std::ifstream f(std::string(MAILLENS_SOURCE_DIR) + "/doc/schema.md");
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> out;
  std::string line, section;
  while (std::getline(f, line)) {
    if (line.rfind("## ", 0) == 0) section = line.substr(3);
    if (line.rfind("| `", 0) != 0 || !RecordKindFromName(section)) continue;
    size_t e = line.find('`', 3);
    std::string name = line.substr(3, e - 3);
    size_t t = line.find("| ", e) + 2;
    std::string type = line.substr(t, line.find(" |", t) - t);
    out[section].emplace_back(name, type);
  }
  return out;
}

TEST(ExportSchema, DocumentedInSchemaMd) {
  auto doc = DocColumns();
  static const char* kTypes[] = {"time", "text", "int", "real", "bool"};
  for (RecordKind k : kAllRecordKinds) {
    const Schema& s = SchemaFor(k);
    const auto& rows = doc[std::string(s.name)];
    ASSERT_EQ(rows.size(), s.columns.size()) << "doc/schema.md, section " << s.name;
    for (size_t i = 0; i < rows.size(); ++i) {
      const Column& c = s.columns[i];
      EXPECT_EQ(rows[i].first, c.name) << s.name << " column " << i;
      std::string type = kTypes[static_cast<int>(c.type)];
      if (c.nullable) type += ", null";
      EXPECT_EQ(rows[i].second, type) << s.name << "." << c.name;
    }
  }
}

TEST(ExportSchema, ClickHouseDdl) {
  ClickHouseSchemaOptions o;
  std::vector<std::string> sql = ClickHouseTableSql(o, RecordKind::kDeliveries);
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(sql[0].rfind("CREATE TABLE IF NOT EXISTS `maillens`.`deliveries` (`time` DateTime, `time_us` UInt32, "
                         "`time_offset` Int32, `host` String, ",
                         0),
            0u)
      << sql[0];
  EXPECT_NE(sql[0].find("`from` Nullable(String)"), std::string::npos);
  EXPECT_NE(sql[0].find("`delay` Nullable(Float64)"), std::string::npos);
  EXPECT_NE(sql[0].find("`size` Nullable(Int64)"), std::string::npos);
  EXPECT_NE(sql[0].find(", `row_key` UInt64) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(time) "
                        "ORDER BY (host, time, queue_id, row_key)"),
            std::string::npos)
      << sql[0];
  EXPECT_EQ(sql[0].find("TTL"), std::string::npos);
  std::string conn = ClickHouseTableSql(o, RecordKind::kConnections)[0];
  EXPECT_EQ(conn.find("PARTITION BY"), std::string::npos);
  EXPECT_NE(conn.find("`connect_time` Nullable(DateTime), `connect_time_us` UInt32"), std::string::npos);
  std::string msg = ClickHouseTableSql(o, RecordKind::kMessages)[0];
  EXPECT_NE(msg.find("`expired` UInt8"), std::string::npos);
  EXPECT_EQ(ClickHouseColumnList(RecordKind::kRejects).rfind("(`time`, `time_us`, `time_offset`, `host`, ", 0), 0u);
}

TEST(ExportSchema, ClickHouseClusterAndTtl) {
  ClickHouseSchemaOptions o;
  o.database = "mail";
  o.cluster = "fleet";
  o.ttl_days = 400;
  std::vector<std::string> sql = ClickHouseTableSql(o, RecordKind::kMessages);
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_EQ(sql[0].rfind("CREATE TABLE IF NOT EXISTS `mail`.`messages_local` ON CLUSTER `fleet` (", 0), 0u) << sql[0];
  EXPECT_NE(sql[0].find(" TTL first_seen + INTERVAL 400 DAY"), std::string::npos) << sql[0];
  EXPECT_EQ(sql[1],
            "CREATE TABLE IF NOT EXISTS `mail`.`messages` ON CLUSTER `fleet` AS `mail`.`messages_local` ENGINE = "
            "Distributed(`fleet`, `mail`, `messages_local`, sipHash64(host))");
  EXPECT_EQ(ClickHouseTableSql(o, RecordKind::kConnections)[0].find("TTL"), std::string::npos);  // no row time
  std::vector<std::string> all = ClickHouseSchemaSql(o, {kAllRecordKinds, kAllRecordKinds + 4});
  ASSERT_EQ(all.size(), 9u);
  EXPECT_EQ(all[0], "CREATE DATABASE IF NOT EXISTS `mail` ON CLUSTER `fleet`");
}

}  // namespace
}  // namespace maillens::exporter
