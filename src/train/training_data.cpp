#include "train/training_data.h"

#include <c10/core/Event.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <chrono>
#include <cstring>

#include "model/image_transforms_torch.h"
#include "util/error.h"

namespace groot::train {

// Host tensors of one batch; frames grouped by image size (one tensor per size).
struct TrainingData::Pinned {
  int64_t index = 0;
  torch::Tensor state, action, action_mask, embodiment_id, input_ids, attention_mask, image_sizes;
  torch::Tensor sample_dataset, sample_episode, sample_step;
  struct Group {
    torch::Tensor frames;                 // uint8 [N, H, W, 3]
    std::vector<img::TrainDraw> draws;    // per frame (its sample's draw)
    std::vector<int64_t> positions;       // image index in the batch order
  };
  std::vector<Group> groups;
  int64_t num_images = 0;
};

namespace {

torch::Tensor host_tensor(const void* src, size_t bytes, std::vector<int64_t> shape, torch::ScalarType t, bool pin) {
  auto opt = torch::TensorOptions().dtype(t);
  if (pin) opt = opt.pinned_memory(true);
  torch::Tensor x = torch::empty(shape, opt);
  if (bytes) std::memcpy(x.data_ptr(), src, bytes);
  return x;
}

}  // namespace

TrainingData::TrainingData(const TrainingDataConfig& cfg) : cfg_(cfg) {
  if (cfg_.prefetch_batches < 1) fail("prefetch batches must be >= 1, got ", cfg_.prefetch_batches);
  samples_ = std::make_unique<proc::TrainSamples>(cfg_.samples);
  sampler_ = std::make_unique<data::MixtureSampler>(samples_->mixture_config());
  current_ = sampler_->state();
}

TrainingData::~TrainingData() { stop_workers(); }

std::unique_ptr<TrainingData> open_training_data(const TrainingDataConfig& cfg) {
  return std::make_unique<TrainingData>(cfg);
}

data::SamplerState TrainingData::state() const {
  std::lock_guard<std::mutex> lk(mu_);
  return current_;
}

void TrainingData::set_state(const data::SamplerState& s) {
  std::lock_guard<std::mutex> lk(mu_);
  if (started_) fail("TrainingData::set_state: only before the first batch");
  sampler_->set_state(s);
  current_ = sampler_->state();
  next_plan_ = next_out_ = s.batches;
}

void TrainingData::start_workers() {
  started_ = true;
  int n = cfg_.threads > 0 ? cfg_.threads : std::max(1, cfg_.samples.num_workers);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { worker_loop(); });
}

