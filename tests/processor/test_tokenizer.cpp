// Tokenizer tests: golden ids (tests/golden/tiny_v1 and the Hugging Face reference file
// tests/fixtures/tokenizer/hf_ids.jsonl), Python-computed Unicode expectations
// (tests/fixtures/tokenizer/unicode_cases.jsonl), BPE semantics on a synthetic vocabulary, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "processor/prompt.h"
#include "processor/tokenizer.h"
#include "processor/unicode.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/paths.h"

using groot::Tokenizer;
using json = nlohmann::json;
namespace fs = std::filesystem;

using groot::test::error_of;

namespace {

const Tokenizer& eagle() {
  static const Tokenizer tok = Tokenizer::load(groot::test::tokenizer_dir());
  return tok;
}

std::string fixture(const std::string& name) {
  return std::string(GROOT_SOURCE_DIR) + "/tests/fixtures/tokenizer/" + name;
}

std::vector<json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

std::vector<int32_t> ids_of(const json& j) {
  return j.get<std::vector<int32_t>>();
}

std::u32string u32(const std::string& s) {
  return groot::unicode::decode_utf8(s, "test");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Goldens

TEST(TokenizerGolden, PreprocessJsonStrings) {
  json pre = json::parse(groot::read_file(groot::test::golden_root() + "/tiny_v1/preprocess.json"));
  const json& strings = pre["tokenizer"]["strings"];
  ASSERT_GE(strings.size(), 15u);
  for (const json& s : strings) {
    std::string text = s["text"];
    EXPECT_EQ(eagle().encode(text), ids_of(s["ids"])) << "text: " << text;
    EXPECT_EQ(eagle().decode(ids_of(s["ids"])), s["decoded"].get<std::string>()) << "text: " << text;
    std::vector<std::string> toks;
    for (int32_t id : ids_of(s["ids"])) toks.push_back(eagle().id_to_token(id));
    EXPECT_EQ(toks, s["tokens"].get<std::vector<std::string>>()) << "text: " << text;
  }
}

TEST(TokenizerGolden, SpecialIdsAndSize) {
  json pre = json::parse(groot::read_file(groot::test::golden_root() + "/tiny_v1/preprocess.json"));
  const json& t = pre["tokenizer"];
  EXPECT_EQ(eagle().size(), t["len"].get<int64_t>());
  EXPECT_EQ(eagle().pad_id(), t["pad_token_id"].get<int32_t>());
  EXPECT_EQ(eagle().eos_id(), 151645);
  for (auto it = t["special_ids"].begin(); it != t["special_ids"].end(); ++it) {
    EXPECT_EQ(eagle().token_to_id(it.key()), it.value().get<int32_t>()) << it.key();
    EXPECT_EQ(eagle().id_to_token(it.value().get<int32_t>()), it.key());
  }
  EXPECT_EQ(eagle().added_tokens().size(), 37u);
  EXPECT_EQ(eagle().token_to_id("Ġworld"), 1879);
  EXPECT_EQ(eagle().token_to_id("no-such-token-xyz"), -1);
}

// Expected ids from transformers' AutoTokenizer (tools/tokenizer_goldens.py, run on the GPU machine).
TEST(TokenizerGolden, HuggingFaceReferenceIds) {
  std::string path = fixture("hf_ids.jsonl");
  if (!fs::exists(path)) {
    GTEST_SKIP() << path
                 << " not generated yet: run `python3 tools/tokenizer_goldens.py assets/eagle_tokenizer "
                 << "tests/fixtures/tokenizer/hf_ids.jsonl` on a machine with transformers";
  }
  std::vector<json> cases = read_jsonl(path);
  ASSERT_GT(cases.size(), 300u);
  ASSERT_TRUE(cases[0].contains("meta"));
  EXPECT_EQ(cases[0]["meta"]["len"].get<int64_t>(), eagle().size());
  EXPECT_EQ(cases[0]["meta"]["pad_token_id"].get<int32_t>(), eagle().pad_id());
  size_t n_text = 0, n_mismatch = 0;
  for (size_t i = 1; i < cases.size(); ++i) {
    const json& c = cases[i];
    if (c["kind"] != "text") continue;
    ++n_text;
    std::string text = c["text"];
    std::vector<int32_t> ids = eagle().encode(text);
    if (ids != ids_of(c["ids"])) ++n_mismatch;
    EXPECT_EQ(ids, ids_of(c["ids"])) << "case " << c["name"] << ": " << json(text).dump();
    EXPECT_EQ(eagle().decode(ids_of(c["ids"])), c["decoded"].get<std::string>()) << "case " << c["name"];
    EXPECT_EQ(eagle().decode(ids_of(c["ids"]), true), c["decoded_skip_special"].get<std::string>())
        << "case " << c["name"];
  }
  EXPECT_GT(n_text, 300u);
  EXPECT_EQ(n_mismatch, 0u);

  // full prompts (jinja-rendered chat template + upstream placeholder expansion + formalize_language)
  std::map<std::string, json> prompts;
  size_t n_batch = 0;
  for (size_t i = 1; i < cases.size(); ++i) {
    const json& c = cases[i];
    if (c["kind"] == "prompt") {
      std::string name = c["name"], lang = c["language"];
      bool formalize = c["formalize"];
      std::vector<int> tpi = c["tokens_per_image"];
      std::string used = formalize ? groot::prompt::formalize_language(lang) : lang;
      EXPECT_EQ(used, c["language_used"].get<std::string>()) << "prompt " << name;
      std::string chat = groot::prompt::render_chat_template(used, int(tpi.size()));
      EXPECT_EQ(chat, c["chat_text"].get<std::string>()) << "prompt " << name;
      std::string text = groot::prompt::build_prompt_text(lang, tpi, formalize);
      EXPECT_EQ(text, c["text"].get<std::string>()) << "prompt " << name;
      EXPECT_EQ(eagle().encode(text), ids_of(c["ids"])) << "prompt " << name;
      prompts[name] = c;
    } else if (c["kind"] == "batch") {
      ++n_batch;
      std::vector<std::string> langs;
      std::vector<std::vector<int>> tpis;
      for (const json& name : c["names"]) {
        ASSERT_TRUE(prompts.count(name.get<std::string>())) << name;
        const json& p = prompts[name.get<std::string>()];
        ASSERT_TRUE(p["formalize"].get<bool>());
        langs.push_back(p["language"]);
        tpis.push_back(p["tokens_per_image"]);
      }
      groot::prompt::PromptBatch b = groot::prompt::encode_prompts(eagle(), langs, tpis);
      std::vector<int64_t> ids, mask;
      for (const json& row : c["input_ids"]) {
        for (const json& v : row) ids.push_back(v);
      }
      for (const json& row : c["attention_mask"]) {
        for (const json& v : row) mask.push_back(v);
      }
      EXPECT_EQ(b.input_ids, ids);
      EXPECT_EQ(b.attention_mask, mask);
    }
  }
  EXPECT_GE(prompts.size(), 10u);
  EXPECT_EQ(n_batch, 1u);
}

TEST(TokenizerGolden, ThreadsAgree) {
  std::vector<std::string> texts = {"Hello world",
                                    "机器人抓取红色方块",
                                    "emoji 🤖👍 and\ttabs",
                                    "don't I'm",
                                    "<|im_start|>user\nhi<|im_end|>\n",
                                    std::string(500, 'a') + " tail"};
  std::vector<std::vector<int32_t>> want;
  for (const auto& t : texts) want.push_back(eagle().encode(t));
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 50; ++rep) {
        for (size_t i = 0; i < texts.size(); ++i) bad[k] += eagle().encode(texts[i]) != want[i];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(bad[k], 0) << "thread " << k;
}

// ---------------------------------------------------------------------------------------------
// Behaviour on the real vocabulary

TEST(Tokenizer, AddedTokensAreAtomicAndLeftmostLongest) {
  const Tokenizer& t = eagle();
  EXPECT_EQ(t.encode("<|im_start|>"), (std::vector<int32_t>{151644}));
  EXPECT_EQ(t.encode("a<IMG_CONTEXT><IMG_CONTEXT>b"),
            (std::vector<int32_t>{t.encode("a")[0], 151669, 151669, t.encode("b")[0]}));
  // "<img" alone is plain text; "<img>" is the token; "</img>" is not "<" + "/img>"
  std::vector<int32_t> partial = t.encode("<img");
  EXPECT_EQ(std::count(partial.begin(), partial.end(), 151670), 0);
  EXPECT_EQ(t.encode("</img>"), (std::vector<int32_t>{151671}));
  // special tokens break pre-tokenisation: " <|im_end|>" -> "Ġ" + <|im_end|>
  EXPECT_EQ(t.encode(" <|im_end|>"), (std::vector<int32_t>{220, 151645}));
}

TEST(Tokenizer, DecodeSkipsOnlySpecialTokensAndReplacesBrokenUtf8) {
  const Tokenizer& t = eagle();
  std::vector<int32_t> ids = t.encode("<|im_start|>user\nhi<think>x</think><|im_end|>");
  EXPECT_EQ(t.decode(ids), "<|im_start|>user\nhi<think>x</think><|im_end|>");
  EXPECT_EQ(t.decode(ids, true), "user\nhi<think>x</think>");  // <think> is added but not special
  // 11162 = "ĠðŁ" (space + first two bytes of a 4-byte emoji): lossy decode gives one U+FFFD
  EXPECT_EQ(t.decode({11162}), " \xEF\xBF\xBD");
  EXPECT_EQ(t.decode({11162, 97, 244}), " \xF0\x9F\xA4\x96");
  // broken runs are decoded separately on both sides of an added token
  EXPECT_EQ(t.decode({11162, 151669, 97, 244}), " \xEF\xBF\xBD<IMG_CONTEXT>\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Tokenizer, RoundTripIsNfc) {
  const Tokenizer& t = eagle();
  for (const std::string s :
       {"Hello world", "naïve café — déjà vu", "e\xCC\x81 and A\xCC\x8A", "한국어 텍스트",
        "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", "tabs\t\tand\r\nCRLF  ", "🤖👍🏽🇺🇸"}) {
    std::string nfc = groot::unicode::encode_utf8(groot::unicode::nfc(u32(s)));
    EXPECT_EQ(t.decode(t.encode(s)), nfc) << s;
  }
}

TEST(Tokenizer, Errors) {
  const Tokenizer& t = eagle();
  EXPECT_NE(error_of([&] { t.encode("bad \xC3\x28 utf8"); }).find("not valid UTF-8 (byte 4"),
            std::string::npos);
  EXPECT_NE(error_of([&] { t.encode("\xED\xA0\x80"); }).find("not valid UTF-8"),
            std::string::npos);                                                                   // surrogate
  EXPECT_NE(error_of([&] { t.encode("\xC0\xAF"); }).find("not valid UTF-8"), std::string::npos);  // overlong
  EXPECT_NE(error_of([&] { t.decode({1, 999999}); }).find("id 999999 (position 1)"), std::string::npos);
  EXPECT_NE(error_of([&] { t.decode({-3}); }).find("id -3"), std::string::npos);
  EXPECT_NE(error_of([&] { t.id_to_token(151680); }).find("id 151680"), std::string::npos);
  Tokenizer empty;
  EXPECT_NE(error_of([&] { empty.encode("x"); }).find("before Tokenizer::load()"), std::string::npos);
}

TEST(Tokenizer, DefaultDir) {
  // Without a checkpoint tokenizer: the assets copy next to the test binary (the build tree's
  // assets/, copied from the repository's assets/ by CMake), byte-identical with the source asset.
  namespace fs = std::filesystem;
  const fs::path exe_assets = fs::weakly_canonical(fs::path(groot::executable_dir()) / "assets" / "eagle_tokenizer");
  EXPECT_EQ(Tokenizer::default_dir(), exe_assets.string());
  EXPECT_EQ(groot::read_file(exe_assets / "vocab.json"),
            groot::read_file(fs::path(groot::test::tokenizer_dir()) / "vocab.json"));
  groot::test::TempDir d;
  EXPECT_EQ(Tokenizer::default_dir(d.path.string()), exe_assets.string());
  groot::write_file_atomic(d / "vocab.json", "{}");
  groot::write_file_atomic(d / "merges.txt", "");
  EXPECT_EQ(Tokenizer::default_dir(d.path.string()), d.path.string());
}

// ---------------------------------------------------------------------------------------------
// Synthetic vocabulary: BPE semantics, added-token options, load errors

namespace {

// Writes a byte-level tokenizer: the 256 byte tokens (ids 0..255), then `extra` tokens, `merges`,
// and `added` (a tokenizer_config.json added_tokens_decoder object, may be empty).
void write_tiny(const fs::path& dir, const std::vector<std::string>& extra,
                const std::vector<std::string>& merges, const json& added = json::object()) {
  // GPT-2 byte -> unicode map
  json vocab = json::object();
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    std::string s;
    groot::unicode::append_utf8(s, printable ? char32_t(b) : char32_t(256 + n++));
    vocab[s] = b;
  }
  int id = 256;
  for (const auto& e : extra) vocab[e] = id++;
  groot::write_file_atomic(dir / "vocab.json", vocab.dump());
  std::string m = "#version: 0.2\n";
  for (const auto& x : merges) m += x + "\n";
  groot::write_file_atomic(dir / "merges.txt", m);
  json cfg = {{"added_tokens_decoder", added}, {"pad_token", nullptr}};
  groot::write_file_atomic(dir / "tokenizer_config.json", cfg.dump());
}

std::vector<std::string> toks(const Tokenizer& t, const std::string& s) {
  std::vector<std::string> out;
  for (int32_t id : t.encode(s)) out.push_back(t.id_to_token(id));
  return out;
}

}  // namespace

TEST(TokenizerBpe, MergesByRankLeftmostFirst) {
  groot::test::TempDir d;
  write_tiny(d.path, {"aa", "bc", "ab", "aaaa", "Ġa"}, {"b c", "a a", "a b", "aa aa", "Ġ a"});
  Tokenizer t = Tokenizer::load(d.path.string());
  EXPECT_EQ(toks(t, "aaa"), (std::vector<std::string>{"aa", "a"}));  // leftmost pair first
  EXPECT_EQ(toks(t, "aaaa"), (std::vector<std::string>{"aaaa"}));
  EXPECT_EQ(toks(t, "aaaaa"), (std::vector<std::string>{"aaaa", "a"}));
  EXPECT_EQ(toks(t, "abc"), (std::vector<std::string>{"a", "bc"}));  // "b c" (rank 0) beats "a b" (rank 2)
  EXPECT_EQ(toks(t, "ab"), (std::vector<std::string>{"ab"}));
  EXPECT_EQ(toks(t, "x a"), (std::vector<std::string>{"x", "Ġa"}));
  EXPECT_EQ(t.pad_id(), -1);
  EXPECT_EQ(t.size(), 256 + 5);
  // long piece (not cached) gives the same result as the cached path would
  std::vector<std::string> want(150, "aaaa");
  EXPECT_EQ(toks(t, std::string(600, 'a')), want);
}

TEST(TokenizerBpe, AddedTokenStripOptions) {
  groot::test::TempDir d;
  json added = {{"300", {{"content", "<L>"}, {"special", true}, {"lstrip", true}}},
                {"301", {{"content", "<R>"}, {"special", false}, {"rstrip", true}}},
                {"302", {{"content", "<LONG>"}, {"special", true}}},
                {"303", {{"content", "<LONGER>"}, {"special", true}}}};
  write_tiny(d.path, {}, {}, added);
  Tokenizer t = Tokenizer::load(d.path.string());
  EXPECT_EQ(toks(t, "x  <L>y"), (std::vector<std::string>{"x", "<L>", "y"}));
  EXPECT_EQ(toks(t, "x<R> \t y"), (std::vector<std::string>{"x", "<R>", "y"}));
  EXPECT_EQ(toks(t, "<LONGER><LONG>"), (std::vector<std::string>{"<LONGER>", "<LONG>"}));
  EXPECT_EQ(t.decode(t.encode("a<L>b<R>c"), true), "ab<R>c");
}

TEST(TokenizerBpe, LoadErrorsNameTheFile) {
  groot::test::TempDir d;
  EXPECT_NE(error_of([&] { Tokenizer::load((d / "missing").string()); }).find("does not exist"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::load(d.path.string()); }).find("has no vocab.json"), std::string::npos);

  write_tiny(d.path, {"aa"}, {"a a"});
  groot::write_file_atomic(d / "vocab.json", "{\"a\": 0, ");
  EXPECT_NE(error_of([&] { Tokenizer::load(d.path.string()); }).find("vocab.json: not valid JSON"),
            std::string::npos);

  write_tiny(d.path, {"aa"}, {"a a", "a b c"});
  EXPECT_NE(
      error_of([&] { Tokenizer::load(d.path.string()); }).find("merges.txt line 3: expected \"left right\""),
      std::string::npos);

  write_tiny(d.path, {"aa"}, {"a a", "a q"});
  EXPECT_NE(
      error_of([&] { Tokenizer::load(d.path.string()); }).find("merges.txt line 3: merged token \"aq\""),
      std::string::npos);

  write_tiny(d.path, {"aa"}, {"a a", "zz a"});
  EXPECT_NE(error_of([&] { Tokenizer::load(d.path.string()); }).find("merge part \"zz\""), std::string::npos);

  write_tiny(d.path, {}, {}, {{"300", {{"content", "<x>"}, {"single_word", true}}}});
  EXPECT_NE(error_of([&] { Tokenizer::load(d.path.string()); }).find("single_word=true is not supported"),
            std::string::npos);

  write_tiny(d.path, {}, {});
  groot::write_file_atomic(d / "tokenizer_config.json", R"({"pad_token": "<nope>"})");
  EXPECT_NE(
      error_of([&] { Tokenizer::load(d.path.string()); }).find("pad_token \"<nope>\" is not a known token"),
      std::string::npos);

  json vocab = {{"a", 0}};
  groot::write_file_atomic(d / "vocab.json", vocab.dump());
  EXPECT_NE(error_of([&] { Tokenizer::load(d.path.string()); }).find("not a byte-level BPE vocabulary"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Unicode helpers and the pre-tokenizer against Python (tools/unicode_goldens.py)

TEST(TokenizerUnicode, PythonCases) {
  std::vector<json> cases = read_jsonl(fixture("unicode_cases.jsonl"));
  ASSERT_GT(cases.size(), 2000u);
  EXPECT_EQ(cases[0]["meta"]["unicodedata"].get<std::string>(), groot::unicode::kUnicodeVersion)
      << "regenerate the tables and the fixture with the same Python";
  std::map<std::string, int> checked;
  for (size_t i = 1; i < cases.size(); ++i) {
    const json& c = cases[i];
    std::string kind = c["kind"], in = c["in"];
    if (kind == "nfc") {
      EXPECT_EQ(groot::unicode::encode_utf8(groot::unicode::nfc(u32(in))), c["out"].get<std::string>())
          << "NFC of " << json(in).dump();
    } else if (kind == "lower") {
      EXPECT_EQ(groot::unicode::encode_utf8(groot::unicode::py_lower(u32(in))), c["out"].get<std::string>())
          << "lower of " << json(in).dump();
    } else if (kind == "formalize") {
      continue;  // tests/model/test_prompt.cpp
    } else if (kind == "pretok") {
      EXPECT_EQ(Tokenizer::pretokenize(in), c["out"].get<std::vector<std::string>>()) << json(in).dump();
    } else {
      ADD_FAILURE() << "unknown kind " << kind;
    }
    checked[kind]++;
  }
  EXPECT_GT(checked["nfc"], 1500);
  EXPECT_GT(checked["lower"], 200);
  EXPECT_GT(checked["pretok"], 300);
}

TEST(TokenizerUnicode, PretokenizeQwen2Rules) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Tokenizer::pretokenize("Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(Tokenizer::pretokenize("it's THEY'RE"), (V{"it", "'s", " THEY", "'RE"}));
  EXPECT_EQ(Tokenizer::pretokenize("2025"), (V{"2", "0", "2", "5"}));
  EXPECT_EQ(Tokenizer::pretokenize("a  b"), (V{"a", " ", " b"}));
  EXPECT_EQ(Tokenizer::pretokenize("x   "), (V{"x", "   "}));
  EXPECT_EQ(Tokenizer::pretokenize("x \n\n y"), (V{"x", " \n\n", " y"}));
  EXPECT_EQ(Tokenizer::pretokenize("hi!!\n\nok"), (V{"hi", "!!\n\n", "ok"}));
  EXPECT_EQ(Tokenizer::pretokenize(" ...x"), (V{" ...", "x"}));
  EXPECT_EQ(Tokenizer::pretokenize("\tx"), (V{"\tx"}));
  EXPECT_EQ(Tokenizer::pretokenize(""), V{});
}

TEST(TokenizerUnicode, Utf8Helpers) {
  using namespace groot::unicode;
  EXPECT_EQ(find_invalid_utf8("ok \xE2\x82\xAC"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ok \xE2\x82"), 3u);
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // > U+10FFFF
  // maximal subparts: E2 82 (truncated) is one U+FFFD; a lone continuation byte is one
  EXPECT_EQ(decode_utf8_lossy("a\xE2\x82"
                              "b\x80"
                              "c"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c");
  EXPECT_EQ(decode_utf8_lossy("\xF0\x9F\xA4"), "\xEF\xBF\xBD");
  EXPECT_EQ(decode_utf8_lossy("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(encode_utf8(decode_utf8("\xF0\x9F\xA4\x96 é", "t")), "\xF0\x9F\xA4\x96 é");
  EXPECT_EQ(flags(U'a') & (kLetter | kPyWord), kLetter | kPyWord);
  EXPECT_EQ(flags(U'7') & kNumber, kNumber);
  EXPECT_EQ(flags(0x1C) & (kSpace | kPySpace), kPySpace);  // Python-only whitespace
  EXPECT_EQ(flags(0x3000) & kSpace, kSpace);
  EXPECT_EQ(flags(0x200B) & kSpace, 0);
  EXPECT_EQ(flags(0x110000), 0);
}

TEST(TokenizerBpe, ArrayAndHeapPathsAgree) {
  const Tokenizer& t = eagle();
  std::mt19937 rng(7);
  const std::vector<std::string> alphabet = {"a",    "e", "t", "in", "the", " ",  "  ",   "é",   "中",
                                             "🤖", "1", "!", "\n", "ing", "er", "\xF0", "\x80"};
  for (int k = 0; k < 2000; ++k) {
    std::string piece;
    size_t target = 2 + rng() % 46;
    while (piece.size() < target) piece += alphabet[rng() % alphabet.size()];
    if (piece.size() > 48) piece.resize(48);
    ASSERT_EQ(t.bpe_piece_for_test(piece, false), t.bpe_piece_for_test(piece, true))
        << json(std::vector<int>(piece.begin(), piece.end())).dump();
  }
}

TEST(TokenizerBpe, VocabJsonLayoutsAndCrlfMerges) {
  groot::test::TempDir d;
  write_tiny(d.path, {"aa", "Ġa", "é", "🤖x"}, {"a a", "Ġ a"});
  Tokenizer compact = Tokenizer::load(d.path.string());
  // same vocabulary, pretty-printed with \uXXXX escapes (incl. a surrogate pair), CRLF merges
  json vocab = json::parse(groot::read_file(d / "vocab.json"));
  groot::write_file_atomic(d / "vocab.json", vocab.dump(2, ' ', /*ensure_ascii=*/true));
  ASSERT_NE(groot::read_file(d / "vocab.json").find("\\ud83e"), std::string::npos);
  groot::write_file_atomic(d / "merges.txt", "#version: 0.2\r\na a\r\nĠ a\r\n\r\n");
  Tokenizer pretty = Tokenizer::load(d.path.string());
  for (const std::string tok : {"aa", "Ġa", "é", "🤖x", "Ġ", "a"}) {
    EXPECT_EQ(pretty.token_to_id(tok), compact.token_to_id(tok)) << tok;
    EXPECT_GE(pretty.token_to_id(tok), 0) << tok;
  }
  EXPECT_EQ(toks(pretty, "aa a"), (std::vector<std::string>{"aa", "Ġa"}));
  // a float id is rejected (through the general JSON path) with the token named
  vocab["aa"] = 256.5;
  groot::write_file_atomic(d / "vocab.json", vocab.dump());
  EXPECT_NE(error_of([&] { Tokenizer::load(d.path.string()); }).find("token \"aa\" has a non-integer id"),
            std::string::npos);
  vocab["aa"] = 5;  // duplicate id
  groot::write_file_atomic(d / "vocab.json", vocab.dump());
  EXPECT_NE(error_of([&] { Tokenizer::load(d.path.string()); }).find("is used by two tokens"),
            std::string::npos);
}
