// anonymize_test.cc - Crypto-PAn against its published vectors; pseudonym shapes; the scrubber.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "anonymize/anonymizer.h"
#include "anonymize/crypto_pan.h"
#include "anonymize/key_file.h"

namespace maillens::anonymize {
namespace {

// The sample key of the Crypto-PAn reference distribution (sample.cpp), and
// address pairs from its sample_trace_raw.dat / sample_trace_sanitized.dat, as
// listed in Yawning/cryptopan cryptopan_test.go (TestCryptopanIPv4; the IPv6
// pairs are that file's TestCryptopanIPv6, the same construction over 128
// bits). The same pairs are in noinkling/node-cryptopan src/test/test_data.ts.
constexpr std::array<uint8_t, 32> kReferenceKey = {21,  34,  23,  141, 51,  164, 207, 128, 19,  10, 91,
                                                   22,  73,  144, 125, 16,  216, 152, 143, 131, 121, 121,
                                                   101, 39,  98,  87,  76,  45,  42,  132, 34,  2};
constexpr std::pair<const char*, const char*> kV4Vectors[] = {
    {"128.11.68.132", "135.242.180.132"}, {"129.118.74.4", "134.136.186.123"},
    {"130.132.252.244", "133.68.164.234"}, {"141.223.7.43", "141.167.8.160"},
    {"141.233.145.108", "141.129.237.235"}, {"152.163.225.39", "151.140.114.167"},
    {"156.29.3.236", "147.225.12.42"},     {"165.247.96.84", "162.9.99.234"},
    {"166.107.77.190", "160.132.178.185"}, {"192.102.249.13", "252.138.62.131"},
    {"192.215.32.125", "252.43.47.189"},   {"192.233.80.103", "252.25.108.8"},
    {"192.41.57.43", "252.222.221.184"},   {"193.150.244.223", "253.169.52.216"},
    {"195.205.63.100", "255.186.223.5"},   {"198.200.171.101", "249.199.68.213"},
    {"198.26.132.101", "249.36.123.202"},  {"198.36.213.5", "249.7.21.132"},
    {"198.51.77.238", "249.18.186.254"},   {"199.217.79.101", "248.38.184.213"},
    {"202.49.198.20", "245.206.7.234"},    {"203.12.160.252", "244.248.163.4"},
    {"204.184.162.189", "243.192.77.90"},  {"204.202.136.230", "243.178.4.198"},
    {"204.29.20.4", "243.33.20.123"},      {"205.178.38.67", "242.108.198.51"},
    {"205.188.147.153", "242.96.16.101"},  {"205.188.248.25", "242.96.88.27"},
    {"205.245.121.43", "242.21.121.163"},  {"207.105.49.5", "241.118.205.138"},
    {"207.135.65.238", "241.202.129.222"}, {"207.155.9.214", "241.220.250.22"},
    {"207.188.7.45", "241.255.249.220"},   {"207.25.71.27", "241.33.119.156"},
    {"207.33.151.131", "241.1.233.131"},   {"208.147.89.59", "227.237.98.191"},
    {"208.234.120.210", "227.154.67.17"},  {"208.28.185.184", "227.39.94.90"},
    {"208.52.56.122", "227.8.63.165"},     {"209.12.231.7", "226.243.167.8"},
    {"209.238.72.3", "226.6.119.243"},     {"209.246.74.109", "226.22.124.76"},
    {"209.68.60.238", "226.184.220.233"},  {"209.85.249.6", "226.170.70.6"},
    {"212.120.124.31", "228.135.163.231"}, {"212.146.8.236", "228.19.4.234"},
    {"212.186.227.154", "228.59.98.98"},   {"212.204.172.118", "228.71.195.169"},
    {"212.206.130.201", "228.69.242.193"}, {"216.148.237.145", "235.84.194.111"},
    {"216.157.30.252", "235.89.31.26"},    {"216.184.159.48", "235.96.225.78"},
    {"216.227.10.221", "235.28.253.36"},   {"216.254.18.172", "235.7.16.162"},
    {"216.32.132.250", "235.192.139.38"},  {"216.35.217.178", "235.195.157.81"},
    {"24.0.250.221", "100.15.198.226"},    {"24.13.62.231", "100.2.192.247"},
    {"24.14.213.138", "100.1.42.141"},     {"24.5.0.80", "100.9.15.210"},
    {"24.7.198.88", "100.10.6.25"},        {"24.94.26.44", "100.88.228.35"},
    {"38.15.67.68", "64.3.66.187"},        {"4.3.88.225", "124.60.155.63"},
    {"63.14.55.111", "95.9.215.7"},        {"63.195.241.44", "95.179.238.44"},
    {"63.97.7.140", "95.97.9.123"},        {"64.14.118.196", "0.255.183.58"},
    {"64.34.154.117", "0.221.154.117"},    {"64.39.15.238", "0.219.7.41"},
    {"10.185.25.118", "117.161.29.118"},
};
constexpr std::pair<const char*, const char*> kV6Vectors[] = {
    {"::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed"},
    {"::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef"},
    {"::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838"},
    {"2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e"},
    {"2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c"},
};

TEST(CryptoPan, ReferenceIpv4Vectors) {
  CryptoPan pan(kReferenceKey);
  for (const auto& [in, want] : kV4Vectors) {
    in_addr a, w;
    ASSERT_EQ(inet_pton(AF_INET, in, &a), 1);
    ASSERT_EQ(inet_pton(AF_INET, want, &w), 1);
    EXPECT_EQ(pan.Anonymize4(ntohl(a.s_addr)), ntohl(w.s_addr)) << in;
  }
}

TEST(CryptoPan, Ipv6Vectors) {
  CryptoPan pan(kReferenceKey);
  for (const auto& [in, want] : kV6Vectors) {
    uint8_t a[16], w[16], got[16];
    ASSERT_EQ(inet_pton(AF_INET6, in, a), 1);
    ASSERT_EQ(inet_pton(AF_INET6, want, w), 1);
    pan.Anonymize6(a, got);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(got), 16), std::string(reinterpret_cast<char*>(w), 16)) << in;
  }
}

