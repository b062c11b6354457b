// loggen_output.h - the syslog line writer of maillens-loggen.
//
// Writer formats one line at a time straight into a 1 MiB buffer:
//   traditional  "Nov  2 03:04:05 host prog[pid]: text"   (day space-padded)
//   RFC 3339     "2026-11-02T03:04:05.123456+00:00 host prog[pid]: text"
// or a per-line mix of both. Simulated time is wall-clock microseconds
// since 1970 in the log's own zone; the RFC 3339 offset is only a label.
// The date part is recomputed once per simulated second.
//
// Limits: with --size the last line that would cross the limit is dropped,
// so the output never exceeds it and always ends with '\n'; with --lines
// the writer stops after that many lines. Once full, further lines are
// discarded silently and full() turns true.
//
// SEE ALSO global/format_tv.c (Postfix delay formatting, mirrored by Tv()).
#ifndef MAILLENS_BENCH_LOGGEN_OUTPUT_H_
#define MAILLENS_BENCH_LOGGEN_OUTPUT_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "loggen_rng.h"

namespace loggen {

constexpr int64_t kSecond = 1000000;  // simulated time unit is the microsecond
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// Civil - a broken-down wall-clock time.
struct Civil {
  int year, month, day, hour, minute, second;
};

// DaysFromCivil - days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// ToCivil - the wall-clock fields of a time in seconds since 1970.
inline Civil ToCivil(int64_t secs) {
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const int64_t sod = secs - days * 86400;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return Civil{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d), static_cast<int>(sod / 3600),
               static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60)};
}

// Weekday - 0 = Sunday .. 6 = Saturday for a time in microseconds.
inline int Weekday(int64_t t_us) {
  const int64_t days = t_us / kDay;
  return static_cast<int>((days + 4) % 7);
}

inline constexpr const char* kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// WriteTraditionalStamp - "Nov  2 03:04:05" (15 bytes) for a time in seconds.
inline void WriteTraditionalStamp(int64_t secs, char* out) {
  const Civil c = ToCivil(secs);
  std::memcpy(out, kMonthNames[c.month - 1], 3);
  out[3] = ' ';
  out[4] = c.day >= 10 ? static_cast<char>('0' + c.day / 10) : ' ';
  out[5] = static_cast<char>('0' + c.day % 10);
  out[6] = ' ';
  out[7] = static_cast<char>('0' + c.hour / 10);
  out[8] = static_cast<char>('0' + c.hour % 10);
  out[9] = ':';
  out[10] = static_cast<char>('0' + c.minute / 10);
  out[11] = static_cast<char>('0' + c.minute % 10);
  out[12] = ':';
  out[13] = static_cast<char>('0' + c.second / 10);
  out[14] = static_cast<char>('0' + c.second % 10);
}

enum class StampStyle { kTraditional, kRfc3339, kMixed };

class Writer {
 public:
  static constexpr size_t kBufSize = 1 << 20;
  static constexpr size_t kMaxLine = 8192;  // lines are far shorter; checked in End()

