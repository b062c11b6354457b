// export_command.cc - `maillens export`: builders (export/records.h) on the
// pipeline, one writer (export/*_writer.h) per --format.
#include "cli/export_command.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "anonymize/anonymizer.h"
#include "anonymize/row_anonymizer.h"
#include "cli/anonymize_command.h"
#include "cli/input_runner.h"
#include "export/clickhouse_writer.h"
#include "export/event_writers.h"
#include "export/output_file.h"
#include "export/records.h"
#include "export/sqlite_writer.h"
#include "export/text_writers.h"
#include "io/input_set.h"

namespace maillens::cli {

using exporter::RecordKind;

int RunExport(const ExportArgs& a) {
  const bool text = a.format == "csv" || a.format == "jsonl" || a.format == "ecs" || a.format == "gelf";
  std::vector<RecordKind> kinds;
  if (!a.records.empty()) {
    std::optional<RecordKind> k = exporter::RecordKindFromName(a.records);
    if (!k) {
      std::fprintf(stderr, "maillens export: --records takes messages, deliveries, rejects or connections\n");
      return kExitUsage;
    }
    kinds.push_back(*k);
  } else if (text) {
    kinds.push_back(RecordKind::kDeliveries);
  } else {
    kinds.assign(std::begin(exporter::kAllRecordKinds), std::end(exporter::kAllRecordKinds));
  }

  std::unique_ptr<anonymize::Anonymizer> anonymizer;
  if (a.anonymize) {
    std::array<uint8_t, 32> key;
    if (a.key_file.empty()) {
      std::fprintf(stderr, "maillens export: --anonymize needs --key-file (the one `anonymize` uses)\n");
      return kExitUsage;
    }
    if (!LoadKeyFile("export", a.key_file, &key)) return kExitUsage;
    anonymize::Options ao = anonymize::Options::Defaults();
    ao.parser.syslog_name = a.syslog_name;
    anonymizer = std::make_unique<anonymize::Anonymizer>(key, ao);
    std::fill(key.begin(), key.end(), 0);
  }

  // The writer.
  exporter::OutputFile file;
  std::unique_ptr<exporter::RowWriter> writer;
  if (text) {
    Status st = file.Open(a.output);
    if (!st.ok()) {
      std::fprintf(stderr, "maillens export: %s\n", std::string(st.message()).c_str());
      return kExitUsage;
    }
    if (a.format == "csv") {
      writer = std::make_unique<exporter::CsvWriter>(kinds[0], &file);
    } else if (a.format == "ecs") {
      writer = std::make_unique<exporter::EcsWriter>(kinds[0], &file);
    } else if (a.format == "gelf") {
      writer = std::make_unique<exporter::GelfWriter>(kinds[0], &file);
    } else {
      writer = std::make_unique<exporter::JsonlWriter>(kinds[0], &file);
    }
  } else if (a.format == "sqlite") {
    if (a.output.empty() || a.output == "-") {
      std::fprintf(stderr, "maillens export: --format sqlite needs --output FILE.db\n");
      return kExitUsage;
    }
    auto w = std::make_unique<exporter::SqliteWriter>();
    Status st = w->Open(a.output, kinds);
    if (!st.ok()) {
      std::fprintf(stderr, "maillens export: %s\n", std::string(st.message()).c_str());
      return kExitUsage;
    }
    writer = std::move(w);
  } else {  // clickhouse
    exporter::ClickHouseWriter::Options o;
    o.url = a.url;
    o.database = a.database;
    o.user = a.user;
    if (const char* pw = std::getenv("CLICKHOUSE_PASSWORD")) o.password = pw;
    o.batch_bytes = static_cast<size_t>(a.batch_mb) << 20;
    o.gzip = a.compress == "gzip";
    auto w = std::make_unique<exporter::ClickHouseWriter>(o);
    Status st = w->Open(kinds);
    if (!st.ok()) {
      std::fprintf(stderr, "maillens export: %s\n", std::string(st.message()).c_str());
      return kExitUsage;
    }
    writer = std::move(w);
  }

  // The pipeline and the builders of the kinds wanted.
  PipelineOptions po;
  po.parser.syslog_name = a.syslog_name;
  po.year.fixed_year = a.year;
  std::vector<std::string> inputs = a.files.empty() ? std::vector<std::string>{"-"} : a.files;
  po.year.reference_epoch = NewestMtime(inputs);
  // Messages and deliveries read the assembled message; rejects and
  // connections do not, and skip the assembler's work.
  po.assemble = writer->Wants(RecordKind::kMessages) || writer->Wants(RecordKind::kDeliveries);
  StderrReporter reporter;
  Pipeline pipeline(po, &reporter);
  exporter::RowWriter* w = writer.get();
  std::unique_ptr<anonymize::AnonymizingRowWriter> anonymizing;
  if (anonymizer) {
    anonymizing = std::make_unique<anonymize::AnonymizingRowWriter>(w, anonymizer.get());
    w = anonymizing.get();
  }
  std::unique_ptr<exporter::MessageRecords> messages;
  std::unique_ptr<exporter::DeliveryRecords> deliveries;
  std::unique_ptr<exporter::RejectRecords> rejects;
  std::unique_ptr<exporter::ConnectionRecords> connections;
  if (w->Wants(RecordKind::kMessages)) {
    messages = std::make_unique<exporter::MessageRecords>(w);
    pipeline.AddSink(messages.get());
    pipeline.assembler().AddListener(messages.get());
  }
  if (w->Wants(RecordKind::kDeliveries)) {
    deliveries = std::make_unique<exporter::DeliveryRecords>(w);
    pipeline.AddSink(deliveries.get());
  }
  if (w->Wants(RecordKind::kRejects)) {
    rejects = std::make_unique<exporter::RejectRecords>(w);
    pipeline.AddSink(rejects.get());
  }
  if (w->Wants(RecordKind::kConnections)) {
    connections = std::make_unique<exporter::ConnectionRecords>(w);
    pipeline.AddSink(connections.get());
  }
  InputTally tally;
  int rc = RunInputs(a.files, po.year.reference_epoch, &pipeline, &reporter, &tally, !a.quiet);
  if (!tally.any_read()) {
    return rc;  // the writer, not finished, leaves no database behind
  }
  if (messages) messages->Finish();
  if (connections) connections->Finish();
  Status st = w->Finish();
  if (!st.ok()) {
    std::fprintf(stderr, "maillens export: %s\n", std::string(st.message()).c_str());
    return kExitInputProblem;
  }
  return rc;
}

void AddExportCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app->add_subcommand(
      "export", "Messages, deliveries, rejects and connections as records (CSV, JSON lines, ECS, GELF, SQLite, "
      "ClickHouse)");
  cmd->add_option("files", args->files, "Log files (rotated sets in any order, any compression); '-' or none: stdin");
  cmd->add_option("--records", args->records,
                  "Record kind: messages, deliveries, rejects, connections (default: deliveries for "
                  "csv/jsonl/ecs/gelf, all four for sqlite/clickhouse)")
      ->check(CLI::IsMember({"messages", "deliveries", "rejects", "connections"}));
  cmd->add_option("--format", args->format,
                  "Output format (default jsonl); ecs: Elastic Common Schema 8 documents, gelf: GELF 1.1 "
                  "messages (Graylog), one per line")
      ->check(CLI::IsMember({"csv", "jsonl", "ecs", "gelf", "sqlite", "clickhouse"}));
  cmd->add_option("-o,--output", args->output, "Write to FILE instead of stdout (sqlite: the database file)");
  cmd->add_option("--url", args->url, "clickhouse: the server's HTTP interface (default http://127.0.0.1:8123)");
  cmd->add_option("--database", args->database, "clickhouse: database, created if missing (default maillens)");
  cmd->add_option("--user", args->user, "clickhouse: user name (password from $CLICKHOUSE_PASSWORD)");
  cmd->add_option("--batch-mb", args->batch_mb, "clickhouse: MB of rows per INSERT (default 16)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--compress", args->compress,
                  "clickhouse: INSERT bodies gzip (default: less network) or none (a server on this machine)")
      ->check(CLI::IsMember({"gzip", "none"}));
  cmd->add_option("--year", args->year, "Year of the first line (traditional timestamps carry none)");
  cmd->add_option("--syslog-name", args->syslog_name, "Also treat this syslog name as Postfix");
  cmd->add_flag("--quiet", args->quiet, "No progress line on stderr");
  cmd->add_flag("--anonymize", args->anonymize,
                "Pseudonymise addresses, users, IPs, host names, message-ids as `anonymize` would the log");
  cmd->add_option("--key-file", args->key_file, "--anonymize: the key of `anonymize` (created if absent)");
  cmd->callback([args, exit_code]() { *exit_code = RunExport(*args); });
}

}  // namespace maillens::cli
