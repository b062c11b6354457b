// render.cc - history series as JSON and text (render.h).
#include "history/render.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "util/duration.h"
#include "util/json_writer.h"

namespace maillens::history {

const char* ColumnName(int column) {
  return column == kQueueColumn ? "queue_size" : MeasureName(static_cast<Measure>(column));
}

bool ParseStep(std::string_view name, int64_t* seconds) {
  if (name == "minute") return *seconds = 60, true;
  if (name == "hour") return *seconds = 3600, true;
  if (name == "day") return *seconds = 86400, true;
  return false;
}

bool ParseColumns(std::string_view list, std::vector<int>* columns, std::string* bad) {
  columns->clear();
  if (list.empty()) {
    for (int c = 0; c <= kQueueColumn; ++c) columns->push_back(c);
    return true;
  }
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    Measure m;
    if (name == "queue_size") {
      columns->push_back(kQueueColumn);
    } else if (ParseMeasure(name, &m)) {
      columns->push_back(static_cast<int>(m));
    } else {
      bad->assign(name);
      return false;
    }
  }
  return true;
}

namespace {

// The queue column: the largest sample over the points (-1: none).
int64_t MaxQueue(const std::vector<Point>& points) {
  int64_t q = -1;
  for (const Point& p : points) q = std::max(q, p.queue_size);
  return q;
}

}  // namespace

void AppendSeriesJson(const SeriesQuery& q, const std::vector<Point>& points, bool pretty, std::string* out) {
  JsonWriter w(out, pretty);
  w.BeginObject().Key("from").Int(q.from).Key("until").Int(q.until);
  w.Field("step", std::string_view(q.step_name)).Key("step_seconds").Int(q.step);
  w.Key("measures").BeginArray();
  for (int c : q.columns) w.String(ColumnName(c));
  w.EndArray();
  // The columns' numbers are written directly (std::to_chars, no allocation):
  // 14 days of minutes are 20,160 x 10 of them.
  auto number = [out](int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, static_cast<size_t>(r.ptr - buf));
  };
  auto column = [&](std::string_view name, auto value) {
    w.Key(name).BeginArray().EndArray();  // "name": [] ...
    out->pop_back();                       // ... reopened to append the numbers
    bool first = true;
    for (const Point& p : points) {
      if (!first) out->push_back(',');
      first = false;
      value(p);
    }
    out->push_back(']');
  };
  column("t", [&](const Point& p) { number(p.t); });
  Counts totals;
  for (const Point& p : points) totals += p.counts;
  for (int c : q.columns) {
    if (c == kQueueColumn)
      column(ColumnName(c), [&](const Point& p) {
        if (p.queue_size < 0)
          out->append("null");
        else
          number(p.queue_size);
      });
    else
      column(ColumnName(c), [&](const Point& p) { number(static_cast<int64_t>(p.counts.n[c])); });
  }
  w.Key("totals").BeginObject();
  for (int c : q.columns) {
    if (c != kQueueColumn) {
      w.Field(ColumnName(c), totals.n[c]);
    } else if (int64_t mq = MaxQueue(points); mq >= 0) {
      w.Key(ColumnName(c)).Int(mq);
    } else {
      w.Key(ColumnName(c)).Null();
    }
  }
  w.EndObject().EndObject();
  out->push_back('\n');
}

std::string SeriesTable(const SeriesQuery& q, const std::vector<Point>& points) {
  std::string out;
  const char* fmt = q.step >= 86400 ? "%Y-%m-%d" : "%Y-%m-%d %H:%M";
  int width = q.step >= 86400 ? 10 : 16;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-*s", width, "start (UTC)");
  out += buf;
  for (int c : q.columns) {
    std::snprintf(buf, sizeof buf, " %13s", ColumnName(c));
    out += buf;
  }
  out += '\n';
  Counts totals;
  auto row = [&](const std::string& label, const Counts& counts, int64_t queue) {
    std::snprintf(buf, sizeof buf, "%-*s", width, label.c_str());
    out += buf;
    for (int c : q.columns) {
      if (c == kQueueColumn)
        std::snprintf(buf, sizeof buf, " %13s", queue < 0 ? "-" : std::to_string(queue).c_str());
      else
        std::snprintf(buf, sizeof buf, " %13llu", static_cast<unsigned long long>(counts.n[c]));
      out += buf;
    }
    out += '\n';
  };
  for (const Point& p : points) {
    totals += p.counts;
    row(FormatEpoch(p.t, fmt, true), p.counts, p.queue_size);
  }
  row("total", totals, MaxQueue(points));
  return out;
}

void AppendTopJson(Dim dim, Measure measure, int64_t from, int64_t until,
                   const std::vector<std::pair<std::string, uint64_t>>& top, std::string* out) {
  JsonWriter w(out, false);
  w.BeginObject().Field("dim", std::string_view(DimName(dim))).Field("measure", std::string_view(MeasureName(measure)));
  w.Key("from").Int(from).Key("until").Int(until).Key("top").BeginArray();
  for (const auto& [key, n] : top) w.BeginObject().Field("key", key).Field("count", n).EndObject();
  w.EndArray().EndObject();
  out->push_back('\n');
}

}  // namespace maillens::history
