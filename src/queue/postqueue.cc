// postqueue.cc - `postqueue -j` lines into QueuedMessage records (simdjson DOM,
// error codes only, one parser reused for every line).
#include "queue/postqueue.h"

#include <simdjson.h>

#include <cstdio>
#include <memory>

#include <string>

namespace maillens {

namespace {

// Reads the string member `key` of `obj` into *out; false when absent or not a string.
bool GetString(simdjson::dom::object obj, const char* key, std::string* out) {
  std::string_view v;
  if (obj[key].get(v) != simdjson::SUCCESS) return false;
  out->assign(v.data(), v.size());
  return true;
}

// Parses one line with a caller-owned parser (so its buffers are reused).
bool ParseWith(simdjson::dom::parser* parser, std::string_view line, QueuedMessage* msg, std::string* error) {
  simdjson::dom::element root;
  if (auto err = parser->parse(line.data(), line.size(), true).get(root); err != simdjson::SUCCESS) {
    *error = std::string("not JSON: ") + simdjson::error_message(err);
    return false;
  }
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) {
    *error = "not a JSON object";
    return false;
  }
  *msg = QueuedMessage();
  if (!GetString(obj, "queue_name", &msg->queue_name)) {
    *error = "queue_name missing or not a string";
    return false;
  }
  if (!GetString(obj, "queue_id", &msg->queue_id)) {
    *error = "queue_id missing or not a string";
    return false;
  }
  if (!GetString(obj, "sender", &msg->sender)) {
    *error = "sender missing or not a string";
    return false;
  }
  simdjson::dom::element t;
  int64_t arrival = 0;
  double arrival_f = 0;
  if (obj["arrival_time"].get(t) != simdjson::SUCCESS) {
    *error = "arrival_time missing";
    return false;
  }
  if (t.get(arrival) == simdjson::SUCCESS) {
    msg->arrival_time = arrival;
  } else if (t.get(arrival_f) == simdjson::SUCCESS && arrival_f > -9.2e18 && arrival_f < 9.2e18) {
    msg->arrival_time = static_cast<int64_t>(arrival_f);
  } else {
    *error = "arrival_time not a number";
    return false;
  }
  uint64_t size = 0;
  if (obj["message_size"].get(size) == simdjson::SUCCESS) msg->message_size = size;
  bool forced = false;
  if (obj["forced_expire"].get(forced) == simdjson::SUCCESS) msg->forced_expire = forced;
  simdjson::dom::array rcpts;
  if (obj["recipients"].get(rcpts) != simdjson::SUCCESS) {
    *error = "recipients missing or not an array";
    return false;
  }
  for (simdjson::dom::element r : rcpts) {
    simdjson::dom::object ro;
    QueuedRecipient qr;
    if (r.get(ro) != simdjson::SUCCESS || !GetString(ro, "address", &qr.address)) {
      *error = "a recipient without a string address";
      return false;
    }
    GetString(ro, "delay_reason", &qr.delay_reason);
    msg->recipients.push_back(std::move(qr));
  }
  return true;
}

// True when the line holds only blanks (spaces, tabs, CR).
bool Blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

}  // namespace

bool ParsePostqueueLine(std::string_view line, QueuedMessage* msg, std::string* error) {
  simdjson::dom::parser parser;
  return ParseWith(&parser, line, msg, error);
}

void ParsePostqueueJson(std::string_view text, std::vector<QueuedMessage>* out,
                        std::vector<PostqueueProblem>* problems) {
  simdjson::dom::parser parser;
  uint64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (Blank(line)) continue;
    QueuedMessage msg;
    std::string error;
    if (ParseWith(&parser, line, &msg, &error)) {
      out->push_back(std::move(msg));
    } else {
      problems->push_back({line_no, std::move(error)});
    }
  }
}

namespace {

// Reads all of `f` into *out; false on a read error.
bool ReadAll(FILE* f, std::string* out) {
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  return !std::ferror(f);
}

}  // namespace

bool ReadPostqueueSnapshot(const std::string& input, std::string* text, std::string* source, std::string* error) {
  if (input.empty()) {
    *source = "postqueue -j";
    FILE* p = popen("postqueue -j", "r");
    if (p == nullptr) {
      *error = "cannot run postqueue -j";
      return false;
    }
    bool ok = ReadAll(p, text);
    int rc = pclose(p);
    if (!ok || rc != 0) {
      *error = "postqueue -j failed (status " + std::to_string(rc) + ")";
      return false;
    }
    return true;
  }
  *source = input == "-" ? "stdin" : input;
  if (input == "-") return ReadAll(stdin, text) || (*error = "cannot read stdin", false);
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(input.c_str(), "rb"), std::fclose);
  if (!f || !ReadAll(f.get(), text)) {
    *error = "cannot read " + input;
    return false;
  }
  return true;
}

}  // namespace maillens
