// render.h - history series as JSON and as a text table: the one rendering
// that serve's /api/history, /api/history/top and `maillens history show`
// share (doc/history.md describes the documents).
//
// Series JSON (columns, so a chart takes them as they are):
//   {"from": F, "until": U, "step": "hour", "step_seconds": 3600,
//    "measures": ["received", ...], "t": [start, ...],
//    "received": [n, ...], ..., "queue_size": [n|null, ...],
//    "totals": {"received": n, ...}}        (queue_size: the largest sample)
// Top JSON: {"dim": D, "measure": M, "from": F, "until": U,
//            "top": [{"key": K, "count": n}, ...]}
// Keys are log content: JSON-escaped here, terminal-escaped in the table.
// Thread safety: pure functions.
#ifndef MAILLENS_HISTORY_RENDER_H_
#define MAILLENS_HISTORY_RENDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "history/store.h"

namespace maillens::history {

// A column of a series: a Measure (0 .. kMeasureCount-1) or kQueueColumn.
inline constexpr int kQueueColumn = kMeasureCount;
const char* ColumnName(int column);  // MeasureName, or "queue_size"

// "minute", "hour", "day" -> 60, 3600, 86400; false for anything else.
bool ParseStep(std::string_view name, int64_t* seconds);
// "delivered,bounced" (names of ColumnName; "" = every column) -> columns.
// False, with *bad = the name, for an unknown one.
bool ParseColumns(std::string_view list, std::vector<int>* columns, std::string* bad);

struct SeriesQuery {
  int64_t from = 0, until = 0;
  std::string step_name;
  int64_t step = 60;
  std::vector<int> columns;
};

// Appends the series document (one line, or indented with `pretty`) to *out.
void AppendSeriesJson(const SeriesQuery& q, const std::vector<Point>& points, bool pretty, std::string* out);
// A table: one line per step ("YYYY-MM-DD HH:MM" UTC, or the date for day
// steps), then the totals.
std::string SeriesTable(const SeriesQuery& q, const std::vector<Point>& points);
void AppendTopJson(Dim dim, Measure measure, int64_t from, int64_t until,
                   const std::vector<std::pair<std::string, uint64_t>>& top, std::string* out);

}  // namespace maillens::history

#endif  // MAILLENS_HISTORY_RENDER_H_
