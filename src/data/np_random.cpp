#include "data/np_random.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace groot::np {
namespace {

constexpr uint32_t kInitA = 0x43b0d7e5u, kMultA = 0x931e8875u, kInitB = 0x8b51f9ddu, kMultB = 0x58f38dedu;
constexpr uint32_t kMixL = 0xca01f9ddu, kMixR = 0x4973f715u;
constexpr int kXShift = 16, kPoolSize = 4;
const unsigned __int128 kMult = (static_cast<unsigned __int128>(0x2360ed051fc65da4ULL) << 64) | 0x4385df649fccf645ULL;

uint32_t hashmix(uint32_t value, uint32_t& hash_const) {
  value ^= hash_const;
  hash_const *= kMultA;
  value *= hash_const;
  value ^= value >> kXShift;
  return value;
}
uint32_t mix(uint32_t x, uint32_t y) {
  uint32_t r = kMixL * x - kMixR * y;
  return r ^ (r >> kXShift);
}
unsigned __int128 u128(uint64_t hi, uint64_t lo) { return (static_cast<unsigned __int128>(hi) << 64) | lo; }

}  // namespace

std::vector<uint32_t> seed_sequence_state(uint64_t entropy, int n_words) {
  std::vector<uint32_t> ent;  // _coerce_to_uint32_array: little-endian 32-bit words, 0 -> [0]
  do {
    ent.push_back(static_cast<uint32_t>(entropy & 0xffffffffu));
    entropy >>= 32;
  } while (entropy);
  uint32_t pool[kPoolSize];
  uint32_t hc = kInitA;
  for (int i = 0; i < kPoolSize; ++i) pool[i] = hashmix(i < int(ent.size()) ? ent[i] : 0u, hc);
  for (int s = 0; s < kPoolSize; ++s)
    for (int d = 0; d < kPoolSize; ++d)
      if (s != d) pool[d] = mix(pool[d], hashmix(pool[s], hc));
  for (size_t s = kPoolSize; s < ent.size(); ++s)
    for (int d = 0; d < kPoolSize; ++d) pool[d] = mix(pool[d], hashmix(ent[s], hc));
  std::vector<uint32_t> out(n_words);
  uint32_t hb = kInitB;
  for (int i = 0; i < n_words; ++i) {
    uint32_t v = pool[i % kPoolSize];
    v ^= hb;
    hb *= kMultB;
    v *= hb;
    v ^= v >> kXShift;
    out[i] = v;
  }
  return out;
}

bool Pcg64::State::operator==(const State& o) const {
  return state_hi == o.state_hi && state_lo == o.state_lo && inc_hi == o.inc_hi && inc_lo == o.inc_lo &&
         has_uint32 == o.has_uint32 && uinteger == o.uinteger;
}

Pcg64::Pcg64(uint64_t seed) {
  std::vector<uint32_t> w = seed_sequence_state(seed, 8);
  uint64_t v[4];
  for (int i = 0; i < 4; ++i) v[i] = uint64_t(w[2 * i]) | (uint64_t(w[2 * i + 1]) << 32);  // view(uint64)
  unsigned __int128 s = u128(v[0], v[1]), seq = u128(v[2], v[3]);
  inc_ = (seq << 1) | 1u;
  state_ = 0;
  state_ = state_ * kMult + inc_;
  state_ += s;
  state_ = state_ * kMult + inc_;
}

uint64_t Pcg64::next64() {
  state_ = state_ * kMult + inc_;
  uint64_t hi = static_cast<uint64_t>(state_ >> 64), lo = static_cast<uint64_t>(state_);
  unsigned rot = static_cast<unsigned>(state_ >> 122);
  uint64_t x = hi ^ lo;
  return (x >> rot) | (x << ((64 - rot) & 63));
}

uint32_t Pcg64::next32() {
  if (has_uint32_) {
    has_uint32_ = false;
    return uinteger_;
  }
  uint64_t n = next64();
  has_uint32_ = true;
  uinteger_ = static_cast<uint32_t>(n >> 32);
  return static_cast<uint32_t>(n & 0xffffffffu);
}

double Pcg64::random() { return static_cast<double>(next64() >> 11) * (1.0 / 9007199254740992.0); }

uint64_t Pcg64::random_interval(uint64_t max) {
  if (max == 0) return 0;
  uint64_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  uint64_t v;
  if (max <= 0xffffffffULL) {
    while ((v = (next32() & mask)) > max) {
    }
  } else {
    while ((v = (next64() & mask)) > max) {
    }
  }
  return v;
}

std::vector<int64_t> Pcg64::permutation(int64_t n) {
  std::vector<int64_t> a(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (int64_t i = 0; i < n; ++i) a[i] = i;
  shuffle(a);
  return a;
}

std::vector<int64_t> Pcg64::choice(int64_t n, int64_t size, const std::vector<double>& p) {
  if (n <= 0) fail("choice: a must be a positive integer, got ", n);
  if (int64_t(p.size()) != n) fail("choice: p has ", p.size(), " entries for a population of ", n);
  // numpy: kahan_sum(p) within sqrt(float64 eps) of 1, no negative entry.
  double sum = 0, c = 0;
  for (double x : p) {
    if (!(x >= 0)) fail("choice: probabilities are not non-negative (", x, ")");
    double y = x - c, t = sum + y;
    c = (t - sum) - y;
    sum = t;
  }
  if (std::fabs(sum - 1.0) > std::sqrt(2.220446049250313e-16)) fail("choice: probabilities do not sum to 1 (", sum, ")");
  std::vector<double> cdf(p.size());
  double acc = 0;
  for (size_t i = 0; i < p.size(); ++i) cdf[i] = acc += p[i];
  double last = cdf.back();
  for (double& x : cdf) x /= last;
  std::vector<int64_t> out(static_cast<size_t>(size));
  for (auto& o : out) o = std::upper_bound(cdf.begin(), cdf.end(), random()) - cdf.begin();
  return out;
}

Pcg64::State Pcg64::state() const {
  State s;
  s.state_hi = static_cast<uint64_t>(state_ >> 64);
  s.state_lo = static_cast<uint64_t>(state_);
  s.inc_hi = static_cast<uint64_t>(inc_ >> 64);
  s.inc_lo = static_cast<uint64_t>(inc_);
  s.has_uint32 = has_uint32_;
  s.uinteger = uinteger_;
  return s;
}

void Pcg64::set_state(const State& s) {
  state_ = u128(s.state_hi, s.state_lo);
  inc_ = u128(s.inc_hi, s.inc_lo);
  has_uint32_ = s.has_uint32;
  uinteger_ = s.uinteger;
}

}  // namespace groot::np
