// forget_command.cc - `maillens forget` and `prune`: erasing personal data (doc/privacy.md).
//
// Each file is read (any compression) through an Anonymizer whose
// Options::only is the person: her address, user name or IP gets its keyed
// pseudonym (the one `anonymize` gives it with the same key), every other
// byte stays. A file with such lines is rewritten next to itself (a
// temporary file in the same directory, compressed as the original, with its
// mode, owner and times, fsync'ed, renamed over it); a file without is left
// alone, and one that grew while it was read (a live log) is refused.
// With --clickhouse, the export tables' rows naming her are deleted too.
//
// `prune` deletes what is older than a time from what maillens keeps: the
// ClickHouse export tables, serve's checkpoint and guard's state (their ban
// records; nothing else in them is dated).
#include "cli/forget_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "anonymize/anonymizer.h"
#include "anonymize/rewrite.h"
#include "cli/anonymize_command.h"
#include "cli/input_runner.h"
#include "export/clickhouse_writer.h"
#include "guard/ban_engine.h"
#include "io/byte_source.h"
#include "serve/checkpoint.h"
#include "util/duration.h"
#include "util/text_escape.h"

namespace maillens::cli {

namespace {

using exporter::RecordKind;

// The export tables of `export --format clickhouse`.
struct ClickHouseArgs {
  std::string url;  // empty: no ClickHouse
  std::string database = "maillens";
  std::string user;
};

void AddClickHouseOptions(CLI::App* cmd, ClickHouseArgs* a) {
  cmd->add_option("--clickhouse", a->url,
                  "The tables `export --format clickhouse` wrote on this server (http://HOST:8123)");
  cmd->add_option("--database", a->database, "clickhouse: the database (default maillens)");
  cmd->add_option("--user", a->user, "clickhouse: user name (password from $CLICKHOUSE_PASSWORD)");
}

// Prints `statement(kind)` for each record kind (dry run: every kind, no
// server asked), or runs it on each of those tables that exists.
int RunStatements(const char* command, const ClickHouseArgs& a, bool dry_run,
                  const std::function<std::string(RecordKind)>& statement) {
  std::vector<RecordKind> kinds(std::begin(exporter::kAllRecordKinds), std::end(exporter::kAllRecordKinds));
  exporter::ClickHouseOptions o;
  o.url = a.url;
  o.database = a.database;
  o.user = a.user;
  if (const char* pw = std::getenv("CLICKHOUSE_PASSWORD")) o.password = pw;
  exporter::ClickHouseClient client(o);
  Status s = client.Open();
  if (!s.ok()) {
    std::fprintf(stderr, "maillens %s: %s\n", command, std::string(s.message()).c_str());
    return kExitUsage;
  }
  if (!dry_run && !(s = client.ExistingTables(&kinds)).ok()) {
    std::fprintf(stderr, "maillens %s: %s\n", command, std::string(s.message()).c_str());
    return kExitInputProblem;
  }
  for (RecordKind k : kinds) {
    std::string sql = statement(k);
    if (sql.empty()) continue;
    std::printf("%s;\n", sql.c_str());
    if (!dry_run && !(s = client.Query(sql)).ok()) {
      std::fprintf(stderr, "maillens %s: %s\n", command, std::string(s.message()).c_str());
      return kExitInputProblem;
    }
  }
  std::fprintf(stderr, "maillens %s: %s\n", command,
               dry_run ? "ClickHouse statements printed, not sent (dry run)"
                       : kinds.empty() ? "no maillens table in the ClickHouse database; nothing to delete"
                                       : "ClickHouse statements sent; the server applies mutations in the background "
                                         "(system.mutations)");
  return kExitOk;
}

struct ForgetArgs {
  std::string target;
  std::vector<std::string> files;
  std::string key_file;
  bool dry_run = false;
  std::string syslog_name;
  ClickHouseArgs clickhouse;
};

// Forwards to the command's reporter and remembers whether input was lost.
class LossReporter : public Reporter {
 public:
  explicit LossReporter(Reporter* next) : next_(next) {}
  void Report(Severity severity, std::string_view source, int64_t offset, std::string_view what) override {
    if (severity != Severity::kNotice) lost = true;
    next_->Report(severity, source, offset, what);
  }
  bool lost = false;

