#include "processor/prompt.h"

#include <algorithm>

#include "processor/unicode.h"
#include "util/error.h"

namespace groot::prompt {

namespace uni = groot::unicode;

std::string formalize_language(std::string_view text) {
  std::u32string lowered = uni::py_lower(uni::decode_utf8(text, "language instruction"));
  std::string out;
  out.reserve(text.size());
  const uint8_t* F = uni::flag_table_data();
  for (char32_t c : lowered) {
    if (F[c] & (uni::kPyWord | uni::kPySpace)) uni::append_utf8(out, c);
  }
  return out;
}

int image_token_count(int height, int width) {
  GROOT_CHECK(height > 0 && width > 0, "image size ", height, "x", width, " must be positive");
  int64_t n = int64_t(height) * int64_t(width) / kPixelsPerToken;
  GROOT_CHECK(n > 0, "image size ", height, "x", width, " gives no LLM tokens (needs at least ",
              kPixelsPerToken, " pixels)");
  return int(n);
}

std::vector<ImageSlot> image_order(int num_frames, int num_views) {
  GROOT_CHECK(num_frames >= 0 && num_views >= 0, "image_order: negative frame or view count");
  std::vector<ImageSlot> out;
  out.reserve(size_t(num_frames) * size_t(num_views));
  for (int t = 0; t < num_frames; ++t) {
    for (int v = 0; v < num_views; ++v) out.push_back(ImageSlot{t, v});
  }
  return out;
}

std::string render_chat_template(std::string_view language, int num_images) {
  GROOT_CHECK(num_images >= 0, "render_chat_template: negative image count ", num_images);
  std::string out;
  out += "<|im_start|>system\n";
  out += kSystemPrompt;
  out += "<|im_end|>\n<|im_start|>user\n";
  out += language;
  for (int k = 1; k <= num_images; ++k) out += "<image-" + std::to_string(k) + ">";
  out += "<|im_end|>\n";
  return out;
}

std::string expand_image_placeholders(std::string_view text, const std::vector<int>& tokens_per_image) {
  // Python: re.sub(r"<(image|video)-(\d+)>", repl, text)
  std::string out;
  out.reserve(text.size() + 16 * tokens_per_image.size() * 81);
  size_t i = 0;
  while (i < text.size()) {
    size_t lt = text.find('<', i);
    if (lt == std::string_view::npos) break;
    out.append(text.substr(i, lt - i));
    std::string_view kind;
    for (std::string_view k : {std::string_view("image"), std::string_view("video")}) {
      if (text.substr(lt + 1, k.size()) == k && lt + 1 + k.size() < text.size() &&
          text[lt + 1 + k.size()] == '-') {
        kind = k;
      }
    }
    size_t d0 = lt + 1 + kind.size() + 1, d1 = d0;
    while (!kind.empty() && d1 < text.size() && text[d1] >= '0' && text[d1] <= '9') ++d1;
    if (kind.empty() || d1 == d0 || d1 >= text.size() || text[d1] != '>') {
      out.push_back('<');
      i = lt + 1;
      continue;
    }
    std::string_view digits = text.substr(d0, d1 - d0);
    GROOT_CHECK(kind == "image", "prompt: video placeholder <video-", std::string(digits),
                "> is not supported (GR00T N1.6 prompts contain images only)");
    // Python int() of the digits, then a 1-based list index.
    size_t k = 0;
    bool overflow = false;
    for (char c : digits) {
      if (k > 100000000) overflow = true;
      k = k * 10 + size_t(c - '0');
    }
    GROOT_CHECK(!overflow && k >= 1 && k <= tokens_per_image.size(), "prompt: placeholder <image-",
                std::string(digits), "> refers to image ", std::string(digits), " but the sample has ",
                tokens_per_image.size(), " image(s)");
    int n = tokens_per_image[k - 1];
    GROOT_CHECK(n > 0, "prompt: image ", k, " has ", n, " tokens (must be > 0)");
    out += "<image " + std::to_string(k) + ">";
    out += kImageStart;
    for (int r = 0; r < n; ++r) out += kImageToken;
    out += kImageEnd;
    i = d1 + 1;
  }
  if (i < text.size()) out.append(text.substr(i));
  return out;
}

std::string build_prompt_text(std::string_view language, const std::vector<int>& tokens_per_image,
                              bool formalize) {
  std::string lang = formalize ? formalize_language(language) : std::string(language);
  return expand_image_placeholders(render_chat_template(lang, int(tokens_per_image.size())),
                                   tokens_per_image);
}

PromptBatch pad_left(const std::vector<std::vector<int32_t>>& seqs, int32_t pad_id) {
  PromptBatch b;
  b.batch = int64_t(seqs.size());
  for (const auto& s : seqs) b.length = std::max<int64_t>(b.length, int64_t(s.size()));
  b.input_ids.assign(size_t(b.batch * b.length), pad_id);
  b.attention_mask.assign(size_t(b.batch * b.length), 0);
  for (size_t r = 0; r < seqs.size(); ++r) {
    size_t off = r * size_t(b.length) + (size_t(b.length) - seqs[r].size());
    for (size_t c = 0; c < seqs[r].size(); ++c) {
      b.input_ids[off + c] = seqs[r][c];
      b.attention_mask[off + c] = 1;
    }
  }
  return b;
}

PromptBatch encode_prompts(const Tokenizer& tok, const std::vector<std::string>& languages,
                           const std::vector<std::vector<int>>& tokens_per_image, bool formalize) {
  GROOT_CHECK(languages.size() == tokens_per_image.size(), "encode_prompts: ", languages.size(),
              " languages but ", tokens_per_image.size(), " image lists");
  GROOT_CHECK(tok.pad_id() >= 0, "tokenizer ", tok.dir(), " has no pad token; cannot pad a batch");
  std::vector<std::vector<int32_t>> seqs;
  seqs.reserve(languages.size());
  for (size_t b = 0; b < languages.size(); ++b) {
    seqs.push_back(tok.encode(build_prompt_text(languages[b], tokens_per_image[b], formalize)));
  }
  return pad_left(seqs, tok.pad_id());
}

}  // namespace groot::prompt
