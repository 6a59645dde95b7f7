#include "data/sampler.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace groot::data {

DatasetShards build_shards(const std::vector<int64_t>& episode_lengths, int action_horizon, int64_t shard_size,
                           double episode_sampling_rate, uint64_t seed, const std::string& where) {
  if (episode_lengths.empty()) fail(where, ": no episodes");
  if (action_horizon < 1) fail(where, ": action horizon must be >= 1, got ", action_horizon);
  if (shard_size < 1) fail("--shard-size must be >= 1, got ", shard_size);
  if (!(episode_sampling_rate > 0 && episode_sampling_rate <= 1))
    fail("--episode-sampling-rate must be in (0, 1], got ", episode_sampling_rate);
  const int64_t num_splits = static_cast<int64_t>(1.0 / episode_sampling_rate);  // Python int(1 / rate)
  DatasetShards d;
  np::Pcg64 rng(seed);
  std::vector<int64_t> order = rng.permutation(int64_t(episode_lengths.size()));
  d.effective_lengths.resize(episode_lengths.size());
  for (size_t i = 0; i < episode_lengths.size(); ++i) {
    d.effective_lengths[i] = std::max<int64_t>(0, episode_lengths[i] - action_horizon + 1);
    d.total_steps += d.effective_lengths[i];
  }
  // np.ceil(total / shard_size) in float64.
  const int64_t num_shards = static_cast<int64_t>(std::ceil(double(d.total_steps) / double(shard_size)));
  if (num_shards == 0)
    fail(where, ": no episode is longer than the action horizon (", action_horizon,
         " steps): nothing to train on");
  d.shards.assign(num_shards, {});
  d.shard_lengths.assign(num_shards, 0);
  for (int64_t ep : order) {
    std::vector<int64_t> steps(d.effective_lengths[ep]);
    for (size_t i = 0; i < steps.size(); ++i) steps[i] = int64_t(i);
    rng.shuffle(steps);
    for (int64_t s = 0; s < num_splits; ++s) {
      ShardEntry e;
      e.episode = ep;
      for (size_t k = size_t(s); k < steps.size(); k += size_t(num_splits)) e.steps.push_back(steps[k]);
      int64_t shard = std::min_element(d.shard_lengths.begin(), d.shard_lengths.end()) - d.shard_lengths.begin();
      d.shard_lengths[shard] += int64_t(e.steps.size());
      if (!e.steps.empty()) d.shards[shard].push_back(std::move(e));
    }
  }
  for (int64_t i = 0; i < num_shards; ++i)
    if (d.shard_lengths[i] == 0)
      fail(where, ": shard ", i, " of ", num_shards, " got no steps (", d.total_steps, " steps, shard size ",
           shard_size, ", ", num_splits, " splits per episode): lower --shard-size or raise --episode-sampling-rate");
  return d;
}

std::vector<std::pair<int, int64_t>> shard_schedule(const MixtureConfig& cfg, int64_t epoch) {
  const size_t n = cfg.datasets.size();
  if (n == 0) fail("no datasets to sample from");
  if (cfg.weights.size() != n) fail(cfg.weights.size(), " dataset weights for ", n, " datasets");
  np::Pcg64 rng(cfg.seed + uint64_t(epoch));
  std::vector<double> p(n);
  double sum = 0;
  for (size_t d = 0; d < n; ++d) {
    const DatasetShards& ds = *cfg.datasets[d];
    if (!(cfg.weights[d] > 0)) fail("dataset weight ", d, " must be > 0, got ", cfg.weights[d]);
    int64_t total = 0;
    for (int64_t l : ds.shard_lengths) total += l;
    double avg = double(total) / double(ds.shard_lengths.size());
    p[d] = cfg.weights[d] / avg;
  }
  // np.sum is a pairwise sum; for up to 9 entries (a[0] + the sum of the rest) it is this sequential
  // sum. More datasets may differ from numpy in the last bit of p.
  for (double x : p) sum += x;
  for (double& x : p) x /= sum;
  std::vector<int64_t> pick = rng.choice(int64_t(n), cfg.num_shards_per_epoch, p);
  std::vector<std::vector<int64_t>> todo(n);
  std::vector<size_t> front(n, 0);
  auto refill = [&](size_t d) {
    todo[d].resize(cfg.datasets[d]->shards.size());
    for (size_t i = 0; i < todo[d].size(); ++i) todo[d][i] = int64_t(i);
    rng.shuffle(todo[d]);
    front[d] = 0;
  };
  for (size_t d = 0; d < n; ++d) refill(d);
  std::vector<std::pair<int, int64_t>> out;
  out.reserve(pick.size());
  for (int64_t d : pick) {
    if (front[d] == todo[d].size()) refill(size_t(d));
    out.emplace_back(int(d), todo[d][front[d]++]);
  }
  return out;
}