 private:
  Reporter* next_;
};

int Fail(const std::string& path, const char* what) {
  std::fprintf(stderr, "maillens forget: %s: %s; left as it was\n", TerminalSafe(path).c_str(), what);
  return kExitInputProblem;
}

// Writes the rewritten `path` (its stat `st`) to a temporary file in its
// directory and renames it over `path`, unless no line changed (rs->changed
// is 0: the file is left alone).
int Replace(const std::string& path, const struct stat& st, ByteSource* src, LossReporter* rep,
            anonymize::Anonymizer* a, anonymize::RewriteStats* rs) {
  size_t sl = path.rfind('/');
  std::string dir = path.substr(0, sl);
  std::string tmp = dir + "/." + path.substr(sl + 1) + ".forget-XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  FILE* f = fd < 0 ? nullptr : fdopen(fd, "wb");
  if (f == nullptr) {
    if (fd >= 0) close(fd);
    return Fail(path, "cannot create a temporary file in its directory");
  }
  auto w = anonymize::NewCompressedWriter(f, false, src->compression());
  Status s = anonymize::RewriteSourceExact(src, a, w.get(), rs);
  Status c = w->Close();
  const char* why = nullptr;
  struct stat now;
  if (!s.ok() || !c.ok()) why = "cannot write the rewritten copy";
  else if (rep->lost) why = "could not be read to the end";
  else if (stat(path.c_str(), &now) != 0 || now.st_size != st.st_size || now.st_mtim.tv_sec != st.st_mtim.tv_sec ||
           now.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
    why = "changed while it was read (a live log? rotate it first)";
  else if (rs->changed == 0) why = "";
  // The owner before the mode: chown clears set-user-ID bits.
  else if (fchown(fd, st.st_uid, st.st_gid) != 0) why = "cannot give the copy the original's owner";
  else if (fchmod(fd, st.st_mode & 07777) != 0) why = "cannot give the copy the original's mode";
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (why == nullptr && (futimens(fd, times) != 0 || fsync(fd) != 0)) why = "cannot write the rewritten copy";
  if (std::fclose(f) != 0 && why == nullptr) why = "cannot write the rewritten copy";
  if (why == nullptr && rename(tmp.c_str(), path.c_str()) != 0) why = "cannot rename the rewritten copy over it";
  if (why != nullptr) {
    unlink(tmp.c_str());
    return *why == '\0' ? kExitOk : Fail(path, why);
  }
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return kExitOk;
}

int ForgetFile(const std::string& given, const ForgetArgs& args, anonymize::Anonymizer* a, Reporter* reporter,
               anonymize::RewriteStats* total, unsigned* files_changed) {
  char resolved[PATH_MAX];
  struct stat st;
  if (realpath(given.c_str(), resolved) == nullptr || stat(resolved, &st) != 0)
    return Fail(given, "cannot be read");
  if (!S_ISREG(st.st_mode)) return Fail(given, "not a regular file");
  // Renaming over one name of several would leave the person in the others.
  if (!args.dry_run && st.st_nlink > 1) return Fail(given, "has other hard links, which would keep her");
  LossReporter rep(reporter);
  std::unique_ptr<ByteSource> src;
  Status os = OpenByteSource(resolved, &rep, &src);
  if (!os.ok()) return Fail(given, DescribeInputFailure(given, os.message()).c_str());
  anonymize::RewriteStats rs;
  int rc = kExitOk;
  if (args.dry_run) {
    Status s = anonymize::RewriteSourceExact(src.get(), a, nullptr, &rs);
    if (!s.ok() || rep.lost) return Fail(given, "could not be read to the end");
  } else {
    rc = Replace(resolved, st, src.get(), &rep, a, &rs);
  }
  if (rc == kExitOk) {
    std::printf("%s: %llu of %llu lines %s\n", TerminalSafe(given).c_str(),
                static_cast<unsigned long long>(rs.changed), static_cast<unsigned long long>(rs.lines),
                args.dry_run ? "would change" : rs.changed != 0 ? "changed" : "changed; file left alone");
    total->changed += rs.changed;
    total->lines += rs.lines;
    if (rs.changed != 0) ++*files_changed;
  }
  return rc;
}

int Run(const ForgetArgs& args) {
  for (char c : args.target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      std::fprintf(stderr, "maillens forget: %s: an address, user name or IP has no spaces or control "
                   "characters\n", TerminalSafe(args.target).c_str());
      return kExitUsage;
    }
  }
  if (args.target.empty() || (args.files.empty() && args.clickhouse.url.empty())) {
    std::fprintf(stderr, "maillens forget: give the person (ADDRESS, USER or IP) and the log files or --clickhouse\n");
    return kExitUsage;
  }
  int rc = kExitOk;
  if (!args.files.empty()) {
    std::array<uint8_t, 32> key;
    if (args.key_file.empty()) {
      std::fprintf(stderr, "maillens forget: log files need --key-file (the one `anonymize` uses)\n");
      return kExitUsage;
    }
    if (!LoadKeyFile("forget", args.key_file, &key)) return kExitUsage;
    anonymize::Options options;  // no kept networks: the person may be 127.0.0.1
    options.only = args.target;
    options.parser.syslog_name = args.syslog_name;
    anonymize::Anonymizer anonymizer(key, options);
    std::fill(key.begin(), key.end(), 0);
    StderrReporter reporter;
    anonymize::RewriteStats total;
    unsigned files_changed = 0;
    for (const std::string& path : args.files)
      if (ForgetFile(path, args, &anonymizer, &reporter, &total, &files_changed) != kExitOk) rc = kExitInputProblem;
    reporter.Finish();
    std::fprintf(stderr, "maillens forget: %llu lines in %u of %zu files %s\n",
                 static_cast<unsigned long long>(total.changed), files_changed, args.files.size(),
                 args.dry_run ? "would change (dry run: nothing written)" : "changed");
  }
  if (!args.clickhouse.url.empty()) {
    int ch = RunStatements("forget", args.clickhouse, args.dry_run, [&](RecordKind k) {
      return exporter::ForgetSql(args.clickhouse.database, k, args.target);
    });
    if (ch != kExitOk) rc = ch;
  }
  return rc;
}

struct PruneArgs {
  std::string older_than;
  std::string now = "now";
  bool dry_run = false;
  std::string checkpoint, guard_state;
  ClickHouseArgs clickhouse;
};

// Prunes guard's ban state in the file `path` (guard --state) or in serve's
// checkpoint; says what went.
int PruneState(const std::string& path, bool checkpoint, int64_t before, bool dry_run) {
  size_t removed = 0;
  Status s;
  if (checkpoint) {
    s = PruneCheckpoint(path, before, !dry_run, &removed);
  } else {
    std::string text;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      char buf[65536];
      for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
      std::fclose(f);
    } else {
      s = Status::IOError("cannot be read");
    }
    guard::BanEngine engine{guard::BanPolicy{}};
    if (s.ok()) s = engine.Load(text);
    if (s.ok()) removed = engine.Prune(before);
    if (s.ok() && removed != 0 && !dry_run) {
      std::string tmp = path + ".prune-tmp";
      FILE* f = std::fopen(tmp.c_str(), "wb");
      std::string out = engine.Save();
      bool ok = f != nullptr && std::fwrite(out.data(), 1, out.size(), f) == out.size();
      ok = f != nullptr && std::fclose(f) == 0 && ok && rename(tmp.c_str(), path.c_str()) == 0;
      if (!ok) {
        unlink(tmp.c_str());
        s = Status::IOError("cannot be rewritten");
      }
    }
  }
  if (!s.ok()) {
    std::fprintf(stderr, "maillens prune: %s: %s\n", TerminalSafe(path).c_str(), TerminalSafe(s.message()).c_str());
    return kExitInputProblem;
  }
  std::printf("%s: %zu guard records (failures, ended bans) %s\n", TerminalSafe(path).c_str(), removed,
              dry_run ? "would go" : "removed");
  return kExitOk;
}

int RunPrune(const PruneArgs& a) {
  int64_t now = 0, before = 0;
  if (!ParseTimeSpec(a.now, static_cast<int64_t>(std::time(nullptr)), &now) ||
      !ParseTimeSpec(a.older_than, now, &before)) {
    std::fprintf(stderr, "maillens prune: --older-than %s / --now %s: not a time (doc/time.md)\n",
                 TerminalSafe(a.older_than).c_str(), TerminalSafe(a.now).c_str());
    return kExitUsage;
  }
  if (a.clickhouse.url.empty() && a.checkpoint.empty() && a.guard_state.empty()) {
    std::fprintf(stderr, "maillens prune: nothing to prune: give --clickhouse URL, --checkpoint FILE "
                 "(serve's) or --guard-state FILE (guard's)\n");
    return kExitUsage;
  }
  std::fprintf(stderr, "maillens prune: what is older than %s\n",
               FormatEpoch(before, "%Y-%m-%dT%H:%M:%SZ", true).c_str());
  int rc = kExitOk;
  if (!a.checkpoint.empty()) rc = std::max(rc, PruneState(a.checkpoint, true, before, a.dry_run));
  if (!a.guard_state.empty()) rc = std::max(rc, PruneState(a.guard_state, false, before, a.dry_run));
  if (!a.clickhouse.url.empty()) {
    rc = std::max(rc, RunStatements("prune", a.clickhouse, a.dry_run, [&](RecordKind k) {
      return exporter::PruneSql(a.clickhouse.database, k, before);
    }));
  }
  return rc;
}

}  // namespace

