// Batch collation of processed samples into model inputs (LibTorch), as upstream
// Gr00tN1d6DataCollator (docs/reference/groot_n16_reference.md §6.4), minus the text part (input_ids / attention_mask come
// from the tokenizer / prompt module):
//   state         float32 [B, T_state, max_state_dim]
//   action        float32 [B, max_action_horizon, max_action_dim]   (only when every sample has one)
//   action_mask   float32 [B, max_action_horizon, max_action_dim]
//   embodiment_id int64   [B]
//   pixel_values  list of B*T*V float32 [1, 3, H_k, W_k] (sample-major, then the sample's image order:
//                 time-major then view order), not stacked, as upstream
//   image_sizes   int64   [B*T*V, 2] (H, W)
// Plus the batched decode of the model's action prediction [B, H, D] into per-key raw actions.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "processor/image_transforms.h"
#include "processor/state_action.h"

namespace groot::proc {

struct CollatedBatch {
  torch::Tensor state, action, action_mask, embodiment_id, image_sizes;
  std::vector<torch::Tensor> pixel_values;
};

// `pixels` may be null (no images). All samples must share the state steps and padding sizes.
CollatedBatch collate(const std::vector<EncodedStateAction>& samples,
                      const std::vector<int64_t>& embodiment_ids,
                      const std::vector<std::vector<img::Pixels>>* pixels);

// Sets pixel_values ([1, 3, H, W] each, left on their device and dtype) and image_sizes from
// images[b][k] = [3, H, W], e.g. the output of img::preprocess_batch_torch() (the GPU image path).
// When the batch already holds states, `images` must have one entry per sample.
void set_pixel_values(CollatedBatch& batch, const std::vector<std::vector<torch::Tensor>>& images);

// action_pred: [B, H, D] (any float dtype / device; copied to CPU float32). raw_states[b] is the
// raw state of sample b (needed for RELATIVE keys). tags[b]: the sample's embodiment tag.
std::vector<KeyValues> decode_action_batch(const StateActionProcessor& p,
                                           const std::vector<std::string>& tags,
                                           const torch::Tensor& action_pred,
                                           const std::vector<KeyValues>& raw_states);

}  // namespace groot::proc
