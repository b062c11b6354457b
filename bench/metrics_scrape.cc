// metrics_scrape.cc - times PostfixMetrics::WriteMetrics() with 10k series.
//
// Loads a state of N series (default 10000, spread over the labelled
// families: unparsed lines per program, rejects per code, ...) and prints the
// median, min and max of 31 expositions in milliseconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "metrics/postfix_metrics.h"

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  std::string state;
  for (int i = 0; i < n; ++i) {
    // Family 18 is maillens_unparsed_lines_total{program}; 4 smtp status; 11 smtpd code.
    const int family = i % 3 == 0 ? 18 : i % 3 == 1 ? 4 : 11;
    std::string labels = (family == 18 ? "program=\"postfix/prog" : family == 4 ? "status=\"s" : "code=\"c") +
                         std::to_string(i) + "\"";
    state += std::to_string(family) + " " + std::to_string(1000 + i) + " " + std::to_string(labels.size()) +
             ":" + labels + "\n";
  }
  maillens::PostfixMetrics m;
  if (!m.LoadState(state)) return 1;
  std::vector<double> ms;
  size_t bytes = 0;
  for (int run = 0; run < 31; ++run) {
    std::string out;
    auto t0 = std::chrono::steady_clock::now();
    m.WriteMetrics(&out);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    bytes = out.size();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("series=%d bytes=%zu median_ms=%.3f min_ms=%.3f max_ms=%.3f\n", n, bytes, ms[15], ms[0], ms[30]);
  return 0;
}
