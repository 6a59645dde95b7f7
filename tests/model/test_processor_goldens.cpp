// The processor golden checkers of src/parity (used by `groot parity`): the tokenizer / prompt
// checker and the image-preprocessing checker pass on the tiny_v1 goldens and name mismatches.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "parity/preprocess_parity.h"
#include "parity/tokenizer_parity.h"
#include "processor/tokenizer.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using json = nlohmann::json;
using groot::Error;
using groot::img::check_preprocess_goldens;
using groot::test::error_of;

namespace {

const groot::Tokenizer& eagle() {
  static const groot::Tokenizer tok = groot::Tokenizer::load(groot::test::tokenizer_dir());
  return tok;
}

json preprocess_json() {
  return json::parse(groot::read_file(groot::test::golden_root() + "/tiny_v1/preprocess.json"));
}

}  // namespace

TEST(TokenizerParity, GoldenFolderPassesAndMismatchesAreNamed) {
  std::string golden = groot::test::golden_root() + "/tiny_v1";
  groot::TokenizerParityReport r = groot::check_tokenizer_goldens(golden, eagle());
  EXPECT_TRUE(r.ok());
  EXPECT_GE(r.checked, 15 + 15 + 2 * 4 + 3);  // strings (+decode), prompts, batch
  for (const auto& f : r.failures) ADD_FAILURE() << f;

  groot::test::TempDir d;
  json pre = preprocess_json();
  pre["tokenizer"]["strings"][1]["ids"][3] = 42;
  pre["prompts"]["expanded_text"][1] = "<|im_start|>x";
  groot::write_file_atomic(d / "preprocess.json", pre.dump());
  groot::TokenizerParityReport bad = groot::check_tokenizer_goldens(d.path.string(), eagle());
  EXPECT_FALSE(bad.ok());
  bool named_string = false, named_prompt = false;
  for (const auto& f : bad.failures) {
    named_string |=
        f.find("tokenizer.strings[1]") != std::string::npos && f.find("position 3") != std::string::npos;
    named_prompt |= f.find("prompts[1] expanded text") != std::string::npos;
  }
  EXPECT_TRUE(named_string);
  EXPECT_TRUE(named_prompt);

  groot::test::TempDir empty;
  EXPECT_NE(
      error_of([&] { groot::check_tokenizer_goldens(empty.path.string(), eagle()); }).find("has neither"),
      std::string::npos);
}

TEST(ImageTransformsGolden, ParityHelperReportsAllStagesExact) {
  auto checks = check_preprocess_goldens(groot::test::golden_root() + "/tiny_v1");
  // 3 images x 4 stages + img2 pixel_values + img2/noletterbox 4 stages.
  EXPECT_EQ(checks.size(), 17u);
  for (const auto& c : checks) {
    EXPECT_TRUE(c.ok()) << c.tensor << " max " << c.max_abs;
    EXPECT_TRUE(c.exact()) << c.tensor << " " << c.n_diff << " of " << c.numel << " differ";
  }
  EXPECT_THROW(check_preprocess_goldens(groot::test::fixtures_dir()), Error);
}
