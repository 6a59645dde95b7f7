// numpy-exact random streams (data/np_random.h) and upstream's shard / mixture sample order
// (data/sampler.h). Reference numbers: numpy's published outputs (docs and widely quoted examples),
// and upstream's rules re-computed here independently (plain loops over the verified primitives).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "data/lerobot.h"
#include "data/np_random.h"
#include "data/sampler.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot;
using namespace groot::data;

TEST(NpRandom, PublishedNumpyValues) {
  // numpy: np.random.default_rng(42).random(5) = [0.77395605, 0.43887844, 0.85859792, 0.69736803, 0.09417735]
  // np.random.default_rng(0).random() = 0.6369616873214543; default_rng(12345).random() =
  // 0.22733602246716966 (numpy "Random Generator" quick start). These cover SeedSequence, PCG64
  // seeding, the XSL-RR output and random().
  np::Pcg64 r42(42);
  const double want42[5] = {0.77395605, 0.43887844, 0.85859792, 0.69736803, 0.09417735};
  EXPECT_DOUBLE_EQ(r42.random(), 0.7739560485559633);
  for (int i = 1; i < 5; ++i) EXPECT_NEAR(r42.random(), want42[i], 5e-9) << i;
  EXPECT_DOUBLE_EQ(np::Pcg64(0).random(), 0.6369616873214543);
  EXPECT_DOUBLE_EQ(np::Pcg64(12345).random(), 0.22733602246716966);
  // np.random.default_rng(42).permutation(10) = [5, 6, 0, 7, 3, 2, 4, 9, 1, 8] (shuffle +
  // random_interval on the buffered 32-bit draws).
  EXPECT_EQ(np::Pcg64(42).permutation(10), (std::vector<int64_t>{5, 6, 0, 7, 3, 2, 4, 9, 1, 8}));
}

TEST(NpRandom, BufferedUint32AndStateRoundTrip) {
  np::Pcg64 a(7), b(7);
  uint64_t full = a.next64();
  EXPECT_EQ(b.next32(), uint32_t(full & 0xffffffffu));  // low half first
  EXPECT_EQ(b.next32(), uint32_t(full >> 32));          // then the buffered high half
  // random() draws 64 bits and leaves a buffered half alone (numpy keeps it for the next next32).
  np::Pcg64 c(9);
  uint32_t lo = c.next32();
  (void)lo;
  np::Pcg64::State s = c.state();
  EXPECT_TRUE(s.has_uint32);
  c.random();
  EXPECT_TRUE(c.state().has_uint32);
  np::Pcg64 d(s);
  std::vector<int64_t> x = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> y = x;
  np::Pcg64(s).shuffle(x);
  d.shuffle(y);
  EXPECT_EQ(x, y);
  // The seed entropy splits into 32-bit words: a seed >= 2^32 gives another stream than its low word.
  EXPECT_NE(np::Pcg64((1ull << 32) + 5).random(), np::Pcg64(5).random());
}

TEST(NpRandom, ChoiceIsSearchsortedOverUniforms) {
  std::vector<double> p = {0.2, 0.5, 0.3};
  np::Pcg64 a(3), b(3);
  std::vector<int64_t> got = a.choice(3, 50, p);
  for (int i = 0; i < 50; ++i) {
    double u = b.random();
    int64_t want = u < 0.2 ? 0 : (u < 0.2 + 0.5 ? 1 : 2);
    EXPECT_EQ(got[i], want) << i << " u=" << u;
  }
  EXPECT_THROW(a.choice(2, 1, {0.5, 0.6}), groot::Error);
  EXPECT_THROW(a.choice(2, 1, {1.5, -0.5}), groot::Error);
}

namespace {
// Upstream shard_dataset(), written out again independently.
struct HandShards {
  std::vector<std::vector<std::pair<int64_t, std::vector<int64_t>>>> shards;
  std::vector<int64_t> lengths;
};
HandShards hand_shards(const std::vector<int64_t>& lens, int horizon, int64_t shard_size, int splits) {
  np::Pcg64 rng(42);
  std::vector<int64_t> perm = rng.permutation(int64_t(lens.size()));
  int64_t total = 0;
  for (int64_t l : lens) total += std::max<int64_t>(0, l - horizon + 1);
  int64_t n = (total + shard_size - 1) / shard_size;
  HandShards h;
  h.shards.resize(n);
  h.lengths.assign(n, 0);
  for (int64_t ep : perm) {
    int64_t eff = std::max<int64_t>(0, lens[ep] - horizon + 1);
    std::vector<int64_t> st;
    for (int64_t i = 0; i < eff; ++i) st.push_back(i);
    rng.shuffle(st);
    for (int s = 0; s < splits; ++s) {
      std::vector<int64_t> part;
      for (size_t k = s; k < st.size(); k += splits) part.push_back(st[k]);
      int64_t best = 0;
      for (int64_t i = 1; i < n; ++i)
        if (h.lengths[i] < h.lengths[best]) best = i;
      h.lengths[best] += int64_t(part.size());
      if (!part.empty()) h.shards[best].push_back({ep, part});
    }
  }
  return h;
}
std::vector<int64_t> fixture_lengths() {
  Dataset ds = open_dataset(test::fixtures_dir() + "/gr00t_robot_sim_picknplace_v20");
  std::vector<int64_t> l;
  for (const auto& e : ds.episodes) l.push_back(e.length);
  return l;
}
}  // namespace

