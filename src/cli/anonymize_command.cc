// anonymize_command.cc - `maillens anonymize`: each input rewritten with keyed pseudonyms.
//
// One input without -o: to standard output (plain). With -o DIR: DIR/<name of
// each input>, compressed as the input was, written to a temporary name and
// renamed, with the input's permission bits and times; an output that is the input
// itself is refused.
#include "cli/anonymize_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "anonymize/anonymizer.h"
#include "anonymize/key_file.h"
#include "anonymize/rewrite.h"
#include "cli/input_runner.h"
#include "io/byte_source.h"
#include "util/text_escape.h"

namespace maillens::cli {

namespace {

struct AnonymizeArgs {
  std::vector<std::string> files;
  std::string out_dir;
  std::string key_file;
  std::string domains = "keep";
  std::vector<std::string> keep_domains;
  std::vector<std::string> keep_nets;
  bool map_loopback = false;
  std::string syslog_name;
  bool stats = false;
  unsigned threads = 0;
};

std::string BaseName(const std::string& p) {
  size_t sl = p.rfind('/');
  return sl == std::string::npos ? p : p.substr(sl + 1);
}

int Run(const AnonymizeArgs& a) {
  std::array<uint8_t, 32> key;
  if (!LoadKeyFile("anonymize", a.key_file, &key)) return kExitUsage;
  anonymize::Options options = a.map_loopback ? anonymize::Options{} : anonymize::Options::Defaults();
  options.domains = a.domains == "map" ? anonymize::DomainMode::kMap : anonymize::DomainMode::kKeep;
  if (!a.keep_domains.empty()) options.domains = anonymize::DomainMode::kMap;
  options.keep_domains = a.keep_domains;
  for (const std::string& n : a.keep_nets) {
    anonymize::Net net;
    if (!anonymize::ParseNet(n, &net)) {
      std::fprintf(stderr, "maillens anonymize: --keep-net %s: not an address or CIDR range\n",
                   TerminalSafe(n).c_str());
      return kExitUsage;
    }
    options.keep_nets.push_back(net);
  }
  options.parser.syslog_name = a.syslog_name;
  std::vector<std::string> files = a.files;
  if (files.empty()) files.push_back("-");
  if (a.out_dir.empty() && files.size() > 1) {
    std::fprintf(stderr, "maillens anonymize: %zu inputs need -o DIR (each keeps its name there)\n",
                 files.size());
    return kExitUsage;
  }
  if (!a.out_dir.empty()) {
    if (mkdir(a.out_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "maillens anonymize: cannot create %s\n", TerminalSafe(a.out_dir).c_str());
      return kExitInputProblem;
    }
  }
  unsigned threads = a.threads != 0 ? a.threads : std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::unique_ptr<anonymize::Anonymizer>> owned;
  std::vector<anonymize::Anonymizer*> workers;
  for (unsigned t = 0; t < threads; ++t) {
    owned.push_back(std::make_unique<anonymize::Anonymizer>(key, options));
    workers.push_back(owned.back().get());
  }
  std::fill(key.begin(), key.end(), 0);
  StderrReporter reporter;
  int rc = kExitOk;
  anonymize::RewriteStats stats;
  auto t0 = std::chrono::steady_clock::now();
  for (const std::string& path : files) {
    std::unique_ptr<ByteSource> src;
    Status os = OpenByteSource(path, &reporter, &src);
    if (!os.ok()) {
      std::fprintf(stderr, "maillens anonymize: %s: %s\n", TerminalSafe(path).c_str(),
                   DescribeInputFailure(path, os.message()).c_str());
      rc = kExitInputProblem;
      continue;
    }
    if (a.out_dir.empty()) {
      auto w = anonymize::NewCompressedWriter(stdout, false, Compression::kNone);
      Status s = anonymize::AnonymizeSource(src.get(), &reporter, workers, w.get(), &stats);
      if (s.ok()) s = w->Close();
      if (!s.ok()) {
        std::fprintf(stderr, "maillens anonymize: standard output: %s\n", std::string(s.message()).c_str());
        return kExitInputProblem;
      }
      continue;
    }
    std::string name = path == "-" ? "stdin" : BaseName(path);
    std::string target = a.out_dir + "/" + name;
    struct stat in_st, out_st;
    bool have_in = path != "-" && stat(path.c_str(), &in_st) == 0;
    if (have_in && stat(target.c_str(), &out_st) == 0 && in_st.st_dev == out_st.st_dev &&
        in_st.st_ino == out_st.st_ino) {
      std::fprintf(stderr, "maillens anonymize: %s: the output would overwrite the input\n",
                   TerminalSafe(path).c_str());
      rc = kExitUsage;
      continue;
    }
    std::string tmp = target + ".tmp-anonymize";
    mode_t mode = have_in ? (in_st.st_mode & 0666) : 0600;
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    FILE* f = fd < 0 ? nullptr : fdopen(fd, "wb");
    if (f == nullptr) {
      std::fprintf(stderr, "maillens anonymize: cannot write %s\n", TerminalSafe(tmp).c_str());
      if (fd >= 0) close(fd);
      rc = kExitInputProblem;
      continue;
    }
    fchmod(fd, mode);
    auto w = anonymize::NewCompressedWriter(f, true, src->compression());
    Status s = anonymize::AnonymizeSource(src.get(), &reporter, workers, w.get(), &stats);
    Status c = w->Close();
    if (s.ok() && c.ok() && have_in) {
      // The input's times too: a rotated set keeps its order by mtime, and
      // the year of traditional timestamps is inferred from it.
      struct timespec times[2] = {in_st.st_atim, in_st.st_mtim};
      utimensat(AT_FDCWD, tmp.c_str(), times, 0);
    }
    if (!s.ok() || !c.ok() || rename(tmp.c_str(), target.c_str()) != 0) {
      std::fprintf(stderr, "maillens anonymize: cannot write %s\n", TerminalSafe(target).c_str());
      unlink(tmp.c_str());
      rc = kExitInputProblem;
    }
  }
  if (reporter.Finish() && rc == kExitOk) rc = kExitInputProblem;
  if (a.stats) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "maillens anonymize: %llu lines, %.1f MB in %.3f s: %.1f MB/s\n",
                 static_cast<unsigned long long>(stats.lines), stats.bytes_in / 1e6, s,
                 s > 0 ? stats.bytes_in / 1e6 / s : 0.0);
  }
  return rc;
}

}  // namespace