TEST(CryptoPan, PrefixPreserving) {
  CryptoPan pan(kReferenceKey);
  uint32_t a = pan.Anonymize4(0xC0000201), b = pan.Anonymize4(0xC00002FE), c = pan.Anonymize4(0xC0000301);
  EXPECT_EQ(a >> 8, b >> 8);  // one /24 stays one /24
  EXPECT_EQ(a >> 9, c >> 9);  // 192.0.2/23 shared with 192.0.3.1
  EXPECT_NE(a >> 8, c >> 8);
}

std::array<uint8_t, 32> TestKey() {
  std::array<uint8_t, 32> k;
  for (int i = 0; i < 32; ++i) k[i] = static_cast<uint8_t>(i * 7 + 1);
  return k;
}

std::string Anon(Anonymizer* a, std::string_view line) {
  std::string out;
  a->Line(line, &out);
  return out;
}

TEST(Anonymizer, ShapeIsKeptAndCaseInsensitivelyConsistent) {
  Anonymizer a(TestKey(), Options::Defaults());
  std::string p1, p2, p3;
  a.Address("John.Smith-42@example.com", &p1);
  ASSERT_EQ(p1.size(), std::string("John.Smith-42@example.com").size());
  EXPECT_EQ(p1.substr(p1.find('@')), "@example.com");  // domains kept by default
  EXPECT_NE(p1, "John.Smith-42@example.com");
  EXPECT_TRUE(p1[0] >= 'A' && p1[0] <= 'Z');
  EXPECT_TRUE(p1[1] >= 'a' && p1[1] <= 'z');
  EXPECT_EQ(p1[4], '.');
  EXPECT_EQ(p1[10], '-');
  EXPECT_TRUE(p1[11] >= '0' && p1[11] <= '9');
  a.Address("john.smith-42@example.com", &p2);
  for (size_t i = 0; i < p1.size(); ++i) EXPECT_EQ(std::tolower(p1[i]), p2[i]);
  // Another Anonymizer with the same key: the same pseudonym (runs, files, hosts).
  Anonymizer b(TestKey(), Options::Defaults());
  b.Address("John.Smith-42@example.com", &p3);
  EXPECT_EQ(p1, p3);
  // Another key: another pseudonym.
  std::array<uint8_t, 32> other = TestKey();
  other[0] ^= 1;
  Anonymizer c(other, Options::Defaults());
  std::string p4;
  c.Address("John.Smith-42@example.com", &p4);
  EXPECT_NE(p1, p4);
}