bool StreamState::operator==(const StreamState& o) const {
  return epoch == o.epoch && shard_pos == o.shard_pos && in_shard == o.in_shard && rng == o.rng;
}
bool SamplerState::operator==(const SamplerState& o) const {
  return streams == o.streams && next_stream == o.next_stream && batches == o.batches;
}

namespace {
std::string hex64(uint64_t v) {
  char b[17];
  snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}
uint64_t parse_hex64(const nlohmann::ordered_json& j, const std::string& where) {
  if (!j.is_string() || j.get<std::string>().size() != 16) fail(where, ": expected 16 hex digits, got ", j.dump());
  std::string s = j.get<std::string>();
  uint64_t v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) fail(where, ": expected 16 hex digits, got \"", s, "\"");
    v = (v << 4) | uint64_t(d);
  }
  return v;
}
int64_t get_int(const nlohmann::ordered_json& j, const char* k, const std::string& where) {
  if (!j.contains(k) || !j[k].is_number_integer() || j[k].get<int64_t>() < 0)
    fail(where, ": \"", k, "\" must be a non-negative integer");
  return j[k].get<int64_t>();
}
}  // namespace

nlohmann::ordered_json SamplerState::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = "groot-sampler-1";
  j["batches"] = batches;
  j["next_stream"] = next_stream;
  j["streams"] = nlohmann::ordered_json::array();
  for (const auto& s : streams) {
    nlohmann::ordered_json e;
    e["epoch"] = s.epoch;
    e["shard_pos"] = s.shard_pos;
    e["in_shard"] = s.in_shard;
    // PCG64 state as numpy prints it: 128-bit state and inc, buffered uint32.
    e["pcg64"] = {{"state", hex64(s.rng.state_hi) + hex64(s.rng.state_lo)},
                  {"inc", hex64(s.rng.inc_hi) + hex64(s.rng.inc_lo)},
                  {"has_uint32", s.rng.has_uint32},
                  {"uinteger", s.rng.uinteger}};
    j["streams"].push_back(e);
  }
  return j;
}

SamplerState SamplerState::from_json(const nlohmann::ordered_json& j, const std::string& where) {
  if (!j.is_object() || j.value("format", "") != "groot-sampler-1")
    fail(where, ": not a sampler state (\"format\": \"groot-sampler-1\" expected)");
  SamplerState s;
  s.batches = get_int(j, "batches", where);
  s.next_stream = get_int(j, "next_stream", where);
  if (!j.contains("streams") || !j["streams"].is_array() || j["streams"].empty())
    fail(where, ": \"streams\" must be a non-empty list");
  for (size_t i = 0; i < j["streams"].size(); ++i) {
    const auto& e = j["streams"][i];
    std::string w = where + ": streams[" + std::to_string(i) + "]";
    if (!e.is_object()) fail(w, ": expected an object");
    StreamState st;
    st.epoch = get_int(e, "epoch", w);
    st.shard_pos = get_int(e, "shard_pos", w);
    st.in_shard = get_int(e, "in_shard", w);
    if (!e.contains("pcg64") || !e["pcg64"].is_object()) fail(w, ": missing \"pcg64\"");
    const auto& g = e["pcg64"];
    for (const char* k : {"state", "inc"})
      if (!g.contains(k) || !g[k].is_string() || g[k].get<std::string>().size() != 32)
        fail(w, ".pcg64.", k, ": expected 32 hex digits");
    std::string sv = g["state"], iv = g["inc"];
    st.rng.state_hi = parse_hex64(sv.substr(0, 16), w + ".pcg64.state");
    st.rng.state_lo = parse_hex64(sv.substr(16), w + ".pcg64.state");
    st.rng.inc_hi = parse_hex64(iv.substr(0, 16), w + ".pcg64.inc");
    st.rng.inc_lo = parse_hex64(iv.substr(16), w + ".pcg64.inc");
    if (!g.contains("has_uint32") || !g["has_uint32"].is_boolean()) fail(w, ".pcg64.has_uint32: expected a bool");
    if (!g.contains("uinteger") || !g["uinteger"].is_number_unsigned() || g["uinteger"].get<uint64_t>() > 0xffffffffULL)
      fail(w, ".pcg64.uinteger: expected a uint32");
    st.rng.has_uint32 = g["has_uint32"];
    st.rng.uinteger = uint32_t(g["uinteger"].get<uint64_t>());
    if ((st.rng.inc_lo & 1) == 0) fail(w, ".pcg64.inc: must be odd");
    s.streams.push_back(st);
  }
  if (s.next_stream >= int64_t(s.streams.size())) fail(where, ": next_stream out of range");
  return s;
}