  // Writes to `f` (not owned). `utc_offset` is "+hh:mm" for RFC 3339 stamps.
  Writer(std::FILE* f, StampStyle style, std::string_view host, std::string_view utc_offset, uint64_t mix_seed,
         uint64_t max_bytes, uint64_t max_lines)
      : f_(f), style_(style), mix_(mix_seed), max_bytes_(max_bytes), max_lines_(max_lines),
        buf_(new char[kBufSize + kMaxLine]) {
    p_ = line_ = buf_.get();
    host_.reserve(host.size() + 2);
    host_.append(" ").append(host).append(" ");
    std::memcpy(offset_, utc_offset.data(), 6);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Begin - starts a line "STAMP host prog[pid]: " at time t_us.
  Writer& Begin(int64_t t_us, std::string_view prog, uint32_t pid) {
    if (p_ - buf_.get() >= static_cast<ptrdiff_t>(kBufSize)) Flush();
    line_ = p_;
    const int64_t secs = t_us / kSecond;
    if (secs != stamp_secs_) UpdateStamps(secs);
    bool rfc = style_ == StampStyle::kRfc3339;
    if (style_ == StampStyle::kMixed) rfc = (mix_.Next() >> 63) != 0;
    if (rfc) {
      std::memcpy(p_, rfc_, 19);
      p_[19] = '.';
      uint32_t us = static_cast<uint32_t>(t_us % kSecond);
      for (int i = 25; i >= 20; --i, us /= 10) p_[i] = static_cast<char>('0' + us % 10);
      std::memcpy(p_ + 26, offset_, 6);
      p_ += 32;
    } else {
      std::memcpy(p_, trad_, 15);
      p_ += 15;
    }
    S(host_).S(prog).C('[').U(pid).S("]: ");
    return *this;
  }

  // S - appends a string.
  Writer& S(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  // C - appends one character.
  Writer& C(char c) {
    *p_++ = c;
    return *this;
  }
  // U - appends an unsigned decimal.
  Writer& U(uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (n) *p_++ = tmp[--n];
    return *this;
  }
  // NA - appends "name[addr]", the namaddr form Postfix logs peers in.
  Writer& NA(std::string_view name, std::string_view addr) { return S(name).C('[').S(addr).C(']'); }
  // Z2 - appends a two-digit zero-padded number.
  Writer& Z2(unsigned v) {
    p_[0] = static_cast<char>('0' + v / 10 % 10);
    p_[1] = static_cast<char>('0' + v % 10);
    p_ += 2;
    return *this;
  }
  // Tv - appends a duration as Postfix format_tv(..., 2 significant digits,
  // 2 decimals max) prints delays: 0.03, 1.2, 11; trailing zeros dropped.
  Writer& Tv(int64_t us) {
    if (us < 0) us = 0;
    int64_t sec = us / kSecond, usec = us % kSecond;
    constexpr int64_t kWid = 100;  // 10^sig_digits
    int64_t ures = 10000;          // 10^6 / 10^max_digits
    if (sec > 0) {
      int64_t n = 1;
      while (sec >= n && n <= kWid / 10) n *= 10;
      ures = (kSecond / kWid) * n;
    }
    if (ures > 1) {
      usec += ures / 2;
      if (usec >= kSecond) {
        sec += 1;
        usec -= kSecond;
      }
    }
    U(static_cast<uint64_t>(sec));
    if (usec >= ures) {
      C('.');
      int64_t rem = usec;
      for (int64_t n = kSecond / 10; rem >= ures && n > 0; n /= 10) {
        C(static_cast<char>('0' + rem / n));
        rem %= n;
      }
    }
    return *this;
  }
  // Stamp15 - appends the "Nov  2 03:04:05" form of a time (anvil's "at %.15s").
  Writer& Stamp15(int64_t t_us) {
    WriteTraditionalStamp(t_us / kSecond, p_);
    p_ += 15;
    return *this;
  }

  // End - terminates the line, or drops it if it would cross a limit.
  void End() {
    *p_++ = '\n';
    const uint64_t len = static_cast<uint64_t>(p_ - line_);
    if (len >= kMaxLine) {
      std::fprintf(stderr, "maillens-loggen: internal error: line of %llu bytes\n",
                   static_cast<unsigned long long>(len));
      std::abort();
    }
    if (full_ || (max_bytes_ && bytes_ + len > max_bytes_)) {
      p_ = line_;
      full_ = true;
      return;
    }
    bytes_ += len;
    ++lines_;
    if (max_lines_ && lines_ >= max_lines_) full_ = true;
  }

  // Finish - writes out what is buffered; false on an I/O error.
  bool Finish() {
    Flush();
    if (std::fflush(f_) != 0) io_error_ = true;
    return !io_error_;
  }

  bool full() const { return full_ || io_error_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t lines() const { return lines_; }

 private:
  // Flush - hands complete lines to stdio (called only between lines).
  void Flush() {
    const size_t n = static_cast<size_t>(p_ - buf_.get());
    if (n && std::fwrite(buf_.get(), 1, n, f_) != n) io_error_ = true;
    p_ = line_ = buf_.get();
  }
  // UpdateStamps - recomputes both date prefixes for a new second.
  void UpdateStamps(int64_t secs) {
    stamp_secs_ = secs;
    WriteTraditionalStamp(secs, trad_);
    const Civil c = ToCivil(secs);
    std::snprintf(rfc_, sizeof rfc_, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute,
                  c.second);
  }

  std::FILE* f_;
  StampStyle style_;
  Rng mix_;  // per-line stamp choice; separate so it never perturbs the traffic
  uint64_t max_bytes_, max_lines_;
  std::unique_ptr<char[]> buf_;
  char* p_;     // write position
  char* line_;  // start of the line being built
  std::string host_;
  char offset_[6];
  int64_t stamp_secs_ = INT64_MIN;
  char trad_[16];
  char rfc_[24];
  uint64_t bytes_ = 0, lines_ = 0;
  bool full_ = false, io_error_ = false;
};

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_OUTPUT_H_
