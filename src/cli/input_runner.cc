// input_runner.cc - StderrReporter, UnparsedWriter, RunInputs.
#include "cli/input_runner.h"

#include "io/input_set.h"
#include "pipeline/input_order.h"
#include "util/text_escape.h"

namespace maillens::cli {

void StderrReporter::Report(Severity severity, std::string_view source, int64_t offset, std::string_view what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (severity != Severity::kNotice) damaged_ = true;
  if (source != current_) {
    current_.assign(source);
    shown_ = 0;
  }
  if (shown_ >= 20) {
    ++suppressed_;
    return;
  }
  ++shown_;
  std::string msg = "maillens: " + TerminalSafe(source);
  if (offset >= 0) msg += ": byte " + std::to_string(offset);
  msg += ": " + TerminalSafe(what) + "\n";
  std::fputs(msg.c_str(), stderr);
}

bool StderrReporter::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (suppressed_ > 0) std::fprintf(stderr, "maillens: %llu more problems not shown\n",
                                    static_cast<unsigned long long>(suppressed_));
  return damaged_;
}

void UnparsedWriter::OnEvent(const Event& ev, const Message*) {
  if (!PartlyUnderstood(ev) || ev.header == nullptr) return;
  std::fwrite(ev.header->line.data(), 1, ev.header->line.size(), f_);
  std::fputc('\n', f_);
}

void UnparsedWriter::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)h, (void)origin;
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fputc('\n', f_);
}

int RunInputs(const std::vector<std::string>& paths, int64_t reference_epoch, Pipeline* pipeline,
              StderrReporter* reporter) {
  std::vector<std::string> inputs = paths.empty() ? std::vector<std::string>{"-"} : paths;
  inputs = OrderInputs(inputs, reference_epoch);
  bool failed = false;
  for (const std::string& path : inputs) {
    Status st = pipeline->ProcessInput(path);
    if (!st.ok()) {
      reporter->Report(Reporter::Severity::kFailed, path, -1, std::string(st.message().substr(
          st.message().find(": ") == std::string_view::npos ? 0 : st.message().find(": ") + 2)));
      failed = true;
    }
  }
  pipeline->Finish();
  bool damaged = reporter->Finish();
  return (failed || damaged) ? kExitInputProblem : kExitOk;
}

PipelineOptions OneShotOptions(const std::vector<std::string>& files, const std::string& syslog_name, int year) {
  PipelineOptions po;
  po.parser.syslog_name = syslog_name;
  po.year.fixed_year = year;
  po.year.reference_epoch = NewestMtime(files.empty() ? std::vector<std::string>{"-"} : files);
  return po;
}

}  // namespace maillens::cli
