// loggen_rng.h - deterministic random numbers for maillens-loggen.
//
// Rng is xoshiro256** seeded through splitmix64, so one --seed gives one
// stream. Every draw that shapes the output is integer arithmetic: uniform
// ranges (Lemire's multiply-shift), Bernoulli trials in parts per million,
// exponential variates through a fixed-point log2, piecewise-linear quantile
// tables and skewed "popularity" picks. With no floating point on the output
// path, libm versions and FMA contraction cannot make two builds disagree:
// the same seed and options give byte-identical logs everywhere.
#ifndef MAILLENS_BENCH_LOGGEN_RNG_H_
#define MAILLENS_BENCH_LOGGEN_RNG_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace loggen {

// A probability in parts per million, converted at compile time.
consteval uint32_t Ppm(double p) { return static_cast<uint32_t>(p * 1e6 + 0.5); }

// splitmix64 - one step of the seed expander (Steele, Lea, Flood 2014).
inline uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& w : s_) w = SplitMix64(&x);
  }

  // Next - xoshiro256** (Blackman, Vigna 2018).
  uint64_t Next() {
    const uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  // Below - uniform in [0, n); n must be > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

  // Range - uniform in [lo, hi], inclusive.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }

  // Chance - true with probability ppm / 1e6.
  bool Chance(uint32_t ppm) { return Below(1000000) < ppm; }

  // Skewed - index in [0, n) where low indices are popular: the product of
  // `k` uniforms, so with k=2 the top 10% of a pool get about a third of the picks.
  uint64_t Skewed(uint64_t n, int k = 2) {
    uint64_t v = n;
    for (int i = 0; i < k; ++i) v = static_cast<uint64_t>((static_cast<unsigned __int128>(v) * (Next() >> 32)) >> 32);
    return v < n ? v : n - 1;
  }

  // Log2Q20 - log2(x) in Q20 fixed point for x > 0, by repeated squaring of the mantissa.
  static uint64_t Log2Q20(uint64_t x) {
    const int k = 63 - std::countl_zero(x);
    uint64_t m = k >= 62 ? x >> (k - 62) : x << (62 - k);  // mantissa in Q62, [1, 2)
    uint64_t frac = 0;
    for (int i = 0; i < 20; ++i) {
      m = static_cast<uint64_t>((static_cast<unsigned __int128>(m) * m) >> 62);
      frac <<= 1;
      if (m >= (1ull << 63)) {
        m >>= 1;
        frac |= 1;
      }
    }
    return (static_cast<uint64_t>(k) << 20) + frac;
  }

  // Exp2Q30 - 2^(f / 2^16) in Q30 for 0 <= f < 2^16, as a product of 2^(2^-i).
  static uint64_t Exp2Q30(uint32_t f) {
    static constexpr uint64_t kRoot[16] = {1518500250, 1276901417, 1170923762, 1121280436, 1097253708, 1085434106,
                                           1079572136, 1076653033, 1075196443, 1074468888, 1074105294, 1073923544,
                                           1073832680, 1073787251, 1073764537, 1073753181};  // 2^(2^-(i+1)) in Q30
    uint64_t r = 1ull << 30;
    for (int i = 0; i < 16; ++i)
      if (f & (0x8000u >> i)) r = (r * kRoot[i]) >> 30;
    return r;
  }

  // Popular - a popularity-weighted index in [0, n): mostly Skewed(n), with a
  // uniform floor so that every pool entry turns up early in a log. This keeps
  // the set of distinct senders, recipients and hosts nearly the same at
  // 100 MB as at 1 GB.
  uint64_t Popular(uint64_t n) { return Below(5) ? Skewed(n) : Below(n); }

  // ExpQ32 - a standard exponential variate -ln(U) in Q32 fixed point.
  uint64_t ExpQ32() {
    // -ln(x / 2^64) = (64 - log2 x) * ln 2
    const uint64_t neg_log2_q20 = (uint64_t{64} << 20) - Log2Q20(Next() | 1);
    constexpr uint64_t kLn2Q32 = 2977044472ull;  // round(ln 2 * 2^32)
    return static_cast<uint64_t>((static_cast<unsigned __int128>(neg_log2_q20) * kLn2Q32) >> 20);
  }

  // LogUniform - uniform in log space over [lo, hi] (0 < lo <= hi < 2^40): a heavy tail.
  int64_t LogUniform(int64_t lo, int64_t hi) {
    const uint64_t span_q20 = Log2Q20(static_cast<uint64_t>(hi)) - Log2Q20(static_cast<uint64_t>(lo));
    const uint64_t e_q16 = (span_q20 >> 4) * Below(65536) >> 16;  // exponent in Q16
    const uint64_t scaled = (static_cast<uint64_t>(lo) * Exp2Q30(static_cast<uint32_t>(e_q16 & 0xFFFF))) >> 30;
    return static_cast<int64_t>(scaled << (e_q16 >> 16));
  }

  // Exp - exponential variate with the given mean (any integer unit).
  int64_t Exp(int64_t mean) {
    if (mean <= 0) return 0;
    return static_cast<int64_t>((static_cast<unsigned __int128>(mean) * ExpQ32()) >> 32);
  }

  // Quantile - a draw from the piecewise-linear distribution whose
  // equally spaced quantiles are q[0] (min) .. q[n-1] (max).
  int64_t Quantile(std::span<const int64_t> q) {
    const uint64_t r = Below(static_cast<uint64_t>(q.size() - 1) << 16);
    const size_t i = r >> 16;
    const int64_t f = static_cast<int64_t>(r & 0xFFFF);
    return q[i] + (((q[i + 1] - q[i]) * f) >> 16);
  }

  // Pick - a uniformly chosen element of a non-empty vector.
  template <class T>
  const T& Pick(const std::vector<T>& v) { return v[Below(v.size())]; }
  template <class T, size_t N>
  const T& Pick(const T (&a)[N]) { return a[Below(N)]; }

  // Weighted - index i with probability w[i] / sum(w).
  size_t Weighted(std::span<const uint32_t> w) {
    uint64_t total = 0;
    for (uint32_t x : w) total += x;
    uint64_t r = Below(total);
    for (size_t i = 0; i < w.size(); ++i) {
      if (r < w[i]) return i;
      r -= w[i];
    }
    return w.size() - 1;
  }

  // Fork - a seed for an independent sub-stream.
  uint64_t Fork() { return Next() ^ 0x5DEECE66Dull; }

 private:
  uint64_t s_[4];
};

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_RNG_H_
