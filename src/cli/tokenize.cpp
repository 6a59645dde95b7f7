// groot tokenize: token ids of texts (or of full GR00T N1.6 prompts) with the Qwen2 tokenizer.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/flags.h"
#include "cli/verb.h"
#include "parity/tokenizer_parity.h"
#include "processor/prompt.h"
#include "processor/tokenizer.h"
#include "util/error.h"

namespace {

int parse_int(const std::string& s, const char* what) {
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(s, &used);
  } catch (const std::exception&) {
    groot::fail(what, ": \"", s, "\" is not an integer");
  }
  GROOT_CHECK(used == s.size() && v >= -(1L << 31) && v < (1L << 31), what, ": \"", s,
              "\" is not an integer");
  return int(v);
}

int run(int argc, char** argv) {
  CLI::App app{"Print the Qwen2 token ids of each TEXT (or of its full GR00T N1.6 prompt) as one JSON line",
               "groot tokenize"};
  std::string tok_dir;
  bool prompt = false, no_formalize = false, show_tokens = false, decode = false;
  int images = 2;
  std::string image_size = "252x252";
  std::vector<std::string> texts;
  app.add_option("--tokenizer", tok_dir,
                 "tokenizer folder (vocab.json + merges.txt) or a checkpoint folder holding them "
                 "[default: the eagle_tokenizer in groot's assets folder]");
  app.add_flag("--prompt", prompt,
               "tokenize the full N1.6 prompt (formalised language, chat template, image tokens); all TEXTs "
               "form one left-padded batch and each line also has attention_mask");
  app.add_option("--images", images, "with --prompt: images per sample (frames x views)")
      ->check(groot::cli::at_least(0));
  app.add_option(
      "--image-size", image_size,
      "with --prompt: HxW of every image after preprocessing; tokens = H*W/784 [default: 252x252]");
  app.add_flag("--no-formalize", no_formalize,
               "with --prompt: keep the language as given (no lower-case/punctuation strip)");
  app.add_flag("--tokens", show_tokens, "also print the token strings");
  app.add_flag("--decode", decode,
               "each TEXT is a list of ids (comma or space separated): print the decoded text");
  std::string golden;
  app.add_option(
      "--golden", golden,
      "instead of tokenizing: check the tokenizer/prompt goldens of a golden folder (preprocess.json, "
      "io.safetensors) and exit non-zero on any mismatch [default: none, tokenize the TEXTs]");
  app.add_option("TEXT", texts, "texts to tokenize (use - to read one text per line from stdin)");
  app.footer(
      "Examples:\n"
      "  groot tokenize \"Hello world\"\n"
      "  groot tokenize --prompt --images 2 \"Pick up the red cube.\" \"place it in the bowl\"\n"
      "  groot tokenize --decode \"9707,1879\"\n"
      "  groot tokenize --golden tests/golden/tiny_v1\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    if (!golden.empty()) {
      groot::Tokenizer tok =
          groot::Tokenizer::load(tok_dir.empty() ? groot::Tokenizer::default_dir() : tok_dir);
      groot::TokenizerParityReport r = groot::check_tokenizer_goldens(golden, tok);
      for (const std::string& f : r.failures) std::printf("MISMATCH %s\n", f.c_str());
      nlohmann::json j = {{"golden", golden},
                          {"tokenizer", tok.dir()},
                          {"checked", r.checked},
                          {"failed", r.failures.size()},
                          {"ok", r.ok()}};
      std::printf("%s\n", j.dump().c_str());
      return r.ok() ? 0 : 1;
    }
    GROOT_CHECK(!texts.empty(), "no TEXT given (pass texts, - for stdin, or --golden DIR)");
    std::vector<std::string> inputs;
    for (const std::string& t : texts) {
      if (t == "-") {
        std::string line;
        while (std::getline(std::cin, line)) inputs.push_back(line);
      } else {
        inputs.push_back(t);
      }
    }
    groot::Tokenizer tok =
        groot::Tokenizer::load(tok_dir.empty() ? groot::Tokenizer::default_dir() : tok_dir);
    auto token_strings = [&](const std::vector<int64_t>& ids) {
      nlohmann::json arr = nlohmann::json::array();
      for (int64_t id : ids) arr.push_back(tok.id_to_token(int32_t(id)));
      return arr;
    };

    if (decode) {
      for (const std::string& t : inputs) {
        std::string s = t;
        for (char& c : s) {
          if (c == ',' || c == '[' || c == ']') c = ' ';
        }
        std::istringstream is(s);
        std::vector<int32_t> ids;
        std::string w;
        while (is >> w) ids.push_back(parse_int(w, "--decode id"));
        nlohmann::json j = {{"ids", ids}, {"text", tok.decode(ids)}};
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      }
      return 0;
    }

    if (!prompt) {
      for (const std::string& t : inputs) {
        std::vector<int32_t> ids = tok.encode(t);
        nlohmann::json j = {{"text", t}, {"ids", ids}};
        if (show_tokens) j["tokens"] = token_strings(std::vector<int64_t>(ids.begin(), ids.end()));
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      }
      return 0;
    }

    size_t x = image_size.find('x');
    GROOT_CHECK(x != std::string::npos, "--image-size \"", image_size, "\": expected HxW, e.g. 252x252");
    int h = parse_int(image_size.substr(0, x), "--image-size height");
    int w = parse_int(image_size.substr(x + 1), "--image-size width");
    int per_image = groot::prompt::image_token_count(h, w);
    std::vector<std::vector<int>> tpi(inputs.size(), std::vector<int>(size_t(images), per_image));
    groot::prompt::PromptBatch batch = groot::prompt::encode_prompts(tok, inputs, tpi, !no_formalize);
    for (size_t b = 0; b < inputs.size(); ++b) {
      auto row = [&](const std::vector<int64_t>& v) {
        return std::vector<int64_t>(v.begin() + long(b * size_t(batch.length)),
                                    v.begin() + long((b + 1) * size_t(batch.length)));
      };
      std::vector<int64_t> ids = row(batch.input_ids), mask = row(batch.attention_mask);
      int64_t real = 0;
      for (int64_t m : mask) real += m;
      nlohmann::json j = {
          {"text", inputs[b]},
          {"language", no_formalize ? inputs[b] : groot::prompt::formalize_language(inputs[b])},
          {"images", images},
          {"tokens_per_image", per_image},
          {"length", real},
          {"ids", ids},
          {"attention_mask", mask}};
      if (show_tokens) j["tokens"] = token_strings(ids);
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    return 0;
  });
}

}  // namespace

GROOT_VERB(tokenize, 80, "token ids of texts or full N1.6 prompts (Qwen2 BPE, Eagle chat template)", run);