MixtureSampler::MixtureSampler(MixtureConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.world_size < 1 || cfg_.rank < 0 || cfg_.rank >= cfg_.world_size)
    fail("rank ", cfg_.rank, " out of range for world size ", cfg_.world_size);
  if (cfg_.batch_size < 1) fail("batch size must be >= 1, got ", cfg_.batch_size);
  if (cfg_.num_shards_per_epoch < 1) fail("--num-shards-per-epoch must be >= 1, got ", cfg_.num_shards_per_epoch);
  workers_ = std::max(cfg_.num_workers, 1);
  if (cfg_.num_shards_per_epoch < int64_t(cfg_.world_size) * workers_)
    fail("--num-shards-per-epoch (", cfg_.num_shards_per_epoch, ") is smaller than ranks x workers (",
         cfg_.world_size * workers_, "): some data workers would get no shard");
  streams_.resize(workers_);
  for (int w = 0; w < workers_; ++w) {
    Stream& s = streams_[w];
    s.st.epoch = 0;
    s.st.shard_pos = 0;
    s.st.in_shard = 0;
    s.st.rng = np::Pcg64(cfg_.seed).state();  // default_rng(seed + epoch) at __iter__, epoch 0
    load_epoch(s, w);
    load_shard(s);
  }
}

void MixtureSampler::load_epoch(Stream& s, int worker) {
  std::vector<std::pair<int, int64_t>> all = shard_schedule(cfg_, s.st.epoch);
  const int64_t total = int64_t(cfg_.world_size) * workers_, me = int64_t(cfg_.rank) * workers_ + worker;
  s.schedule.clear();
  for (size_t i = 0; i < all.size(); ++i)
    if (int64_t(i) % total == me) s.schedule.push_back(all[i]);
}

void MixtureSampler::load_shard(Stream& s) {
  const auto& [d, shard] = s.schedule.at(size_t(s.st.shard_pos));
  int64_t len = cfg_.datasets[d]->shard_lengths[size_t(shard)];
  s.rng.set_state(s.st.rng);
  s.order.resize(size_t(len));
  for (int64_t i = 0; i < len; ++i) s.order[size_t(i)] = i;
  s.rng.shuffle(s.order);
}

SampleRef MixtureSampler::next_sample(Stream& s, int worker) {
  const auto& [d, shard] = s.schedule[size_t(s.st.shard_pos)];
  int64_t idx = s.order[size_t(s.st.in_shard)];
  SampleRef r;
  r.dataset = d;
  for (const ShardEntry& e : cfg_.datasets[d]->shards[size_t(shard)]) {
    if (idx < int64_t(e.steps.size())) {
      r.episode = e.episode;
      r.step = e.steps[size_t(idx)];
      break;
    }
    idx -= int64_t(e.steps.size());
  }
  if (++s.st.in_shard == int64_t(s.order.size())) {  // next shard (next epoch when the schedule is done)
    s.st.in_shard = 0;
    s.st.rng = s.rng.state();
    if (++s.st.shard_pos == int64_t(s.schedule.size())) {
      ++s.st.epoch;
      s.st.shard_pos = 0;
      load_epoch(s, worker);
    }
    load_shard(s);
  }
  return r;
}

std::vector<SampleRef> MixtureSampler::next_batch() {
  int w = int(next_stream_);
  std::vector<SampleRef> out;
  out.reserve(size_t(cfg_.batch_size));
  for (int i = 0; i < cfg_.batch_size; ++i) out.push_back(next_sample(streams_[size_t(w)], w));
  next_stream_ = (next_stream_ + 1) % workers_;
  ++batches_;
  return out;
}

SamplerState MixtureSampler::state() const {
  SamplerState s;
  for (const auto& st : streams_) s.streams.push_back(st.st);
  s.next_stream = next_stream_;
  s.batches = batches_;
  return s;
}

void MixtureSampler::set_state(const SamplerState& s) {
  if (int(s.streams.size()) != workers_)
    fail("sampler state has ", s.streams.size(), " data-worker streams but this run has ", workers_,
         " (--dataloader-num-workers must match the run that saved it)");
  std::vector<Stream> ns(static_cast<size_t>(workers_));
  for (int w = 0; w < workers_; ++w) {
    ns[size_t(w)].st = s.streams[size_t(w)];
    load_epoch(ns[size_t(w)], w);
    if (ns[size_t(w)].st.shard_pos >= int64_t(ns[size_t(w)].schedule.size()))
      fail("sampler state: stream ", w, " shard position ", ns[size_t(w)].st.shard_pos, " is past its schedule (",
           ns[size_t(w)].schedule.size(), " shards): the state belongs to another dataset or configuration");
    load_shard(ns[size_t(w)]);
    if (ns[size_t(w)].st.in_shard >= int64_t(ns[size_t(w)].order.size()))
      fail("sampler state: stream ", w, " position in shard is past the shard's end: the state belongs to "
           "another dataset or configuration");
  }
  streams_ = std::move(ns);
  next_stream_ = s.next_stream;
  batches_ = s.batches;
}

}  // namespace groot::data
