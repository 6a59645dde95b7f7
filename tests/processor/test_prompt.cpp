// N1.6 prompt tests: formalisation (vs Python), chat template and image expansion (vs the golden
// preprocess.json), the padded golden batch (vs io.safetensors in/input_ids, in/attention_mask).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "processor/prompt.h"
#include "processor/tokenizer.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using json = nlohmann::json;
namespace pr = groot::prompt;

using groot::test::error_of;

namespace {

const groot::Tokenizer& eagle() {
  static const groot::Tokenizer tok = groot::Tokenizer::load(groot::test::tokenizer_dir());
  return tok;
}

json preprocess_json() {
  return json::parse(groot::read_file(groot::test::golden_root() + "/tiny_v1/preprocess.json"));
}

// Minimal safetensors reader for int64 tensors: returns {shape, values}.
std::pair<std::vector<int64_t>, std::vector<int64_t>> read_i64(const std::string& path,
                                                               const std::string& name) {
  std::string blob = groot::test::read_test_file(path);
  uint64_t header_len = 0;
  std::memcpy(&header_len, blob.data(), 8);
  json header = json::parse(blob.substr(8, header_len));
  const json& e = header.at(name);
  EXPECT_EQ(e.at("dtype").get<std::string>(), "I64");
  std::vector<int64_t> shape = e.at("shape").get<std::vector<int64_t>>();
  size_t begin = e.at("data_offsets")[0].get<size_t>(), end = e.at("data_offsets")[1].get<size_t>();
  std::vector<int64_t> values((end - begin) / 8);
  std::memcpy(values.data(), blob.data() + 8 + header_len + begin, end - begin);
  return {shape, values};
}

const std::vector<std::string> kGoldenInstructions = {
    "Pick up the blue block and insert it into the MCX card slot.", "pick up the red cube"};

}  // namespace

TEST(Prompt, GoldenFormalizeTemplateExpandTokenize) {
  json p = preprocess_json()["prompts"];
  for (size_t b = 0; b < 2; ++b) {
    std::string lang = pr::formalize_language(kGoldenInstructions[b]);
    EXPECT_EQ(lang, p["formalized_language"][b].get<std::string>());
    std::string chat = pr::render_chat_template(lang, 2);
    EXPECT_EQ(chat, p["chat_template_text"][b].get<std::string>());
    std::string expanded = pr::expand_image_placeholders(chat, {81, 81});
    EXPECT_EQ(expanded, p["expanded_text"][b].get<std::string>());
    EXPECT_EQ(pr::build_prompt_text(kGoldenInstructions[b], {81, 81}), expanded);
    EXPECT_EQ(eagle().encode(expanded), p["prompt_ids_unpadded"][b].get<std::vector<int32_t>>());
  }
}

TEST(Prompt, GoldenBatchMatchesIoSafetensors) {
  std::string io = groot::test::golden_root() + "/tiny_v1/io.safetensors";
  auto [ids_shape, ids] = read_i64(io, "in/input_ids");
  auto [mask_shape, mask] = read_i64(io, "in/attention_mask");
  ASSERT_EQ(ids_shape, (std::vector<int64_t>{2, 206}));
  ASSERT_EQ(mask_shape, (std::vector<int64_t>{2, 206}));
  int per_image = pr::image_token_count(252, 252);
  EXPECT_EQ(per_image, 81);
  pr::PromptBatch batch =
      pr::encode_prompts(eagle(), kGoldenInstructions, {{per_image, per_image}, {per_image, per_image}});
  EXPECT_EQ(batch.batch, 2);
  EXPECT_EQ(batch.length, 206);
  EXPECT_EQ(batch.input_ids, ids);
  EXPECT_EQ(batch.attention_mask, mask);
  // sample 1 is left-padded with 9 x <|endoftext|>
  for (int k = 0; k < 9; ++k) EXPECT_EQ(batch.input_ids[206 + k], 151643);
  EXPECT_EQ(std::count(batch.input_ids.begin(), batch.input_ids.end(), 151669), 324);
}

TEST(Prompt, ReferenceWorkedExample) {
  // groot_n16_reference.md §2.4: 2 views at 252x252 -> L = 203
  std::vector<int32_t> ids =
      eagle().encode(pr::build_prompt_text("pick up the red cube and place it in the bowl", {81, 81}));
  ASSERT_EQ(ids.size(), 203u);
  std::vector<int32_t> head = {151644, 8948, 198,   2610,  525,  264, 10950, 17847, 13,    151645, 198,
                               151644, 872,  198,   29245, 705,  279, 2518,  23739, 323,   1992,   432,
                               304,    279,  19212, 27,    1805, 220, 16,    29,    151670};
  EXPECT_EQ(std::vector<int32_t>(ids.begin(), ids.begin() + long(head.size())), head);
  EXPECT_EQ(std::vector<int32_t>(ids.end() - 2, ids.end()), (std::vector<int32_t>{151645, 198}));
  // k >= 10 spells "<image 10>" with one token per digit
  std::vector<int> twelve(12, 81);
  std::string text = pr::build_prompt_text("x", twelve);
  EXPECT_NE(text.find("<image 12><img>"), std::string::npos);
  EXPECT_EQ(text.find("<image-"), std::string::npos);
}