void AddForgetCommand(CLI::App* app, int* exit_code) {
  auto a = std::make_shared<ForgetArgs>();
  CLI::App* cmd = app->add_subcommand(
      "forget", "Pseudonymise one person (address, user name or IP) in rotated logs, in place; all else kept");
  cmd->add_option("TARGET", a->target,
                  "The person: an e-mail address (also in VERP/SRS forms), a SASL/Dovecot user name, or an IP")
      ->required();
  cmd->add_option("LOGFILES", a->files, "Rotated log files (plain, .gz, .bz2, .xz, .zst), rewritten in place");
  cmd->add_option("--key-file", a->key_file,
                  "The secret of `anonymize` (created with mode 0600 if absent): the same pseudonym it gives; "
                  "needed for log files");
  cmd->add_flag("-n,--dry-run", a->dry_run,
                "Only say per file how many lines would change, and print the ClickHouse statements");
  AddClickHouseOptions(cmd, &a->clickhouse);
  cmd->add_option("--syslog-name", a->syslog_name, "Also treat this syslog name as Postfix");
  cmd->callback([a, exit_code] { *exit_code = Run(*a); });
}

void AddPruneCommand(CLI::App* app, int* exit_code) {
  auto a = std::make_shared<PruneArgs>();
  CLI::App* cmd = app->add_subcommand(
      "prune", "Delete what is older than a time: ClickHouse export rows, serve's and guard's ban state");
  cmd->add_option("--older-than", a->older_than, "A time (doc/time.md): 30d, 2w, 2026-11-01, ...")->required();
  cmd->add_option("--now", a->now, "The reference clock for --older-than (default: now)");
  cmd->add_option("--checkpoint", a->checkpoint, "serve's --checkpoint FILE (stop serve first)");
  cmd->add_option("--guard-state", a->guard_state, "guard's --state FILE");
  cmd->add_flag("-n,--dry-run", a->dry_run, "Only say what would go, and print the ClickHouse statements");
  AddClickHouseOptions(cmd, &a->clickhouse);
  cmd->callback([a, exit_code] { *exit_code = RunPrune(*a); });
}

}  // namespace maillens::cli
