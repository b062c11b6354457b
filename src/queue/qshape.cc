// qshape.cc - the qshape table: bucket placement, domain keys, -p rollup,
// row order and the text/JSON renderings (qshape.pl's rules, our code).
#include "queue/qshape.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {

int QshapeBucket(int64_t arrival, int64_t now, const QshapeOptions& options) {
  // The same double arithmetic as qshape.pl, so that ages on a boundary land
  // in the same bucket.
  double m = static_cast<double>(now - arrival) / (60.0 * options.bucket_minutes);
  if (m < 1) return 1;
  double b = options.linear ? std::floor(m + 1) : 2 + std::floor(std::log(m) / std::log(2.0));
  return b < options.bucket_count ? static_cast<int>(b) : options.bucket_count;
}

std::string QshapeDomain(std::string_view address) {
  std::string a(address);
  for (char& c : a)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (a.empty()) return "MAILER-DAEMON";
  if (size_t at = a.rfind('@'); at != std::string::npos) a.erase(0, at + 1);
  std::string d;
  d.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    d.push_back(a[i]);
    if (a[i] == '.' && i + 1 < a.size() && a[i + 1] == '.') ++i;  // ".." -> "." (one pass)
  }
  // One leading and one trailing dot go, as long as something is left.
  size_t b = 0, e = d.size();
  if (e - b >= 2 && d[b] == '.') ++b;
  if (e - b >= 2 && d[e - 1] == '.') --e;
  return d.substr(b, e - b);
}

std::string QshapeParent(std::string_view key) {
  size_t start = !key.empty() && key[0] == '.' ? 1 : 0;
  size_t dot = key.find('.', start);
  if (dot == std::string_view::npos || dot == start) return {};     // no first label
  if (key.find('.', dot + 1) == std::string_view::npos) return {};  // would be a TLD
  std::string parent(1, '.');
  parent.append(key.substr(dot + 1));
  return parent;
}

std::vector<std::string> QshapeHeadings(const QshapeOptions& options) {
  std::vector<std::string> heads{"T"};
  int64_t t = options.bucket_minutes;
  for (int i = 1; i <= options.bucket_count; ++i) {
    if (i == options.bucket_count) {
      // The open-ended bucket starts where the previous one stopped.
      int64_t prev = 0;
      if (i > 1) prev = options.linear ? int64_t{options.bucket_minutes} * (i - 1)
                                       : int64_t{options.bucket_minutes} << (i - 2);
      heads.push_back(std::to_string(prev) + "+");
    } else {
      heads.push_back(std::to_string(t));
      t = options.linear ? t + options.bucket_minutes : t * 2;
    }
  }
  return heads;
}

QshapeTable::QshapeTable(QshapeOptions options, int64_t now)
    : options_(std::move(options)), now_(now), total_(options_.bucket_count + 1, 0) {}

bool QshapeTable::Add(const QueuedMessage& msg) {
  if (std::find(options_.queues.begin(), options_.queues.end(), msg.queue_name) == options_.queues.end())
    return false;
  if (msg.recipients.empty()) return false;
  int b = QshapeBucket(msg.arrival_time, now_, options_);
  auto one = [&](std::string_view address) {
    ++total_[0];
    ++total_[b];
    Count(QshapeDomain(address), b);
  };
  if (options_.sender_mode) {
    // postqueue -j shows the null sender as MAILER-DAEMON; qshape reads "".
    one(msg.sender == "MAILER-DAEMON" ? std::string_view() : std::string_view(msg.sender));
  } else {
    for (const QueuedRecipient& r : msg.recipients) one(r.address);
  }
  return true;
}

void QshapeTable::Count(std::string key, int b) {
  bool child_new = false;
  while (true) {
    Entry& e = domains_[key];
    if (e.counts.empty()) e.counts.assign(options_.bucket_count + 1, 0);
    bool existed = ++e.counts[0] > 1;
    ++e.counts[b];
    if (child_new) ++e.subdomains;  // a parent counts its distinct children
    child_new = !existed;
    if (!options_.parent_domains) break;
    key = QshapeParent(key);
    if (key.empty()) break;
  }
}

std::vector<QshapeRow> QshapeTable::Rows() const {
  std::vector<QshapeRow> rows;
  for (const auto& [name, e] : domains_) {
    if (!name.empty() && name[0] == '.' && e.subdomains < static_cast<uint64_t>(options_.min_subdomains)) continue;
    rows.push_back({name, e.counts});
  }
  std::sort(rows.begin(), rows.end(), [](const QshapeRow& a, const QshapeRow& b) {
    if (a.counts[0] != b.counts[0]) return a.counts[0] > b.counts[0];
    if (a.domain.size() != b.domain.size()) return a.domain.size() < b.domain.size();
    return a.domain < b.domain;
  });
  rows.insert(rows.begin(), QshapeRow{"TOTAL", total_});
  return rows;
}

std::string QshapeTable::RenderText() const {
  std::vector<std::string> heads = QshapeHeadings(options_);
  std::vector<size_t> widths;
  int64_t dw = std::max(options_.width, 80);
  for (size_t i = 0; i < heads.size(); ++i) {
    size_t l = std::max(std::to_string(total_[i]).size(), heads[i].size());
    l = l > 2 ? l + 1 : 3;
    widths.push_back(l);
    dw -= static_cast<int64_t>(l);
  }
  size_t name_width = static_cast<size_t>(std::max<int64_t>(dw, 18));
  std::string out;
  auto line = [&](const std::string& raw_name, const std::vector<std::string>& cells) {
    // Domains come from the queue (attacker-chosen addresses): no control bytes reach the terminal.
    const std::string name = TerminalSafe(raw_name);
    if (name.size() > name_width) {
      bool parent = name[0] == '.';
      size_t keep = name_width - (parent ? 2 : 1);
      out += parent ? ".+" : "+";
      out += name.substr(name.size() - keep);
    } else {
      out.append(name_width - name.size(), ' ');
      out += name;
    }
    for (size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].size() < widths[i]) out.append(widths[i] - cells[i].size(), ' ');
      out += cells[i];
    }
    out += '\n';
  };
  line("", heads);
  for (const QshapeRow& r : Rows()) {
    std::vector<std::string> cells;
    cells.reserve(r.counts.size());
    for (uint64_t c : r.counts) cells.push_back(std::to_string(c));
    line(r.domain, cells);
  }
  return out;
}

std::string QshapeTable::RenderJson() const {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("reference_time").Int(now_);
  w.Field("mode", options_.sender_mode ? "sender" : "recipient");
  w.Key("queues").BeginArray();
  for (const std::string& q : options_.queues) w.String(q);
  w.EndArray();
  w.Key("bucket_minutes").Int(options_.bucket_minutes);
  w.Key("linear").Bool(options_.linear);
  w.Key("parent_domains").Bool(options_.parent_domains);
  std::vector<std::string> heads = QshapeHeadings(options_);
  w.Key("buckets").BeginArray();
  for (size_t i = 1; i < heads.size(); ++i) w.String(heads[i]);
  w.EndArray();
  w.Key("rows").BeginArray();
  for (const QshapeRow& r : Rows()) {
    w.BeginObject();
    w.Field("domain", r.domain);
    w.Field("total", r.counts[0]);
    w.Key("counts").BeginArray();
    for (size_t i = 1; i < r.counts.size(); ++i) w.Uint(r.counts[i]);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out += '\n';
  return out;
}

}  // namespace maillens
