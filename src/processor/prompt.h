// GR00T N1.6 language prompt: formalisation, Eagle chat template, image placeholders, batching.
// Pure C++ (no LibTorch). Reference: docs/groot_n16_reference.md §2.4 and §5.2.
//
// For one sample with language `lang` and images k = 1..K (time-major, then view order):
//   1. formalize_language(lang)  = Python re.sub(r"[^\w\s]", "", lang.lower())   (when enabled)
//   2. render_chat_template      = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
//                                  "<|im_start|>user\n" + lang + "<image-1>...<image-K>" + "<|im_end|>\n"
//      (Eagle chat_template.json, user content [text, image x K], add_generation_prompt=False)
//   3. expand_image_placeholders : every "<image-k>" -> "<image k><img>" + "<IMG_CONTEXT>" x N_k + "</img>",
//      N_k = H_k * W_k / 784 (81 for 252x252)
//   4. tokenize (processor/tokenizer.h), then pad_left: a batch is left-padded to its longest sample
//      with the pad id (<|endoftext|> = 151643); attention_mask is 0 on pads, 1 elsewhere.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "processor/tokenizer.h"

namespace groot::prompt {

constexpr int kPixelsPerToken = 784;  // 28 x 28 (Eagle processor_config.json pixels_per_token)
constexpr const char* kSystemPrompt = "You are a helpful assistant.";
constexpr const char* kImageToken = "<IMG_CONTEXT>";
constexpr const char* kImageStart = "<img>";
constexpr const char* kImageEnd = "</img>";

// Python: re.sub(r"[^\w\s]", "", text.lower()) on str (Unicode \w, \s and lower()).
// Throws groot::Error on invalid UTF-8.
std::string formalize_language(std::string_view text);

// LLM tokens of one image of height x width pixels after preprocessing: (h * w) / 784.
int image_token_count(int height, int width);

// One image of a sample, in prompt order.
struct ImageSlot {
  int t = 0;     // frame index (time)
  int view = 0;  // index in the modality's video keys
};
// Prompt order of T frames x V views: time-major, then view (t0v0, t0v1, ..., t1v0, ...).
std::vector<ImageSlot> image_order(int num_frames, int num_views);

// Eagle chat template output with "<image-k>" placeholders, k = 1..num_images.
std::string render_chat_template(std::string_view language, int num_images);

// Replaces every "<image-k>" (k in 1..tokens_per_image.size(), ASCII digits) by
// "<image k><img>" + "<IMG_CONTEXT>" x tokens_per_image[k-1] + "</img>" (upstream
// replace_media_placeholder). A "<image-k>" with k out of range or any "<video-k>" placeholder
// throws groot::Error.
std::string expand_image_placeholders(std::string_view chat_text, const std::vector<int>& tokens_per_image);

// Steps 1-3 for one sample.
std::string build_prompt_text(std::string_view language, const std::vector<int>& tokens_per_image,
                              bool formalize = true);

// A batch of token sequences, row-major [batch, length].
struct PromptBatch {
  int64_t batch = 0;
  int64_t length = 0;
  std::vector<int64_t> input_ids;       // [batch * length]
  std::vector<int64_t> attention_mask;  // [batch * length], 1 = real token, 0 = pad
};

// Left-pads `seqs` to the longest one with `pad_id`.
PromptBatch pad_left(const std::vector<std::vector<int32_t>>& seqs, int32_t pad_id);

// The whole N1.6 language path for a batch: languages[b] with tokens_per_image[b] (one entry per
// image in prompt order). Throws groot::Error if the tokenizer has no pad token.
PromptBatch encode_prompts(const Tokenizer& tok, const std::vector<std::string>& languages,
                           const std::vector<std::vector<int>>& tokens_per_image, bool formalize = true);

}  // namespace groot::prompt
