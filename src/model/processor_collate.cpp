// Batch collation: see processor_collate.h.
#include "model/processor_collate.h"

#include <cstring>

#include "util/error.h"

namespace groot::proc {

CollatedBatch collate(const std::vector<EncodedStateAction>& samples,
                      const std::vector<int64_t>& embodiment_ids,
                      const std::vector<std::vector<img::Pixels>>* pixels) {
  const int64_t B = int64_t(samples.size());
  GROOT_CHECK(B > 0, "collate: empty batch");
  GROOT_CHECK(int64_t(embodiment_ids.size()) == B, "collate: ", embodiment_ids.size(), " embodiment ids for ",
              B, " samples");
  GROOT_CHECK(!pixels || int64_t(pixels->size()) == B, "collate: ", pixels ? pixels->size() : 0,
              " image lists for ", B, " samples");
  const int64_t ts = samples[0].state_steps;
  GROOT_CHECK(ts > 0 && samples[0].state.size() % size_t(ts) == 0, "collate: sample 0 has no state");
  const int64_t sd = int64_t(samples[0].state.size()) / ts;
  const bool with_action = samples[0].has_action;
  const size_t asize = samples[0].action.size();
  CollatedBatch out;
  out.state = torch::empty({B, ts, sd}, torch::kFloat32);
  for (int64_t b = 0; b < B; b++) {
    const auto& s = samples[b];
    GROOT_CHECK(s.state_steps == ts && int64_t(s.state.size()) == ts * sd, "collate: sample ", b,
                " state shape differs from sample 0 ([", ts, ", ", sd, "])");
    GROOT_CHECK(
        s.has_action == with_action && s.action.size() == asize, "collate: sample ", b,
        with_action ? " lacks the action or has another padding" : " has an action but sample 0 has none");
    std::memcpy(out.state[b].data_ptr<float>(), s.state.data(), s.state.size() * sizeof(float));
  }
  if (with_action) {
    const int64_t H = samples[0].pad_horizon, D = samples[0].pad_dim;
    GROOT_CHECK(H * D == int64_t(asize), "collate: sample 0 action size ", asize, " != ", H, " x ", D);
    for (int64_t b = 1; b < B; b++)
      GROOT_CHECK(samples[b].pad_horizon == H && samples[b].pad_dim == D, "collate: sample ", b,
                  " action padding [", samples[b].pad_horizon, ", ", samples[b].pad_dim, "] != sample 0's [",
                  H, ", ", D, "]");
    out.action = torch::empty({B, H, D}, torch::kFloat32);
    out.action_mask = torch::empty({B, H, D}, torch::kFloat32);
    for (int64_t b = 0; b < B; b++) {
      std::memcpy(out.action[b].data_ptr<float>(), samples[b].action.data(), asize * sizeof(float));
      std::memcpy(out.action_mask[b].data_ptr<float>(), samples[b].action_mask.data(), asize * sizeof(float));
    }
  }
  out.embodiment_id = torch::tensor(embodiment_ids, torch::kInt64);
  if (pixels) {
    std::vector<int64_t> sizes;
    for (int64_t b = 0; b < B; b++)
      for (const img::Pixels& p : (*pixels)[b]) {
        GROOT_CHECK(p.h > 0 && p.w > 0 && p.chw.size() == size_t(3) * p.h * p.w, "collate: sample ", b,
                    " has an empty or malformed image");
        torch::Tensor t = torch::empty({1, 3, p.h, p.w}, torch::kFloat32);
        std::memcpy(t.data_ptr<float>(), p.chw.data(), p.chw.size() * sizeof(float));
        out.pixel_values.push_back(t);
        sizes.push_back(p.h);
        sizes.push_back(p.w);
      }
    out.image_sizes = torch::tensor(sizes, torch::kInt64).view({-1, 2});
  }
  return out;
}

void set_pixel_values(CollatedBatch& batch, const std::vector<std::vector<torch::Tensor>>& images) {
  GROOT_CHECK(!batch.state.defined() || int64_t(images.size()) == batch.state.size(0),
              "set_pixel_values: ", images.size(), " image lists for ", batch.state.size(0), " samples");
  std::vector<torch::Tensor> values;
  std::vector<int64_t> sizes;
  for (size_t b = 0; b < images.size(); b++)
    for (size_t k = 0; k < images[b].size(); k++) {
      const torch::Tensor& t = images[b][k];
      GROOT_CHECK(t.defined() && t.dim() == 3 && t.size(0) == 3 && t.size(1) > 0 && t.size(2) > 0,
                  "set_pixel_values: sample ", b, " image ", k, ": expected [3, H, W], got ",
                  t.defined() ? t.sizes() : torch::IntArrayRef{});
      values.push_back(t.unsqueeze(0));
      sizes.push_back(t.size(1));
      sizes.push_back(t.size(2));
    }
  batch.pixel_values = std::move(values);
  batch.image_sizes = torch::tensor(sizes, torch::kInt64).view({-1, 2});
}

std::vector<KeyValues> decode_action_batch(const StateActionProcessor& p,
                                           const std::vector<std::string>& tags,
                                           const torch::Tensor& action_pred,
                                           const std::vector<KeyValues>& raw_states) {
  GROOT_CHECK(action_pred.dim() == 3, "decode_action_batch: expected action_pred [B, H, D], got ",
              action_pred.dim(), " dims");
  const int64_t B = action_pred.size(0);
  GROOT_CHECK(int64_t(tags.size()) == B && int64_t(raw_states.size()) == B, "decode_action_batch: ", B,
              " predictions but ", tags.size(), " tags and ", raw_states.size(), " states");
  torch::Tensor a = action_pred.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  std::vector<KeyValues> out;
  out.reserve(size_t(B));
  for (int64_t b = 0; b < B; b++)
    out.push_back(
        decode_action(p, tags[b], a[b].data_ptr<float>(), int(a.size(1)), int(a.size(2)), &raw_states[b]));
  return out;
}

}  // namespace groot::proc