TEST(Sampler, ShardLayoutOnRobotSimFixture) {
  std::vector<int64_t> lens = fixture_lengths();
  ASSERT_EQ(lens, (std::vector<int64_t>{416, 470, 470, 412, 328}));
  // Horizon 16 (action delta 0..15): effective lengths 401 455 455 397 313 = 2021 steps;
  // shard size 1024 -> ceil(2021 / 1024) = 2 shards; rate 0.1 -> int(1 / 0.1) = 10 splits per episode.
  DatasetShards d = build_shards(lens, 16, 1024, 0.1, 42, "robot_sim");
  EXPECT_EQ(d.effective_lengths, (std::vector<int64_t>{401, 455, 455, 397, 313}));
  EXPECT_EQ(d.total_steps, 2021);
  ASSERT_EQ(d.shards.size(), 2u);
  EXPECT_EQ(d.shard_lengths[0] + d.shard_lengths[1], 2021);
  EXPECT_LE(std::abs(d.shard_lengths[0] - d.shard_lengths[1]), 46);  // greedy: within one split (<= 46 steps)
  HandShards h = hand_shards(lens, 16, 1024, 10);
  EXPECT_EQ(d.shard_lengths, h.lengths);
  for (size_t s = 0; s < 2; ++s) {
    ASSERT_EQ(d.shards[s].size(), h.shards[s].size());
    for (size_t e = 0; e < h.shards[s].size(); ++e) {
      EXPECT_EQ(d.shards[s][e].episode, h.shards[s][e].first);
      EXPECT_EQ(d.shards[s][e].steps, h.shards[s][e].second);
    }
  }
  // Every valid step of every episode exactly once, none past the effective length.
  std::set<std::pair<int64_t, int64_t>> seen;
  for (const auto& sh : d.shards)
    for (const auto& e : sh)
      for (int64_t st : e.steps) {
        EXPECT_LT(st, d.effective_lengths[e.episode]);
        EXPECT_TRUE(seen.insert({e.episode, st}).second);
      }
  EXPECT_EQ(seen.size(), 2021u);
  // The seed's flags: shard size 512, rate 0.3 -> int(3.33) = 3 splits, 4 shards.
  DatasetShards seed = build_shards(lens, 16, 512, 0.3, 42, "robot_sim");
  HandShards hs = hand_shards(lens, 16, 512, 3);
  EXPECT_EQ(seed.shard_lengths, hs.lengths);
  EXPECT_EQ(seed.shards.size(), 4u);
  EXPECT_THROW(build_shards(lens, 500, 1024, 0.1, 42, "robot_sim"), groot::Error);  // no valid step
  EXPECT_THROW(build_shards(lens, 16, 1, 0.1, 42, "robot_sim"), groot::Error);      // empty shards
}

TEST(Sampler, ScheduleAndStreamsFollowUpstream) {
  std::vector<int64_t> lens = fixture_lengths();
  DatasetShards a = build_shards(lens, 16, 256, 0.1, 42, "a");
  DatasetShards b = build_shards({100, 90, 80}, 16, 64, 0.5, 42, "b");
  MixtureConfig cfg;
  cfg.datasets = {&a, &b};
  cfg.weights = {1.0, 0.5};
  cfg.num_shards_per_epoch = 7;
  cfg.seed = 5;
  cfg.num_workers = 2;
  cfg.batch_size = 3;
  // Hand schedule of epoch 0: choice over p ~ w / avg shard length, then per-dataset shuffles.
  auto sched = shard_schedule(cfg, 0);
  {
    np::Pcg64 rng(5);
    double avg_a = 2021.0 / double(a.shards.size()), tot_b = 0;
    for (auto l : b.shard_lengths) tot_b += double(l);
    double avg_b = tot_b / double(b.shards.size());
    double pa = 1.0 / avg_a, pb = 0.5 / avg_b, s = pa + pb;
    std::vector<int64_t> picks;
    double c0 = (pa / s) / (pa / s + pb / s);
    for (int i = 0; i < 7; ++i) picks.push_back(rng.random() < c0 ? 0 : 1);
    std::vector<std::vector<int64_t>> ids(2);
    for (int d = 0; d < 2; ++d) {
      size_t n = d == 0 ? a.shards.size() : b.shards.size();
      for (size_t i = 0; i < n; ++i) ids[d].push_back(int64_t(i));
      rng.shuffle(ids[d]);
    }
    ASSERT_EQ(sched.size(), 7u);
    for (int i = 0; i < 7; ++i) {
      int d = int(picks[i]);
      if (ids[d].empty()) {
        size_t n = d == 0 ? a.shards.size() : b.shards.size();
        for (size_t k = 0; k < n; ++k) ids[d].push_back(int64_t(k));
        rng.shuffle(ids[d]);
      }
      EXPECT_EQ(sched[i], std::make_pair(d, ids[d].front())) << i;
      ids[d].erase(ids[d].begin());
    }
  }
  // Batches: batch k from worker k % 2; worker w walks schedule entries i with i % 2 == w, each
  // shard's samples in rng.shuffle(arange(len)) order with one rng = default_rng(seed) per worker.
  MixtureSampler sampler(cfg);
  std::vector<std::vector<SampleRef>> want(2);
  for (int w = 0; w < 2; ++w) {
    np::Pcg64 rng(5);
    for (int64_t epoch = 0; epoch < 3 && want[w].size() < 200; ++epoch) {
      auto sc = shard_schedule(cfg, epoch);
      for (size_t i = w; i < sc.size(); i += 2) {
        const DatasetShards& ds = sc[i].first == 0 ? a : b;
        std::vector<SampleRef> flat;
        for (const auto& e : ds.shards[sc[i].second])
          for (int64_t st : e.steps) flat.push_back({sc[i].first, e.episode, st});
        std::vector<int64_t> idx;
        for (size_t k = 0; k < flat.size(); ++k) idx.push_back(int64_t(k));
        rng.shuffle(idx);
        for (int64_t k : idx) want[w].push_back(flat[k]);
      }
    }
  }
  size_t pos[2] = {0, 0};
  for (int k = 0; k < 60; ++k) {
    auto batch = sampler.next_batch();
    int w = k % 2;
    ASSERT_EQ(batch.size(), 3u);
    for (const auto& r : batch) {
      const SampleRef& e = want[w][pos[w]++];
      ASSERT_EQ(std::make_tuple(r.dataset, r.episode, r.step), std::make_tuple(e.dataset, e.episode, e.step))
          << "batch " << k;
    }
  }
}

