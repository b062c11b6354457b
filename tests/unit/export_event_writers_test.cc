// export_event_writers_test.cc - `export --format ecs|gelf`: the exact
// documents for a delivery, a message, a reject and a connection, and
// attacker-controlled text (quotes, control characters, newlines, invalid
// UTF-8, an attempt to inject keys) escaped in both formats.
#include "export/event_writers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <variant>

namespace maillens::exporter {
namespace {

struct RealValue {
  std::string text;
  double value;
};
using V = std::variant<std::string, int64_t, RealValue, bool, Timestamp>;

// Writes one row of `kind`: the columns in `values`, the others null when
// nullable, else "", 0, false or the epoch.
void PutRow(RowWriter* w, RecordKind kind, const std::map<std::string, V>& values) {
  w->BeginRow(kind);
  for (const Column& c : SchemaFor(kind).columns) {
    auto it = values.find(std::string(c.name));
    if (it == values.end()) {
      if (c.nullable) {
        w->Null();
        continue;
      }
      switch (c.type) {
        case ColumnType::kText: w->Text(""); break;
        case ColumnType::kInt: w->Int(0); break;
        case ColumnType::kReal: w->Real("0", 0); break;
        case ColumnType::kBool: w->Bool(false); break;
        case ColumnType::kTime: w->Time(Timestamp{}); break;
      }
      continue;
    }
    const V& v = it->second;
    if (auto* s = std::get_if<std::string>(&v)) {
      w->Text(*s);
    } else if (auto* i = std::get_if<int64_t>(&v)) {
      w->Int(*i);
    } else if (auto* r = std::get_if<RealValue>(&v)) {
      w->Real(r->text, r->value);
    } else if (auto* b = std::get_if<bool>(&v)) {
      w->Bool(*b);
    } else {
      w->Time(std::get<Timestamp>(v));
    }
  }
  w->EndRow();
}

const Timestamp kAt{1795330815, 3600, 0};  // 2026-11-22T08:00:15+01:00

const std::map<std::string, V> kDelivery = {
    {"time", kAt},
    {"host", std::string("mx")},
    {"queue_id", std::string("4FC2DA8A4A9")},
    {"message_id", std::string("<id@example.org>")},
    {"from", std::string("alice@example.org")},
    {"to", std::string("bob@example.net")},
    {"relay", std::string("mx.example.net[192.0.2.1]:25")},
    {"delay", RealValue{"0.5", 0.5}},
    {"delay_before_qmgr", RealValue{"0.1", 0.1}},
    {"delay_in_qmgr", RealValue{"", 0.25}},
    {"dsn", std::string("2.0.0")},
    {"status", std::string("sent")},
    {"reason", std::string("250 2.0.0 Ok")},
    {"size", int64_t{1234}},
    {"client", std::string("mail.example.org[198.51.100.7]")},
    {"sasl_user", std::string("alice")},
    {"daemon", std::string("smtp")},
    {"sender_known", true},
    {"recipient_domain", std::string("example.net")},
};

const std::map<std::string, V> kMessage = {
    {"first_seen", kAt},
    {"last_seen", Timestamp{1795330820, 3600, 250000}},
    {"host", std::string("mx")},
    {"queue_id", std::string("4FC2DA8A4A9")},
    {"origin", std::string("smtpd")},
    {"client", std::string("unknown[2001:db8::7]")},
    {"client_addr", std::string("2001:db8::7")},
    {"message_id", std::string("<id@example.org>")},
    {"from", std::string("")},  // the null sender
    {"size", int64_t{900}},
    {"nrcpt", int64_t{1}},
    {"bounced", int64_t{1}},
    {"removed", true},
    {"sender_known", true},
};

const std::map<std::string, V> kReject = {
    {"time", Timestamp{1795330816, 3600, 123456}},
    {"host", std::string("mx")},
    {"queue_id", std::string("NOQUEUE")},
    {"daemon", std::string("smtpd")},
    {"action", std::string("reject")},
    {"stage", std::string("RCPT")},
    {"client", std::string("unknown[203.0.113.9]")},
    {"client_addr", std::string("203.0.113.9")},
    {"reason", std::string("554 5.7.1 Service unavailable; blocked using zen.example")},
    {"from", std::string("spam@spam.test")},
    {"to", std::string("bob@example.net")},
    {"helo", std::string("spam.test")},
    {"proto", std::string("ESMTP")},
};

std::string TempPath(const char* name) {
  return ::testing::TempDir() + "/maillens_event_" + std::to_string(::getpid()) + "_" + name;
}

// The output of a writer of type W for one row of `kind`.
template <typename W>
std::string Export(RecordKind kind, const std::map<std::string, V>& row) {
  std::string path = TempPath("out.jsonl");
  std::string got;
  {
    OutputFile f;
    EXPECT_TRUE(f.Open(path).ok());
    W w(kind, &f);
    EXPECT_TRUE(w.Wants(kind));
    PutRow(&w, kind, row);
    EXPECT_TRUE(w.Finish().ok());
    EXPECT_EQ(w.rows(kind), 1u);
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(path.c_str());
  return ss.str();
}

TEST(ExportEcs, Delivery) {
  EXPECT_EQ(Export<EcsWriter>(RecordKind::kDeliveries, kDelivery),
            "{\"@timestamp\":\"2026-11-22T08:00:15+01:00\",\"ecs\":{\"version\":\"8.11.0\"},"
            "\"email\":{\"direction\":\"outbound\",\"from\":{\"address\":[\"alice@example.org\"]},"
            "\"local_id\":\"4FC2DA8A4A9\",\"message_id\":\"<id@example.org>\","
            "\"to\":{\"address\":[\"bob@example.net\"]}},"
            "\"event\":{\"action\":\"sent\",\"category\":[\"email\"],\"dataset\":\"maillens.delivery\","
            "\"kind\":\"event\",\"module\":\"postfix\",\"outcome\":\"success\",\"reason\":\"250 2.0.0 Ok\","
            "\"type\":[\"info\"]},"
            "\"host\":{\"name\":\"mx\"},"
            "\"maillens\":{\"orig_to\":\"\",\"relay\":\"mx.example.net[192.0.2.1]:25\",\"delay\":0.5,"
            "\"delay_before_qmgr\":0.1,\"delay_in_qmgr\":0.25,\"dsn\":\"2.0.0\",\"status\":\"sent\",\"size\":1234,"
            "\"next_queue_id\":\"\",\"sender_known\":true,\"recipient_domain\":\"example.net\"},"
            "\"message\":\"4FC2DA8A4A9: to=<bob@example.net>, relay=mx.example.net[192.0.2.1]:25, status=sent, "
            "dsn=2.0.0\","
            "\"process\":{\"name\":\"smtp\"},"
            "\"related\":{\"ip\":[\"198.51.100.7\"],\"user\":[\"alice\"]},"
            "\"source\":{\"address\":\"mail.example.org[198.51.100.7]\",\"domain\":\"mail.example.org\","
            "\"ip\":\"198.51.100.7\"},"
            "\"user\":{\"name\":\"alice\"}}\n");
}

TEST(ExportEcs, Message) {
  EXPECT_EQ(Export<EcsWriter>(RecordKind::kMessages, kMessage),
            "{\"@timestamp\":\"2026-11-22T08:00:15+01:00\",\"ecs\":{\"version\":\"8.11.0\"},"
            "\"email\":{\"direction\":\"inbound\",\"local_id\":\"4FC2DA8A4A9\","
            "\"message_id\":\"<id@example.org>\"},"
            "\"event\":{\"action\":\"message\",\"category\":[\"email\"],\"dataset\":\"maillens.message\","
            "\"end\":\"2026-11-22T08:00:20.250000+01:00\",\"kind\":\"event\",\"module\":\"postfix\","
            "\"outcome\":\"failure\",\"start\":\"2026-11-22T08:00:15+01:00\",\"type\":[\"info\"]},"
            "\"host\":{\"name\":\"mx\"},"
            "\"maillens\":{\"origin\":\"smtpd\",\"size\":900,\"nrcpt\":1,\"sent\":0,\"deferred\":0,\"bounced\":1,"
            "\"expired\":false,\"rejected\":false,\"held\":false,\"discarded\":false,\"removed\":true,"
            "\"notices\":0,\"parent_queue_id\":\"\",\"child_queue_ids\":\"\",\"sender_known\":true},"
            "\"message\":\"4FC2DA8A4A9: from=<>, 0 sent, 0 deferred, 1 bounced\","
            "\"related\":{\"ip\":[\"2001:db8::7\"]},"
            "\"source\":{\"address\":\"unknown[2001:db8::7]\",\"ip\":\"2001:db8::7\"}}\n");
}

TEST(ExportEcs, Reject) {
  EXPECT_EQ(Export<EcsWriter>(RecordKind::kRejects, kReject),
            "{\"@timestamp\":\"2026-11-22T08:00:16.123456+01:00\",\"ecs\":{\"version\":\"8.11.0\"},"
            "\"email\":{\"direction\":\"inbound\",\"from\":{\"address\":[\"spam@spam.test\"]},"
            "\"to\":{\"address\":[\"bob@example.net\"]}},"
            "\"event\":{\"action\":\"reject\",\"category\":[\"email\",\"network\"],\"dataset\":\"maillens.reject\","
            "\"kind\":\"event\",\"module\":\"postfix\",\"outcome\":\"failure\","
            "\"reason\":\"554 5.7.1 Service unavailable; blocked using zen.example\",\"type\":[\"denied\"]},"
            "\"host\":{\"name\":\"mx\"},"
            "\"maillens\":{\"stage\":\"RCPT\",\"helo\":\"spam.test\",\"proto\":\"ESMTP\"},"
            "\"message\":\"smtpd reject RCPT from unknown[203.0.113.9]: 554 5.7.1 Service unavailable; blocked "
            "using zen.example\","
            "\"process\":{\"name\":\"smtpd\"},"
            "\"related\":{\"ip\":[\"203.0.113.9\"]},"
            "\"source\":{\"address\":\"unknown[203.0.113.9]\",\"ip\":\"203.0.113.9\"}}\n");
}

TEST(ExportEcs, ConnectionDurationPortAndPid) {
  std::string got = Export<EcsWriter>(RecordKind::kConnections,
                                      {{"connect_time", kAt},
                                       {"duration", RealValue{"1.5", 1.5}},
                                       {"host", std::string("mx")},
                                       {"daemon", std::string("postscreen")},
                                       {"pid", int64_t{4711}},
                                       {"client", std::string("[192.0.2.9]:50123")},
                                       {"client_addr", std::string("192.0.2.9")},
                                       {"client_port", std::string("50123")},
                                       {"outcome", std::string("reject")}});
  EXPECT_NE(got.find("\"event\":{\"action\":\"session\",\"category\":[\"network\"],\"dataset\":"
                     "\"maillens.connection\",\"duration\":1500000000,\"kind\":\"event\",\"module\":\"postfix\","
                     "\"outcome\":\"failure\",\"start\":\"2026-11-22T08:00:15+01:00\","
                     "\"type\":[\"connection\",\"start\"]}"),
            std::string::npos)
      << got;
  EXPECT_NE(got.find("\"process\":{\"name\":\"postscreen\",\"pid\":4711}"), std::string::npos) << got;
  EXPECT_NE(got.find("\"source\":{\"address\":\"[192.0.2.9]:50123\",\"ip\":\"192.0.2.9\",\"port\":50123}"),
            std::string::npos)
      << got;
  EXPECT_EQ(got.find("\"disconnect_time\""), std::string::npos) << got;  // null: left out
}

TEST(ExportGelf, Delivery) {
  EXPECT_EQ(Export<GelfWriter>(RecordKind::kDeliveries, kDelivery),
            "{\"version\":\"1.1\",\"host\":\"mx\",\"short_message\":\"4FC2DA8A4A9: to=<bob@example.net>, "
            "relay=mx.example.net[192.0.2.1]:25, status=sent, dsn=2.0.0\",\"timestamp\":1795330815,\"level\":6,"
            "\"_time\":\"2026-11-22T08:00:15+01:00\",\"_queue_id\":\"4FC2DA8A4A9\","
            "\"_message_id\":\"<id@example.org>\",\"_from\":\"alice@example.org\",\"_to\":\"bob@example.net\","
            "\"_orig_to\":\"\",\"_relay\":\"mx.example.net[192.0.2.1]:25\",\"_delay\":0.5,"
            "\"_delay_before_qmgr\":0.1,\"_delay_in_qmgr\":0.25,\"_dsn\":\"2.0.0\",\"_status\":\"sent\","
            "\"_reason\":\"250 2.0.0 Ok\",\"_size\":1234,\"_client\":\"mail.example.org[198.51.100.7]\","
            "\"_sasl_user\":\"alice\",\"_daemon\":\"smtp\",\"_next_queue_id\":\"\",\"_sender_known\":1,"
            "\"_recipient_domain\":\"example.net\",\"_record\":\"deliveries\"}\n");
}

TEST(ExportGelf, MessageAndReject) {
  std::string m = Export<GelfWriter>(RecordKind::kMessages, kMessage);
  EXPECT_EQ(m.rfind("{\"version\":\"1.1\",\"host\":\"mx\",\"short_message\":\"4FC2DA8A4A9: from=<>, 0 sent, "
                    "0 deferred, 1 bounced\",\"timestamp\":1795330815,\"level\":4,"
                    "\"_first_seen\":\"2026-11-22T08:00:15+01:00\","
                    "\"_last_seen\":\"2026-11-22T08:00:20.250000+01:00\",\"_queue_id\":\"4FC2DA8A4A9\",",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find(",\"_expired\":0,\"_rejected\":0,\"_held\":0,\"_discarded\":0,\"_removed\":1,"), std::string::npos)
      << m;
  EXPECT_EQ(Export<GelfWriter>(RecordKind::kRejects, kReject),
            "{\"version\":\"1.1\",\"host\":\"mx\",\"short_message\":\"smtpd reject RCPT from unknown[203.0.113.9]: "
            "554 5.7.1 Service unavailable; blocked using zen.example\",\"timestamp\":1795330816.123456,"
            "\"level\":4,\"_time\":\"2026-11-22T08:00:16.123456+01:00\",\"_queue_id\":\"NOQUEUE\","
            "\"_daemon\":\"smtpd\",\"_action\":\"reject\",\"_stage\":\"RCPT\","
            "\"_client\":\"unknown[203.0.113.9]\",\"_client_addr\":\"203.0.113.9\","
            "\"_reason\":\"554 5.7.1 Service unavailable; blocked using zen.example\","
            "\"_from\":\"spam@spam.test\",\"_to\":\"bob@example.net\",\"_helo\":\"spam.test\","
            "\"_proto\":\"ESMTP\",\"_record\":\"rejects\"}\n");
}

// Log content chosen by an attacker: every byte below 0x20 escaped, one
// line per record, no key it can add, invalid UTF-8 replaced, and a client
// address that is not an IP left out of the ip fields.
TEST(ExportEventWriters, HostileTextIsEscaped) {
  std::map<std::string, V> row = kReject;
  const std::string inject = "x\",\"outcome\":\"success\"},\"event\":{\"kind\":\"alert";
  row["from"] = std::string("a\"b\\c\n\r\t\x01\x1b[31m\xff@x");
  row["reason"] = inject + "\nsecond line";
  row["client"] = std::string("evil\n[1.2.3.4\"]");
  row["client_addr"] = std::string("1.2.3.4\"");
  row["helo"] = std::string("\x7f\xc3\x28");
  for (const std::string& got :
       {Export<EcsWriter>(RecordKind::kRejects, row), Export<GelfWriter>(RecordKind::kRejects, row)}) {
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.find('\n'), got.size() - 1) << got;
    for (unsigned char c : got.substr(0, got.size() - 1)) EXPECT_GE(c, 0x20) << got;
    EXPECT_NE(got.find("a\\\"b\\\\c\\n\\r\\t\\u0001\\u001b[31m\\ufffd@x"), std::string::npos) << got;
    EXPECT_NE(got.find("x\\\",\\\"outcome\\\":\\\"success\\\"},\\\"event\\\":{\\\"kind\\\":\\\"alert\\nsecond line"),
              std::string::npos)
        << got;
    EXPECT_NE(got.find("evil\\n[1.2.3.4\\\"]"), std::string::npos) << got;
    EXPECT_NE(got.find("\\u007f\\ufffd("), std::string::npos) << got;
  }
  std::string ecs = Export<EcsWriter>(RecordKind::kRejects, row);
  EXPECT_EQ(ecs.find("\"ip\":"), std::string::npos) << ecs;  // not an IP address
  EXPECT_EQ(ecs.find("\"related\""), std::string::npos) << ecs;
  size_t n = 0;
  for (size_t at = ecs.find("\"outcome\":"); at != std::string::npos; at = ecs.find("\"outcome\":", at + 1)) ++n;
  EXPECT_EQ(n, 1u) << ecs;
}

}  // namespace
}  // namespace maillens::exporter
