// numpy's random streams, reproduced exactly (no numpy needed): np.random.default_rng(seed) =
// Generator(PCG64(SeedSequence(seed))), and the Generator methods Isaac-GR00T's data pipeline calls
// (random, shuffle, permutation, choice with p). Same seed -> the same numbers as numpy >= 1.17.
//
//   SeedSequence(entropy): entropy int -> uint32 words (little-endian, 0 -> [0]); pool of 4 words
//     mixed with hashmix (INIT_A 0x43b0d7e5, MULT_A 0x931e8875) and mix (L 0xca01f9dd, R 0x4973f715,
//     xorshift 16); generate_state(n) hashes the pool cyclically (INIT_B 0x8b51f9dd, MULT_B 0x58f38ded).
//   PCG64: 128-bit LCG, multiplier 0x2360ed051fc65da44385df649fccf645; seeded from generate_state(4,
//     uint64) = {s_hi, s_lo, i_hi, i_lo}: inc = (i << 1) | 1, state = 0, step, state += s, step.
//     Output XSL-RR: rotr64(hi ^ lo, state >> 122) of the stepped state. next32 hands out the low half
//     of a 64-bit draw and buffers the high half for the next call (has_uint32 / uinteger).
//   random():           (next64 >> 11) * 2^-53
//   random_interval(m): smallest all-ones mask >= m; draw (next32 if m <= 2^32-1 else next64) & mask
//                       until <= m
//   shuffle(x):         for i = n-1 .. 1: j = random_interval(i); swap(x[i], x[j])  (ndarray and list)
//   permutation(n):     arange(n) shuffled
//   choice(n, size, p): cdf = cumsum(p) (sequential), cdf /= cdf[-1]; u = random() x size;
//                       index = searchsorted(cdf, u, side='right')
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace groot::np {

// SeedSequence(entropy).generate_state(n_words, uint32).
std::vector<uint32_t> seed_sequence_state(uint64_t entropy, int n_words);

class Pcg64 {
 public:
  // Complete generator state (numpy's bit_generator.state: state, inc, has_uint32, uinteger).
  struct State {
    uint64_t state_hi = 0, state_lo = 0, inc_hi = 0, inc_lo = 0;
    bool has_uint32 = false;
    uint32_t uinteger = 0;
    bool operator==(const State& o) const;
  };

  explicit Pcg64(uint64_t seed);  // np.random.default_rng(seed)
  explicit Pcg64(const State& s) { set_state(s); }

  uint64_t next64();
  uint32_t next32();
  double random();                        // Generator.random()
  uint64_t random_interval(uint64_t max);  // uniform in [0, max]

  template <typename T>
  void shuffle(std::vector<T>& x) {       // Generator.shuffle
    for (size_t i = x.size(); i-- > 1;) std::swap(x[i], x[random_interval(i)]);
  }
  std::vector<int64_t> permutation(int64_t n);  // Generator.permutation(int)
  // Generator.choice(n, size=size, p=p) (replace=True). p must have n entries summing to 1 within
  // sqrt(eps) and no negative entry (numpy's ValueError becomes groot::Error).
  std::vector<int64_t> choice(int64_t n, int64_t size, const std::vector<double>& p);

  State state() const;
  void set_state(const State& s);

 private:
  unsigned __int128 state_ = 0, inc_ = 0;
  bool has_uint32_ = false;
  uint32_t uinteger_ = 0;
};

}  // namespace groot::np