TEST(Anonymizer, VerpSrsAndBatvHideTheEmbeddedAddress) {
  Anonymizer a(TestKey(), Options::Defaults());
  std::string user, verp, srs, batv;
  a.Name("alice", &user);
  a.Address("bounce+alice=example.org@lists.example.net", &verp);
  EXPECT_EQ(verp.find("alice"), std::string::npos);
  EXPECT_NE(verp.find("+" + user + "=example.org@lists.example.net"), std::string::npos) << verp;
  a.Address("SRS0=HHH=TT=example.org=alice@forwarder.example", &srs);
  EXPECT_EQ(srs.find("alice"), std::string::npos);
  EXPECT_EQ(srs.substr(0, 5), "SRS0=");
  EXPECT_NE(srs.find("=example.org=" + user + "@forwarder.example"), std::string::npos) << srs;
  a.Address("prvs=1234abcd=alice@example.org", &batv);
  EXPECT_EQ(batv.substr(0, 5), "prvs=");
  EXPECT_NE(batv.find("=" + user + "@example.org"), std::string::npos) << batv;
}

TEST(Anonymizer, DomainModes) {
  Options o = Options::Defaults();
  o.domains = DomainMode::kMap;
  o.keep_domains = {"Example.COM"};
  Anonymizer a(TestKey(), o);
  std::string kept, mapped, sub, host;
  a.Address("bob@example.com", &kept);
  EXPECT_EQ(kept.substr(kept.find('@')), "@example.com");
  a.Address("bob@other.org", &mapped);
  EXPECT_EQ(mapped.substr(mapped.size() - 4), ".org");
  EXPECT_EQ(mapped.find("other"), std::string::npos);
  a.Domain("mail.other.org", &sub);
  EXPECT_EQ(sub.substr(sub.find('.') + 1), mapped.substr(mapped.find('@') + 1)) << sub << " " << mapped;
  a.Host("dsl-84-1-2-3.example.com", &host);
  EXPECT_EQ(host.substr(host.find('.')), ".example.com");
  EXPECT_EQ(host.find("84-1-2-3"), std::string::npos);
}

TEST(Anonymizer, PostfixLinesKeepTheirShape) {
  Anonymizer a(TestKey(), Options::Defaults());
  std::string in =
      "Dec  7 10:00:01 mx1 postfix/smtpd[123]: NOQUEUE: reject: RCPT from mail.client.example[192.0.2.7]: "
      "550 5.1.1 <carol@example.org>: Recipient address rejected: User unknown in local recipient table; "
      "from=<dave@sender.example> to=<carol@example.org> proto=ESMTP helo=<desktop-ab12>";
  std::string out = Anon(&a, in);
  EXPECT_EQ(out.substr(0, 45), in.substr(0, 45));
  for (const char* gone : {"carol", "dave", "192.0.2.7", "desktop-ab12", "mail.client"})
    EXPECT_EQ(out.find(gone), std::string::npos) << gone << ": " << out;
  // The address in the reply text and in to=<> get one pseudonym.
  std::string carol;
  a.Address("carol@example.org", &carol);
  size_t first = out.find(carol);
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find(carol, first + 1), std::string::npos) << out;
  EXPECT_NE(out.find("Recipient address rejected: User unknown in local recipient table; from=<"),
            std::string::npos);
  EXPECT_NE(out.find(".client.example["), std::string::npos) << out;  // registered domain kept
}

TEST(Anonymizer, CommandCountsAreNotHostNames) {
  Anonymizer a(TestKey(), Options::Defaults());
  std::string in = "Dec  7 10:00:02 mx1 postfix/smtpd[123]: disconnect from unknown[192.0.2.7] helo=1 ehlo=2/3 "
                   "auth=0/1 quit=1 commands=3/5";
  std::string out = Anon(&a, in);
  EXPECT_NE(out.find("] helo=1 ehlo=2/3 auth=0/1 quit=1 commands=3/5"), std::string::npos) << out;
}

