// fuzz_assembler.cc - libFuzzer target: sequences of log lines through the
// Pipeline (message assembly) with the report's Summary, Insights and both
// abuse detectors as sinks.
//
// The input is log text. Checks, besides "no crash, no sanitizer report":
//  - every JSON rendering (report, accounts, reputation) parses,
//  - the accounts and reputation text outputs hold no control bytes,
//  - the assembler releases every message at Finish() (in_flight() == 0),
//  - processing the same lines one ProcessLine() at a time and through a
//    second pipeline gives the same accounts/reputation JSON (no hidden
//    state between pipelines).
// The detectors run with low floors so that short inputs reach the
// anomaly path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "abuse/account_anomaly.h"
#include "abuse/reputation.h"
#include "fuzz_check.h"
#include "pipeline/pipeline.h"
#include "report/insights.h"
#include "report/render.h"
#include "report/summary.h"

namespace {

using namespace maillens;

struct Outputs {
  std::string accounts, reputation;
};

// Runs `data` line by line through a fresh pipeline; renders everything.
Outputs RunOnce(std::string_view data, bool render_report) {
  RecordingReporter reporter;
  PipelineOptions po;
  po.year.reference_epoch = 1795325911;
  Pipeline pipeline(po, &reporter);
  Summary summary;
  Insights insights;
  AccountAnomalyOptions ao;
  ao.floors = {2, 2, 1, 1};
  ao.min_history = 1;
  ao.history = 4;
  ao.distinct_cap = 8;
  ao.max_users = 16;
  AccountAnomalyDetector accounts(ao);
  ReputationDetector reputation;
  pipeline.AddSink(&summary);
  pipeline.AddSink(&insights);
  pipeline.AddSink(&accounts);
  pipeline.AddSink(&reputation);
  size_t start = 0;
  int64_t lines = 0;
  while (start <= data.size()) {
    size_t nl = data.find('\n', start);
    if (nl == std::string_view::npos) nl = data.size();
    pipeline.ProcessLine(data.substr(start, nl - start));
    // Live use: hours close while lines keep coming.
    if (++lines % 64 == 0) accounts.Flush(1795325911);
    start = nl + 1;
  }
  pipeline.Finish();
  if (pipeline.assembler().in_flight() != 0) std::abort();
  accounts.Finish();
  Outputs o;
  RenderAccountsJson(accounts, &o.accounts);
  fuzz::CheckJson(o.accounts);
  RenderReputationJson(reputation, &o.reputation);
  fuzz::CheckJson(o.reputation);
  std::string text;
  RenderAccountsText(accounts, &text);
  RenderReputationText(reputation, &text);
  fuzz::CheckTerminal(text);
  if (render_report) {
    RenderOptions ro;
    ro.insights = &insights;
    std::string json;
    RenderJson(summary, pipeline.stats(), ro, &json);
    fuzz::CheckJson(json);
    std::string out;
    RenderText(summary, ro, &out);
    RenderHtml(summary, pipeline.stats(), ro, &out);
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Outputs a = RunOnce(in, true);
  Outputs b = RunOnce(in, false);
  if (a.accounts != b.accounts || a.reputation != b.reputation) std::abort();
  return 0;
}
