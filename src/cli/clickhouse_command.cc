// clickhouse_command.cc - `maillens clickhouse schema` (clickhouse_command.h).
#include "cli/clickhouse_command.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/input_runner.h"
#include "export/clickhouse_schema.h"
#include "export/clickhouse_writer.h"

namespace maillens::cli {

namespace {

struct SchemaArgs {
  std::string database = "maillens";
  std::string cluster;
  int64_t ttl_days = 0;
  std::vector<std::string> records;
  bool apply = false, no_on_cluster = false;
  std::vector<std::string> urls;
  std::string user;
};

int RunSchema(const SchemaArgs& a) {
  exporter::ClickHouseSchemaOptions o;
  o.database = a.database;
  o.cluster = a.cluster;
  o.ttl_days = a.ttl_days;
  // --apply on several servers creates the tables on each: no ON CLUSTER.
  o.on_cluster = !a.no_on_cluster && !(a.apply && a.urls.size() > 1);
  std::vector<exporter::RecordKind> kinds;
  for (const std::string& r : a.records) kinds.push_back(*exporter::RecordKindFromName(r));
  if (kinds.empty()) kinds.assign(std::begin(exporter::kAllRecordKinds), std::end(exporter::kAllRecordKinds));
  std::vector<std::string> urls = a.urls;
  if (urls.empty()) urls.push_back("http://127.0.0.1:8123");
  std::vector<std::string> sql = exporter::ClickHouseSchemaSql(o, kinds);
  for (const std::string& url : urls) {
    exporter::ClickHouseOptions co;
    co.url = url;
    co.database = a.database;
    co.user = a.user;
    if (const char* pw = std::getenv("CLICKHOUSE_PASSWORD")) co.password = pw;
    exporter::ClickHouseClient client(co);
    Status s = client.Open();  // also checks the database name
    for (size_t i = 0; s.ok() && i < sql.size(); ++i) {
      if (a.apply) s = client.Query(sql[i]);
      else std::printf("%s;\n", sql[i].c_str());
    }
    if (!s.ok()) {
      std::fprintf(stderr, "maillens clickhouse schema: %s\n", std::string(s.message()).c_str());
      return kExitUsage;
    }
    if (!a.apply) break;
  }
  return kExitOk;
}

}  // namespace

void AddClickHouseCommand(CLI::App* app, int* exit_code) {
  CLI::App* ch = app->add_subcommand("clickhouse", "ClickHouse: the export tables' schema (for one server or a cluster)");
  ch->require_subcommand(1);
  auto args = std::make_shared<SchemaArgs>();
  CLI::App* cmd = ch->add_subcommand(
      "schema", "Print (or --apply) the CREATE statements: ReplacingMergeTree tables deduplicated by row_key, "
                "partitioned by month; with --cluster, local tables and Distributed tables over them");
  cmd->add_option("--database", args->database, "Database (default maillens)");
  cmd->add_option("--cluster", args->cluster,
                  "Cluster name of the servers' remote_servers: NAME_local tables ON CLUSTER, Distributed NAME "
                  "tables sharded by sipHash64(host)");
  cmd->add_option("--ttl", args->ttl_days, "Delete rows older than DAYS (TTL clause: needs ClickHouse >= 19.6; on "
                                           "older servers use `maillens prune --older-than`)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd->add_option("--records", args->records, "Only these record kinds (default all four)")
      ->check(CLI::IsMember({"messages", "deliveries", "rejects", "connections"}));
  cmd->add_flag("--no-on-cluster", args->no_on_cluster,
                "With --cluster: no ON CLUSTER (no ZooKeeper for distributed DDL: run the statements on each server)");
  cmd->add_flag("--apply", args->apply,
                "Run the statements on the server(s) at --url instead of printing them (several --url: each server, "
                "without ON CLUSTER)");
  cmd->add_option("--url", args->urls, "--apply: a server's HTTP interface (default http://127.0.0.1:8123; repeatable)");
  cmd->add_option("--user", args->user, "--apply: user name (password from $CLICKHOUSE_PASSWORD)");
  cmd->callback([args, exit_code]() { *exit_code = RunSchema(*args); });
}

}  // namespace maillens::cli