// Options::only (maillens forget): the one person's values, nothing else.
TEST(Anonymizer, OnlyThePersonIsPseudonymised) {
  Options o;
  o.only = "Carol@Example.org";
  Anonymizer a(TestKey(), o);
  Anonymizer all(TestKey(), Options{});
  std::string carol;
  all.Address("carol@example.org", &carol);
  std::string in =
      "Dec  7 10:00:01 mx1 postfix/smtpd[123]: NOQUEUE: reject: RCPT from mail.client.example[192.0.2.7]: "
      "550 5.1.1 <CAROL@example.org>: Recipient address rejected; from=<list+carol=example.org@lists.example> "
      "to=<carol@example.org> proto=ESMTP helo=<desktop-ab12>";
  std::string out = Anon(&a, in);
  std::string want = in;
  for (size_t p; (p = want.find("carol@example.org")) != std::string::npos;) want.replace(p, 17, carol);
  std::string upper;
  all.Address("CAROL@example.org", &upper);
  want.replace(want.find("CAROL@example.org"), 17, upper);
  std::string local = carol.substr(0, carol.find('@'));
  want.replace(want.find("+carol="), 7, "+" + local + "=");
  EXPECT_EQ(out, want);
  // Another person's line: every byte kept, even the parser's spans.
  std::string other = "Dec  7 10:00:03 mx1 postfix/smtp[9]: 4A2B: to=<dave@example.org>, relay=mx.example[192.0.2.9]:25, "
                      "delay=1, dsn=2.0.0, status=sent (250 ok: <carolx@example.org>)";
  EXPECT_EQ(Anon(&a, other), other);
  Options ip;
  ip.only = "192.0.2.9";
  Anonymizer b(TestKey(), ip);
  out = Anon(&b, other);
  EXPECT_EQ(out.find("192.0.2.9"), std::string::npos) << out;
  EXPECT_EQ(out.substr(0, 60), other.substr(0, 60));
  EXPECT_NE(out.find("dave@example.org"), std::string::npos) << out;
}

TEST(Anonymizer, FreeTextAndDovecot) {
  Anonymizer a(TestKey(), Options::Defaults());
  std::string bounce = Anon(&a,
      "Dec  7 10:00:02 mx1 postfix/smtp[9]: 4F2A31C0B1: to=<erin@far.example>, relay=mx.far.example[203.0.113.9]:25, "
      "delay=1, delays=0.1/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.far.example[203.0.113.9] said: 550 5.1.1 "
      "<erin@far.example>... User unknown; sent by 2001:db8:1::25 for frank@near.example (in reply to RCPT TO command))");
  for (const char* gone : {"erin", "203.0.113.9", "2001:db8:1::25", "frank"})
    EXPECT_EQ(bounce.find(gone), std::string::npos) << gone << ": " << bounce;
  EXPECT_NE(bounce.find("dsn=5.1.1, status=bounced (host "), std::string::npos) << bounce;
  std::string dove = Anon(&a,
      "Dec  7 10:00:03 mx1 dovecot: auth: passwd-file(grace,198.51.100.4): unknown user");
  EXPECT_EQ(dove.find("grace"), std::string::npos) << dove;
  EXPECT_EQ(dove.find("198.51.100.4"), std::string::npos) << dove;
  std::string login = Anon(&a,
      "Dec  7 10:00:04 mx1 dovecot: imap-login: Login: user=<heidi@example.org>, method=PLAIN, rip=[IPv6:2001:db8::7], "
      "lip=127.0.0.1, mpid=42, TLS");
  EXPECT_EQ(login.find("heidi"), std::string::npos) << login;
  EXPECT_EQ(login.find("2001:db8::7"), std::string::npos) << login;
  EXPECT_NE(login.find("lip=127.0.0.1,"), std::string::npos) << login;  // loopback kept by default
  std::string sasl = Anon(&a,
      "Dec  7 10:00:05 mx1 postfix/smtpd[7]: 8A1B2C3D4E: client=unknown[192.0.2.200], sasl_method=PLAIN, "
      "sasl_username=ivan");
  EXPECT_EQ(sasl.find("ivan"), std::string::npos) << sasl;
  EXPECT_NE(sasl.find("client=unknown["), std::string::npos) << sasl;
  std::string mid = Anon(&a, "Dec  7 10:00:06 mx1 postfix/cleanup[8]: 8A1B2C3D4E: message-id=<20261207.abc123@host.example.org>");
  EXPECT_EQ(mid.find("abc123"), std::string::npos) << mid;
  EXPECT_NE(mid.find(".example.org>"), std::string::npos) << mid;
  EXPECT_NE(mid.find(": 8A1B2C3D4E: message-id=<"), std::string::npos) << mid;
}

