// Qwen2 byte-level BPE tokenizer (the tokenizer GR00T N1.6 uses through Eagle's processor).
// Pure C++ (no LibTorch); thread-safe; ids identical to Hugging Face's Qwen2 tokenizer.
//
// Files (a Hugging Face tokenizer folder, e.g. assets/eagle_tokenizer or a checkpoint folder):
//   vocab.json              {"token in GPT-2 byte->unicode alphabet": id}
//   merges.txt              "#version" header, then one "left right" merge per line; rank = line order
//   tokenizer_config.json   added_tokens_decoder {id: {content, special, lstrip, rstrip, normalized,
//                           single_word}}, pad_token, eos_token (falls back to added_tokens.json +
//                           special_tokens_map.json when absent)
//
// encode(text), as Qwen2TokenizerFast does it (no BOS/EOS are added):
//   1. added tokens (all 37 of Eagle's, e.g. <|im_start|>, <IMG_CONTEXT>) are matched atomically
//      on the raw text, leftmost-longest (lstrip/rstrip absorb neighbouring whitespace when set);
//   2. every other segment is NFC-normalised;
//   3. pre-tokenised with the Qwen2 pattern, implemented by hand:
//        (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N} | ?[^\s\p{L}\p{N}]+[\r\n]*
//        | \s*[\r\n]+ | \s+(?!\S) | \s+
//      (\s = Oniguruma's: U+0009..U+000D, U+0085, Zs, Zl, Zp; digits split one by one);
//   4. each piece's UTF-8 bytes are BPE-merged by merge rank (lowest first, leftmost on ties)
//      over byte tokens; results are cached per piece.
// decode(ids): byte-level inverse; runs of regular tokens are decoded with U+FFFD replacement of
// invalid UTF-8 (errors="replace"), added tokens are emitted verbatim (or skipped when
// skip_special_tokens and the token is special).
//
// Errors (groot::Error): missing/corrupt files (naming file, line or key), a merge whose parts or
// result are not in the vocabulary, invalid UTF-8 input text, unknown ids in decode.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace groot {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
};

class Tokenizer {
 public:
  // Loads vocab.json, merges.txt and the added tokens from `dir`. Throws groot::Error.
  static Tokenizer load(const std::string& dir);
  // The tokenizer folder to use when the user gives none: `checkpoint_or_dir` if it holds
  // vocab.json + merges.txt, else <assets_dir()>/eagle_tokenizer (util/paths.h).
  static std::string default_dir(const std::string& checkpoint_or_dir = "");

  // Token ids of `text` (UTF-8). Throws groot::Error on invalid UTF-8.
  std::vector<int32_t> encode(std::string_view text) const;
  // Text of `ids`. Throws groot::Error on an id outside the vocabulary.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  // Id of a token string (added token content, or a vocab entry in byte-level form such as
  // "Ġworld"); -1 when absent.
  int32_t token_to_id(std::string_view token) const;
  // Token string of an id (byte-level form for vocab entries, content for added tokens).
  const std::string& id_to_token(int32_t id) const;

  // len(tokenizer): vocabulary + added tokens (151680 for Eagle).
  int64_t size() const;
  int32_t pad_id() const;  // <|endoftext|> for Qwen2 / Eagle; -1 if none configured
  int32_t eos_id() const;  // <|im_end|>; -1 if none configured
  const std::vector<AddedToken>& added_tokens() const;
  const std::string& dir() const;

  // Qwen2 pre-tokenisation of an (already NFC-normalised) UTF-8 text without added tokens:
  // the pieces, in order, that concatenate back to `text`. Exposed for tests.
  static std::vector<std::string> pretokenize(std::string_view text);

  // BPE of one pre-token piece through the array path (long_path=false, pieces up to 48 bytes)
  // or the heap path (long_path=true); both must agree. Exposed for tests.
  std::vector<int32_t> bpe_piece_for_test(std::string_view piece, bool long_path) const;

  struct Impl;

  // An empty tokenizer (every call throws groot::Error until one from load() is assigned).
  Tokenizer() = default;

 private:
  const Impl& impl() const;
  std::shared_ptr<Impl> impl_;
};

}  // namespace groot