TEST(Prompt, FormalizeMatchesPython) {
  std::ifstream in(std::string(GROOT_SOURCE_DIR) + "/tests/fixtures/tokenizer/unicode_cases.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    json c = json::parse(line);
    if (!c.contains("kind") || c["kind"] != "formalize") continue;
    EXPECT_EQ(pr::formalize_language(c["in"].get<std::string>()), c["out"].get<std::string>())
        << json(c["in"]).dump();
    ++n;
  }
  EXPECT_GT(n, 200);
  EXPECT_EQ(pr::formalize_language("Hello, World! it's 3.5_x"), "hello world its 35_x");
  EXPECT_EQ(pr::formalize_language("ΟΔΥΣΣΕΥΣ."), "οδυσσευς");  // final sigma, then '.' removed
}

TEST(Prompt, ImageOrderAndCounts) {
  std::vector<pr::ImageSlot> order = pr::image_order(2, 3);
  ASSERT_EQ(order.size(), 6u);
  int k = 0;
  for (int t = 0; t < 2; ++t) {
    for (int v = 0; v < 3; ++v, ++k) {
      EXPECT_EQ(order[size_t(k)].t, t);
      EXPECT_EQ(order[size_t(k)].view, v);
    }
  }
  EXPECT_EQ(pr::image_token_count(252, 336), 108);
  EXPECT_EQ(pr::image_token_count(28, 28), 1);
  EXPECT_NE(error_of([] { pr::image_token_count(0, 252); }).find("must be positive"), std::string::npos);
  EXPECT_NE(error_of([] { pr::image_token_count(10, 10); }).find("gives no LLM tokens"), std::string::npos);
}

TEST(Prompt, PlaceholderExpansionEdgeCases) {
  EXPECT_EQ(pr::expand_image_placeholders("a<image-2>b<image-1>", {1, 2}),
            "a<image 2><img><IMG_CONTEXT><IMG_CONTEXT></img>b<image 1><img><IMG_CONTEXT></img>");
  EXPECT_EQ(pr::expand_image_placeholders("<image-01>", {1}), "<image 1><img><IMG_CONTEXT></img>");
  EXPECT_EQ(pr::expand_image_placeholders("<image-> <image-x> <<image 1> <img>", {1}),
            "<image-> <image-x> <<image 1> <img>");
  EXPECT_NE(error_of([] {
              pr::expand_image_placeholders("<image-3>", {81, 81});
            }).find("refers to image 3"),
            std::string::npos);
  EXPECT_NE(error_of([] { pr::expand_image_placeholders("<image-0>", {81}); }).find("refers to image 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { pr::expand_image_placeholders("<video-1>", {81}); }).find("video placeholder"),
            std::string::npos);
  // without formalisation the raw language (punctuation, case) is kept
  EXPECT_EQ(pr::build_prompt_text("Go!", {}, false),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nGo!<|im_end|>\n");
  EXPECT_EQ(pr::build_prompt_text("Go!", {}, true),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\ngo<|im_end|>\n");
}

TEST(Prompt, PadLeft) {
  pr::PromptBatch b = pr::pad_left({{1, 2, 3}, {}, {4}}, 0);
  EXPECT_EQ(b.batch, 3);
  EXPECT_EQ(b.length, 3);
  EXPECT_EQ(b.input_ids, (std::vector<int64_t>{1, 2, 3, 0, 0, 0, 0, 0, 4}));
  EXPECT_EQ(b.attention_mask, (std::vector<int64_t>{1, 1, 1, 0, 0, 0, 0, 0, 1}));
  pr::PromptBatch e = pr::pad_left({}, 7);
  EXPECT_EQ(e.batch, 0);
  EXPECT_EQ(e.length, 0);
  EXPECT_NE(error_of([] {
              pr::encode_prompts(eagle(), {"a", "b"}, {{81}});
            }).find("2 languages but 1 image lists"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              pr::formalize_language("bad \xFF");
            }).find("language instruction: invalid UTF-8 at byte 4"),
            std::string::npos);
}