bool LoadKeyFile(const char* command, const std::string& path, std::array<uint8_t, 32>* key) {
  bool created = false;
  Status st = anonymize::LoadOrCreateKey(path, key, &created);
  if (!st.ok()) {
    std::fprintf(stderr, "maillens %s: %s\n", command, TerminalSafe(st.message()).c_str());
    return false;
  }
  if (created)
    std::fprintf(stderr, "maillens %s: created a new key in %s (mode 0600); keep it to get the same "
                 "pseudonyms next time\n", command, TerminalSafe(path).c_str());
  return true;
}

void AddAnonymizeCommand(CLI::App* app, int* exit_code) {
  auto a = std::make_shared<AnonymizeArgs>();
  CLI::App* cmd = app->add_subcommand(
      "anonymize", "Rewrite logs with keyed pseudonyms (addresses, IPs, user names, message-ids) to share them");
  cmd->add_option("LOGFILES", a->files, "Log files (any compression; - or none for stdin)");
  cmd->add_option("-o,--output-dir", a->out_dir,
                  "Write each input to DIR under its own name, compressed as it was (needed for several inputs)");
  cmd->add_option("--key-file", a->key_file,
                  "The secret (64 hex digits); created with mode 0600 if absent. Same key, same pseudonyms")
      ->required();
  cmd->add_option("--domains", a->domains, "Address domains: keep (default) or map (all but the top-level label)")
      ->check(CLI::IsMember({"keep", "map"}));
  cmd->add_option("--keep-domain", a->keep_domains,
                  "Map domains except this one and its subdomains (repeatable; implies --domains map)");
  cmd->add_option("--keep-net", a->keep_nets,
                  "Leave addresses in this range as they are (repeatable; loopback is kept unless --map-loopback)");
  cmd->add_flag("--map-loopback", a->map_loopback, "Pseudonymise 127.0.0.0/8 and ::1 too");
  cmd->add_option("--syslog-name", a->syslog_name, "Also treat this syslog name as Postfix");
  cmd->add_option("--threads", a->threads, "Worker threads (default: the CPUs, at most 8; output is the same)");
  cmd->add_flag("--stats", a->stats, "Print lines, bytes and MB/s on stderr at the end");
  cmd->callback([a, exit_code] { *exit_code = Run(*a); });
}

}  // namespace maillens::cli
