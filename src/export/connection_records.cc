// connection_records.cc - ConnectionRecords: smtpd and postscreen sessions.
//
// smtpd(8) serves one session at a time per process, so a session is keyed
// by (host, pid): "connect from" opens it (smtpd/smtpd.c:6486), "disconnect
// from ... ehlo=1 mail=1 ... commands=n/m" closes it (smtpd.c:6535, stats
// from smtpd_format_cmd_stats, 6339); in between its process logs client=
// lines (queue IDs, SASL login), rejects (HELO name), TLS and SASL failures.
// postscreen(8) is one process for all sessions: a session is keyed by
// (host, "[addr]:port") from "CONNECT from" (postscreen.c:854) to
// "DISCONNECT" (postscreen_misc.c:139). psc_conclude() logs "PASS NEW|OLD"
// and then either hands the client to smtpd (nothing more is logged) or
// logs DISCONNECT at once: so a passed session is closed by the next
// postscreen line, which is its DISCONNECT or belongs to another session.
// Sessions with no end in the input are written when idle for an hour
// (smtpd's timeouts are minutes) and at the end of input.
#include <algorithm>
#include <cstring>

#include "export/records.h"
#include "postfix/fields.h"

namespace maillens::exporter {

namespace {

constexpr int64_t kIdle = 3600;  // seconds without a line before a session is written as is

// Command statistics columns, in schema order (cmd_helo ... cmd_unknown),
// then cmd_total and cmd_failed from "commands=ok/total".
constexpr std::string_view kCommands[] = {"helo", "ehlo", "starttls", "auth", "mail", "rcpt",
                                          "data", "bdat", "rset", "quit", "unknown"};
constexpr size_t kCommandCount = sizeof kCommands / sizeof kCommands[0];

uint64_t HashBytes(std::string_view s) {  // FNV-1a: a key for "[addr]:port"
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

struct ConnectionRecords::Session {
  Timestamp connect, last, disconnect;
  bool has_connect = false, has_disconnect = false, has_stats = false;
  bool postscreen = false, passed = false;
  int64_t pid = -1;
  std::string host, service, client, client_addr, client_port, helo, tls, sasl_method, sasl_user;
  std::string queue_ids, outcome, verdicts, command_stats;
  int64_t auth_failures = 0, messages = 0, rejects = 0;
  int64_t cmd[kCommandCount] = {};
  int64_t cmd_total = 0, cmd_failed = 0;

  // Back to empty, keeping the strings' capacity.
  void Reset() {
    connect = last = disconnect = Timestamp();
    has_connect = has_disconnect = has_stats = postscreen = passed = false;
    pid = -1;
    for (std::string* s : {&host, &service, &client, &client_addr, &client_port, &helo, &tls, &sasl_method,
                           &sasl_user, &queue_ids, &outcome, &verdicts, &command_stats})
      s->clear();
    auth_failures = messages = rejects = 0;
    std::memset(cmd, 0, sizeof cmd);
    cmd_total = cmd_failed = 0;
  }
  // The client as logged, unless one is known already.
  void SetClient(const Event& ev) {
    if (client.empty()) client.assign(ev.client);
    if (client_addr.empty()) client_addr.assign(ev.client_addr);
    if (client_port.empty()) client_port.assign(ev.client_port);
  }
  void AddVerdict(std::string_view v) {
    if (!verdicts.empty()) verdicts.append(", ");
    verdicts.append(v);
  }
  // Parses "ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5".
  void ParseStats(std::string_view s) {
    command_stats.assign(s);
    has_stats = true;
    while (!s.empty()) {
      std::string_view tok = fields::TakeUntil(&s, ' ');
      size_t eq = tok.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view name = tok.substr(0, eq), val = tok.substr(eq + 1);
      int64_t ok = 0, total = 0;
      size_t slash = val.find('/');
      if (!fields::ParseUint(val.substr(0, slash), &ok)) continue;
      total = ok;
      if (slash != std::string_view::npos && !fields::ParseUint(val.substr(slash + 1), &total)) continue;
      if (name == "commands") {
        cmd_total = total;
        cmd_failed = total - ok;
        continue;
      }
      for (size_t i = 0; i < kCommandCount; ++i)
        if (name == kCommands[i]) cmd[i] = total;
    }
  }
};

ConnectionRecords::~ConnectionRecords() {
  for (auto& [key, s] : open_) delete s;
  for (Session* s : free_) delete s;
}

uint32_t ConnectionRecords::HostId(std::string_view host) {
  if (host == last_host_) return last_host_id_;
  auto it = hosts_.find(absl::string_view(host.data(), host.size()));
  if (it == hosts_.end()) it = hosts_.emplace(std::string(host), static_cast<uint32_t>(hosts_.size())).first;
  last_host_.assign(host);
  last_host_id_ = it->second;
  return last_host_id_;
}

ConnectionRecords::Session* ConnectionRecords::Find(const Key& key) {
  auto it = open_.find(key);
  return it == open_.end() ? nullptr : it->second;
}

ConnectionRecords::Session* ConnectionRecords::Open(const Key& key, const Event& ev) {
  if (Session* old = Find(key)) Close(key, old);  // its end is not in the input
  Session* s;
  if (free_.empty()) {
    s = new Session;
  } else {
    s = free_.back();
    free_.pop_back();
  }
  const SyslogHeader& h = *ev.header;
  s->host.assign(h.host);
  s->service.assign(h.service);
  s->postscreen = key.postscreen;
  s->pid = h.pid;
  s->last = TimestampOf(h);
  open_[key] = s;
  return s;
}

void ConnectionRecords::Close(const Key& key, Session* s) {
  Write(*s);
  open_.erase(key);
  s->Reset();
  free_.push_back(s);
}

void ConnectionRecords::Write(const Session& s) {
  RowWriter& w = *out_;
  w.BeginRow(RecordKind::kConnections);
  s.has_connect ? w.Time(s.connect) : w.Null();
  s.has_disconnect ? w.Time(s.disconnect) : w.Null();
  if (s.has_connect && s.has_disconnect) {
    double d = static_cast<double>(s.disconnect.epoch - s.connect.epoch) +
               (s.disconnect.usec - s.connect.usec) / 1e6;
    w.Real({}, d);
  } else {
    w.Null();
  }
  w.Text(s.host);
  w.Text(s.postscreen ? "postscreen" : "smtpd");
  w.Text(s.service);
  w.IntOrNull(s.pid >= 0, s.pid);
  w.Text(s.client);
  w.Text(s.client_addr);
  w.Text(s.client_port);
  w.Text(s.helo);
  w.Text(s.tls);
  w.Text(s.sasl_method);
  w.Text(s.sasl_user);
  w.Int(s.auth_failures);
  w.Int(s.messages);
  w.Text(s.queue_ids);
  w.Int(s.rejects);
  w.Text(s.outcome);
  w.Text(s.verdicts);
  w.Text(s.command_stats);
  for (size_t i = 0; i < kCommandCount; ++i) w.IntOrNull(s.has_stats, s.cmd[i]);
  w.IntOrNull(s.has_stats, s.cmd_total);
  w.IntOrNull(s.has_stats, s.cmd_failed);
  w.EndRow();
}

void ConnectionRecords::OnEvent(const Event& ev, const Message* m) {
  if (ev.daemon == Daemon::kSmtpd) {
    OnSmtpd(ev);
  } else if (ev.daemon == Daemon::kPostscreen) {
    OnPostscreen(ev);
  } else {
    return;
  }
  if (ev.header->epoch - last_sweep_ >= 60) Sweep(ev.header->epoch);
}

void ConnectionRecords::OnSmtpd(const Event& ev) {
  switch (ev.kind) {
    case EventKind::kConnect: case EventKind::kDisconnect: case EventKind::kClient: case EventKind::kReject:
    case EventKind::kAbnormalEnd: case EventKind::kSaslFailure: case EventKind::kTls:
      break;
    default:
      return;
  }
  const SyslogHeader& h = *ev.header;
  if (h.pid < 0) return;
  Key key{HostId(h.host), false, static_cast<uint64_t>(h.pid)};
  Session* s = ev.kind == EventKind::kConnect ? Open(key, ev) : Find(key);
  if (s == nullptr) s = Open(key, ev);  // its connect line is not in the input
  s->last = TimestampOf(h);
  switch (ev.kind) {
    case EventKind::kConnect:
      s->connect = s->last;
      s->has_connect = true;
      s->SetClient(ev);
      break;
    case EventKind::kClient:
      ++s->messages;
      if (!s->queue_ids.empty()) s->queue_ids.push_back(' ');
      s->queue_ids.append(ev.queue_id);
      if (!ev.sasl_username.empty()) {
        s->sasl_method.assign(ev.sasl_method);
        s->sasl_user.assign(ev.sasl_username);
      }
      s->SetClient(ev);
      break;
    case EventKind::kReject:
      ++s->rejects;
      if (!ev.helo.empty()) s->helo.assign(ev.helo);
      s->SetClient(ev);
      break;
    case EventKind::kAbnormalEnd:
      s->outcome.assign(ev.text);
      s->outcome.append(" after ");
      s->outcome.append(ev.command);
      s->SetClient(ev);
      break;
    case EventKind::kSaslFailure:
      ++s->auth_failures;
      break;
    case EventKind::kTls: {
      // "Anonymous TLS connection established from name[addr]: TLSv1.3 with cipher ..."
      size_t p = ev.text.find("]: ");
      if (ev.text.find("established from ") != std::string_view::npos && p != std::string_view::npos)
        s->tls.assign(ev.text.substr(p + 3));
      break;
    }
    case EventKind::kDisconnect:
      s->disconnect = s->last;
      s->has_disconnect = true;
      s->SetClient(ev);
      if (s->outcome.empty()) s->outcome = "disconnect";
      if (!ev.command.empty()) s->ParseStats(ev.command);
      Close(key, s);
      break;
    default:
      break;
  }
}

void ConnectionRecords::OnPostscreen(const Event& ev) {
  if (ev.kind != EventKind::kConnect && ev.kind != EventKind::kPostscreenVerdict && ev.kind != EventKind::kReject)
    return;
  if (ev.client.empty()) return;
  const SyslogHeader& h = *ev.header;
  const uint32_t host = HostId(h.host);
  Key key{host, true, HashBytes(ev.client)};
  const bool disconnect = ev.kind == EventKind::kPostscreenVerdict && ev.text == "DISCONNECT";
  // A session that passed on the previous line ends here, unless this line
  // is its DISCONNECT.
  Key pid_key{host, true, static_cast<uint64_t>(h.pid)};
  if (auto p = passed_.find(pid_key); p != passed_.end()) {
    Key passed_key = p->second;
    passed_.erase(p);
    if (!(disconnect && passed_key == key)) {
      if (Session* ps = Find(passed_key)) Close(passed_key, ps);
    }
  }
  Session* s = ev.kind == EventKind::kConnect ? Open(key, ev) : Find(key);
  if (s == nullptr) s = Open(key, ev);
  s->last = TimestampOf(h);
  s->SetClient(ev);
  switch (ev.kind) {
    case EventKind::kConnect:
      s->connect = s->last;
      s->has_connect = true;
      return;
    case EventKind::kReject:
      ++s->rejects;
      if (!ev.helo.empty()) s->helo.assign(ev.helo);
      if (ev.stage == "CONNECT") {  // "too many connections", "all server ports busy": dropped at once
        s->AddVerdict("reject");
        s->outcome = "reject";
        s->disconnect = s->last;
        s->has_disconnect = true;
        Close(key, s);
      }
      return;
    default:
      break;
  }
  // A verdict: "PASS NEW", "DNSBL" (rank in reason), "PREGREET", "HANGUP", "DISCONNECT", ...
  if (ev.text == "DNSBL" && !ev.reason.empty()) {
    scratch_.assign("DNSBL ");
    scratch_.append(ev.reason);
    s->AddVerdict(scratch_);
  } else {
    s->AddVerdict(ev.text);
  }
  if (disconnect) {
    if (s->outcome.empty()) s->outcome = "DISCONNECT";
    s->disconnect = s->last;
    s->has_disconnect = true;
    Close(key, s);
  } else if (ev.text == "PASS NEW" || ev.text == "PASS OLD") {
    s->outcome.assign(ev.text);
    s->passed = true;
    passed_[pid_key] = key;
  } else if (ev.text == "HANGUP") {
    s->outcome = "HANGUP";
  }
}

void ConnectionRecords::CloseAll(std::vector<Key> keys) {
  auto start = [](const Session* s) { return s->has_connect ? s->connect : s->last; };
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    const Session* x = open_[a];
    const Session* y = open_[b];
    Timestamp tx = start(x), ty = start(y);
    if (tx.epoch != ty.epoch) return tx.epoch < ty.epoch;
    if (tx.usec != ty.usec) return tx.usec < ty.usec;
    if (x->host != y->host) return x->host < y->host;
    if (x->pid != y->pid) return x->pid < y->pid;
    return x->client < y->client;
  });
  for (const Key& k : keys) {
    for (auto p = passed_.begin(); p != passed_.end();) {
      auto cur = p++;
      if (cur->second == k) passed_.erase(cur);
    }
    Close(k, open_[k]);
  }
}

void ConnectionRecords::Sweep(int64_t now) {
  last_sweep_ = now;
  std::vector<Key> idle;
  for (const auto& [key, s] : open_)
    if (s->last.epoch + kIdle < now || (s->passed && s->last.epoch + 60 < now)) idle.push_back(key);
  if (!idle.empty()) CloseAll(std::move(idle));
}

void ConnectionRecords::Finish() {
  std::vector<Key> all;
  for (const auto& [key, s] : open_) all.push_back(key);
  CloseAll(std::move(all));
  passed_.clear();
}

}  // namespace maillens::exporter