TEST(Sampler, StateRoundTripContinuesIdentically) {
  std::vector<int64_t> lens = fixture_lengths();
  DatasetShards a = build_shards(lens, 16, 128, 0.1, 42, "a");
  MixtureConfig cfg;
  cfg.datasets = {&a};
  cfg.weights = {1.0};
  cfg.num_shards_per_epoch = 5;  // several epochs within the test
  cfg.num_workers = 3;
  cfg.batch_size = 16;
  MixtureSampler s1(cfg);
  for (int i = 0; i < 97; ++i) s1.next_batch();
  SamplerState st = s1.state();
  std::string text = st.to_json().dump();
  SamplerState back = SamplerState::from_json(nlohmann::ordered_json::parse(text), "state.json");
  EXPECT_TRUE(back == st);
  MixtureSampler s2(cfg);
  s2.set_state(back);
  for (int i = 0; i < 120; ++i) {
    auto x = s1.next_batch(), y = s2.next_batch();
    ASSERT_EQ(x.size(), y.size());
    for (size_t k = 0; k < x.size(); ++k) ASSERT_TRUE(x[k].episode == y[k].episode && x[k].step == y[k].step) << i;
  }
  EXPECT_GT(s1.state().streams[0].epoch, 1);  // crossed epoch boundaries
  // A state for another worker count is refused; a corrupted one names the field.
  MixtureConfig other = cfg;
  other.num_workers = 2;
  MixtureSampler s3(other);
  EXPECT_THROW(s3.set_state(st), groot::Error);
  auto j = st.to_json();
  j["streams"][0]["pcg64"]["inc"] = "zz";
  EXPECT_THROW(SamplerState::from_json(j, "state.json"), groot::Error);
}

TEST(Sampler, RanksGetDisjointShardsAndSameSeedSameOrder) {
  std::vector<int64_t> lens = fixture_lengths();
  DatasetShards a = build_shards(lens, 16, 64, 0.1, 42, "a");  // 32 shards
  MixtureConfig cfg;
  cfg.datasets = {&a};
  cfg.weights = {1.0};
  cfg.num_shards_per_epoch = 32;
  cfg.world_size = 2;
  cfg.num_workers = 2;
  cfg.batch_size = 8;
  // Within one epoch, the (shard) sets of the two ranks are disjoint, and together all scheduled.
  std::map<int, std::set<std::pair<int64_t, int64_t>>> steps;
  for (int rank = 0; rank < 2; ++rank) {
    MixtureConfig c = cfg;
    c.rank = rank;
    MixtureSampler s(c);
    // 8 shards per stream per epoch of ~63 steps: 40 batches of 8 stay inside epoch 0.
    for (int i = 0; i < 40; ++i)
      for (const auto& r : s.next_batch()) steps[rank].insert({r.episode, r.step});
    MixtureSampler again(c);
    MixtureSampler s2(c);
    for (int i = 0; i < 10; ++i) {
      auto x = again.next_batch(), y = s2.next_batch();
      for (size_t k = 0; k < x.size(); ++k) EXPECT_EQ(x[k].step, y[k].step);
    }
  }
  for (const auto& e : steps[0]) EXPECT_EQ(steps[1].count(e), 0u);
  EXPECT_GT(steps[0].size(), 200u);
  EXPECT_GT(steps[1].size(), 200u);
}