void TrainingData::stop_workers() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void TrainingData::worker_loop() {
  auto cache = proc::make_episode_cache();
  for (;;) {
    std::vector<data::SampleRef> refs;
    int64_t k;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || error_ || next_plan_ - next_out_ < cfg_.prefetch_batches; });
      if (stop_ || error_) return;
      k = next_plan_++;
      refs = sampler_->next_batch();  // under the lock: the order does not depend on thread timing
      state_after_[k] = sampler_->state();
    }
    try {
      std::shared_ptr<Pinned> p = to_tensors(samples_->make_batch(refs, k, *cache));
      std::lock_guard<std::mutex> lk(mu_);
      ready_[k] = std::move(p);
    } catch (...) {
      std::lock_guard<std::mutex> lk(mu_);
      if (!error_) error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

std::shared_ptr<TrainingData::Pinned> TrainingData::to_tensors(proc::HostBatch&& hb) const {
  const bool pin = cfg_.pin_memory && cfg_.device.is_cuda();
  auto p = std::make_shared<Pinned>();
  const int64_t B = hb.batch;
  p->index = hb.index;
  p->state = host_tensor(hb.state.data(), hb.state.size() * 4, {B, hb.state_steps, hb.state_dim}, torch::kFloat32, pin);
  p->action =
      host_tensor(hb.action.data(), hb.action.size() * 4, {B, hb.action_horizon, hb.action_dim}, torch::kFloat32, pin);
  p->action_mask = host_tensor(hb.action_mask.data(), hb.action_mask.size() * 4, {B, hb.action_horizon, hb.action_dim},
                               torch::kFloat32, pin);
  p->embodiment_id = host_tensor(hb.embodiment_id.data(), size_t(B) * 8, {B}, torch::kInt64, pin);
  p->input_ids = host_tensor(hb.input_ids.data(), hb.input_ids.size() * 8, {B, hb.seq_len}, torch::kInt64, pin);
  p->attention_mask =
      host_tensor(hb.attention_mask.data(), hb.attention_mask.size() * 8, {B, hb.seq_len}, torch::kInt64, pin);
  p->sample_dataset = host_tensor(hb.sample_dataset.data(), size_t(B) * 8, {B}, torch::kInt64, false);
  p->sample_episode = host_tensor(hb.sample_episode.data(), size_t(B) * 8, {B}, torch::kInt64, false);
  p->sample_step = host_tensor(hb.sample_step.data(), size_t(B) * 8, {B}, torch::kInt64, false);
  p->num_images = int64_t(hb.images.size());
  std::vector<int64_t> sizes;
  std::map<std::pair<int, int>, size_t> group_of;
  std::vector<std::vector<int64_t>> members;
  for (size_t i = 0; i < hb.images.size(); ++i) {
    const proc::HostImage& im = hb.images[i];
    sizes.push_back(im.out_h);
    sizes.push_back(im.out_w);
    auto key = std::make_pair(im.h, im.w);
    auto it = group_of.find(key);
    if (it == group_of.end()) {
      it = group_of.emplace(key, p->groups.size()).first;
      p->groups.emplace_back();
      members.emplace_back();
    }
    members[it->second].push_back(int64_t(i));
  }
  p->image_sizes = host_tensor(sizes.data(), sizes.size() * 8, {p->num_images, 2}, torch::kInt64, false);
  for (auto& [key, g] : group_of) {
    auto& grp = p->groups[g];
    const auto& idx = members[g];
    size_t fb = size_t(key.first) * size_t(key.second) * 3;
    auto opt = torch::TensorOptions().dtype(torch::kUInt8);
    if (pin) opt = opt.pinned_memory(true);
    grp.frames = torch::empty({int64_t(idx.size()), key.first, key.second, 3}, opt);
    uint8_t* dst = grp.frames.data_ptr<uint8_t>();
    for (size_t j = 0; j < idx.size(); ++j) {
      std::memcpy(dst + j * fb, hb.frames.data() + hb.images[size_t(idx[j])].offset, fb);
      grp.draws.push_back(hb.draws[size_t(idx[j]) / size_t(hb.images_per_sample)]);
    }
    grp.positions = idx;
  }
  return p;
}

TrainingBatch TrainingData::next_batch() {
  std::shared_ptr<Pinned> p;
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (!started_) start_workers();
    auto t0 = std::chrono::steady_clock::now();
    cv_.wait(lk, [&] { return error_ || ready_.count(next_out_); });
    wait_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!ready_.count(next_out_)) std::rethrow_exception(error_);
    p = std::move(ready_[next_out_]);
    ready_.erase(next_out_);
    current_ = std::move(state_after_[next_out_]);
    state_after_.erase(next_out_);
    ++next_out_;
    ++returned_;
  }
  cv_.notify_all();

  torch::Device dev = cfg_.device;
  // On an accelerator, copies and image transforms run on a side stream; the caller's stream waits
  // for them through an event, and the allocator learns that the caller's stream uses the results.
  std::unique_ptr<c10::impl::VirtualGuardImpl> impl;
  if (!dev.is_cpu()) {
    impl = std::make_unique<c10::impl::VirtualGuardImpl>(dev.type());
    if (!dev.has_index()) dev = impl->getDevice();
  }
  c10::Stream main_stream(c10::Stream::DEFAULT, dev), side = main_stream;
  if (impl) {
    main_stream = impl->getStream(dev);
    side = impl->getStreamFromGlobalPool(dev, false);
    impl->exchangeStream(side);
  }
  auto to_dev = [&](const torch::Tensor& t) { return t.to(dev, /*non_blocking=*/true); };
  TrainingBatch b;
  b.index = p->index;
  b.action.state = to_dev(p->state);
  b.action.action = to_dev(p->action);
  b.action.action_mask = to_dev(p->action_mask);
  b.action.embodiment_id = to_dev(p->embodiment_id);
  b.backbone.input_ids = to_dev(p->input_ids);
  b.backbone.attention_mask = to_dev(p->attention_mask);
  b.image_sizes = p->image_sizes;
  b.sample_dataset = p->sample_dataset;
  b.sample_episode = p->sample_episode;
  b.sample_step = p->sample_step;
  std::vector<torch::Tensor> outs;
  if (p->num_images > 0) {
    std::vector<torch::Tensor> images(size_t(p->num_images));
    for (auto& g : p->groups) {
      torch::Tensor px = img::preprocess_frames(to_dev(g.frames), samples_->image_config(), g.draws, cfg_.pixel_dtype);
      for (size_t j = 0; j < g.positions.size(); ++j) images[size_t(g.positions[j])] = px[int64_t(j)];
      outs.push_back(px);
    }
    if (p->groups.size() == 1 && p->groups[0].positions.size() == size_t(p->num_images)) {
      bool in_order = true;
      for (size_t j = 0; j < p->groups[0].positions.size(); ++j) in_order = in_order && p->groups[0].positions[j] == int64_t(j);
      if (in_order) b.backbone.pixel_values = outs[0];
    }
    if (!b.backbone.pixel_values.defined()) {
      if (p->groups.size() == 1) {
        b.backbone.pixel_values = torch::stack(images);
      } else {
        b.backbone.images = images;
      }
    }
  }
  if (impl) {
    impl->exchangeStream(main_stream);
    c10::Event ev(dev.type());
    ev.record(side);
    ev.block(main_stream);
    auto keep = [&](const torch::Tensor& t) {
      if (t.defined()) impl->recordDataPtrOnStream(t.storage().data_ptr(), main_stream);
    };
    for (const auto& t : {b.action.state, b.action.action, b.action.action_mask, b.action.embodiment_id,
                          b.backbone.input_ids, b.backbone.attention_mask, b.backbone.pixel_values})
      keep(t);
    for (const auto& t : b.backbone.images) keep(t);
    for (const auto& t : outs) keep(t);
  }
  return b;
}

}  // namespace groot::train