TEST(Anonymizer, IdentitiesInHeadersAndOddPlaces) {
  Anonymizer a(TestKey(), Options::Defaults());
  // An IP in the syslog name (postfix-IP/smtp) and a DNSBL query name.
  std::string prog = Anon(&a, "Sep 16 00:07:43 node7 postfix-10.20.30.40/smtp[3022]: warning: dnsblog_query: lookup "
                              "error for DNS query 4.3.2.1.zen.example.org: Host not found");
  EXPECT_EQ(prog.find("10.20.30.40"), std::string::npos) << prog;
  EXPECT_EQ(prog.find("4.3.2.1"), std::string::npos) << prog;
  EXPECT_NE(prog.find("/smtp[3022]: warning: dnsblog_query"), std::string::npos) << prog;
  // The reversed pseudonym is the pseudonym of 1.2.3.4, reversed.
  std::string ip;
  a.Ip("1.2.3.4", &ip);
  unsigned b1, b2, b3, b4;
  ASSERT_EQ(std::sscanf(ip.c_str(), "%u.%u.%u.%u", &b1, &b2, &b3, &b4), 4);
  EXPECT_NE(prog.find(std::to_string(b4) + "." + std::to_string(b3) + "." + std::to_string(b2) + "." +
                      std::to_string(b1) + "."),
            std::string::npos)
      << prog << " " << ip;
  // A HELO repeated bare in the reply text; a Received: header; smtpd's hostname warning; paths.
  std::string helo = Anon(&a, "Jul 18 23:12:56 mx postfix/smtpd[8738]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 "
                              "5.7.1 <pc1.bad.example>: Helo command rejected: match pc1.bad.example; from=<a@b.example> "
                              "to=<c@d.example> proto=SMTP helo=<pc1.bad.example>");
  EXPECT_EQ(helo.find("pc1."), std::string::npos) << helo;
  std::string rcvd = Anon(&a, "Jan  8 19:42:13 mx postfix/cleanup[1]: 1F5A2194AA9: replace: header Received: from "
                              "laptop.home.example (client.example.com [192.0.2.9]) by mx: Received");
  EXPECT_EQ(rcvd.find("laptop"), std::string::npos) << rcvd;
  EXPECT_EQ(rcvd.find("client.example.com"), std::string::npos) << rcvd;
  std::string res = Anon(&a, "Nov  2 01:06:51 mx postfix/smtpd[1598]: warning: hostname mail.arbor.example does not "
                             "resolve to address 192.0.2.77");
  EXPECT_EQ(res.find("mail.arbor"), std::string::npos) << res;
  EXPECT_NE(res.find(" does not resolve to address "), std::string::npos) << res;
  std::string path = Anon(&a, "Nov  2 01:06:51 mx postfix/local[9]: 1A2B3C: to=<bob@example.org>, relay=local, "
                              "delay=0, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/bob for user bob. "
                              "error writing message: File too large)");
  std::string bob;
  a.Name("bob", &bob);
  EXPECT_EQ(path.find("bob"), std::string::npos) << path;
  EXPECT_NE(path.find("/var/mail/" + bob + " for user " + bob + ". error"), std::string::npos) << path;
}

TEST(KeyFile, CreatedPrivateAndReloaded) {
  char dir[] = "/tmp/maillens-key-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/key";
  std::array<uint8_t, 32> k1{}, k2{};
  bool created = false;
  ASSERT_TRUE(LoadOrCreateKey(path, &k1, &created).ok());
  EXPECT_TRUE(created);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(LoadOrCreateKey(path, &k2, &created).ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(k1, k2);
  chmod(path.c_str(), 0644);
  EXPECT_FALSE(LoadOrCreateKey(path, &k2, &created).ok());
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace maillens::anonymize
