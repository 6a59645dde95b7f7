// Tokenizer / prompt parity against a golden folder (e.g. tests/golden/tiny_v1), for
// `groot parity` and the tests. Pure C++ (no LibTorch).
//
// Checks, when the files are present:
//   preprocess.json  "tokenizer.strings[*]": encode(text) == ids, decode(ids) == decoded
//                    "prompts": formalize_language, chat template text, expanded text, unpadded ids
//                    (instructions taken from meta.json "prompt" when present, else the formalised text)
//   io.safetensors   in/input_ids and in/attention_mask == the left-padded batch of those prompts
// Every mismatch is reported by name; a golden folder without any of these files is an error.
#pragma once
#include <string>
#include <vector>

#include "processor/tokenizer.h"

namespace groot {

struct TokenizerParityReport {
  int checked = 0;  // number of individual comparisons made
  std::vector<std::string>
      failures;  // one line per mismatch ("tokenizer.strings[3] \"...\": ids differ ...")
  bool ok() const { return checked > 0 && failures.empty(); }
};

// Throws groot::Error when golden_dir has neither preprocess.json nor io.safetensors, or they are malformed.
TokenizerParityReport check_tokenizer_goldens(const std::string& golden_dir, const Tokenizer& tok);

}  // namespace groot
