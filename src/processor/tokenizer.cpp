#include "processor/tokenizer.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "processor/unicode.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/paths.h"

namespace groot {

namespace {

using json = nlohmann::json;
namespace uni = groot::unicode;

// GPT-2 byte <-> unicode map: printable bytes map to themselves, the other 68 bytes to U+0100.. in order.
struct ByteLevel {
  char32_t byte_to_char[256];
  uint8_t char_to_byte[0x144] = {};  // every byte-level character is below U+0144
  bool has_byte[0x144] = {};
  ByteLevel() {
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      byte_to_char[b] = printable ? char32_t(b) : char32_t(256 + n++);
      char_to_byte[byte_to_char[b]] = uint8_t(b);
      has_byte[byte_to_char[b]] = true;
    }
  }
};
const ByteLevel& byte_level() {
  static const ByteLevel bl;
  return bl;
}

json read_json(const std::filesystem::path& path) {
  std::string text = read_file(path);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail("tokenizer file ", path.string(), ": not valid JSON: ", e.what());
  }
}

// "pad_token": "<|endoftext|>" or {"content": "<|endoftext|>", ...} or null
std::string token_field(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const json& v = j.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v.at("content").is_string())
    return v.at("content").get<std::string>();
  return "";
}

struct MergeVal {
  int32_t rank;
  int32_t id;
};

inline uint64_t pair_key(int32_t a, int32_t b) {
  return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
}

// Open-addressing hash map (pair key -> merge) with linear probing: one cache miss per lookup.
class MergeTable {
 public:
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n + n / 2) cap <<= 1;  // load factor <= 2/3
    slots_.assign(cap, Slot{kEmpty, MergeVal{0, 0}});
    mask_ = cap - 1;
    size_ = 0;
  }
  // Later assignments of the same key overwrite earlier ones.
  void assign(uint64_t key, MergeVal v) {
    if (3 * (size_ + 1) > 2 * slots_.size()) grow();
    size_t i = hash(key);
    while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
    if (slots_[i].key == kEmpty) ++size_;
    slots_[i] = Slot{key, v};
  }
  const MergeVal* find(uint64_t key) const {
    size_t i = hash(key);
    while (true) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.val;
      if (s.key == kEmpty) return nullptr;
      i = (i + 1) & mask_;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  struct Slot {
    uint64_t key;
    MergeVal val;
  };
  size_t hash(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_; }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reserve(old.size());
    for (const Slot& s : old) {
      if (s.key != kEmpty) assign(s.key, s.val);
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

constexpr size_t kMaxCachedPieceBytes = 256;
constexpr size_t kLinearBpeMax = 48;  // pieces up to this many bytes use the array BPE
constexpr size_t kMaxCacheEntries = 200000;

}  // namespace

struct Tokenizer::Impl {
  std::string dir;
  std::vector<std::string> id_to_token;                       // byte-level form (vocab) or content (added)
  std::vector<std::string> id_to_bytes;                       // raw bytes for vocab ids
  std::vector<uint8_t> id_kind;                               // 0 = unused id, 1 = vocab, 2 = added
  std::unordered_map<std::string_view, int32_t> token_to_id;  // views into id_to_token
  int32_t byte_to_id[256];
  MergeTable merges;
  std::vector<AddedToken> added;
  std::unordered_map<int32_t, size_t> added_by_id;
  bool added_first_byte[256] = {};
  int32_t pad_id = -1, eos_id = -1;

  mutable std::mutex cache_mu;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

  void bpe(std::string_view piece, std::vector<int32_t>& out) const;
  void bpe_short(std::string_view piece, std::vector<int32_t>& out) const;
  void bpe_long(std::string_view piece, std::vector<int32_t>& out) const;
  void encode_segment(std::string_view seg, std::vector<int32_t>& out) const;
};

// ---------------------------------------------------------------------------------------------
// Loading

namespace {

// Fast path for vocab.json, a flat JSON object {"token": integer, ...}: appends the entries and
// returns true, or returns false on anything unexpected (the caller then falls back to nlohmann
// for a precise error or an unusual but valid layout).
bool parse_flat_vocab(std::string_view s, std::vector<std::pair<std::string, int64_t>>& out) {
  size_t i = 0, n = s.size();
  auto ws = [&] {
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  };
  auto hex4 = [&](size_t at, uint32_t* v) {
    if (at + 4 > n) return false;
    *v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = s[k];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      *v = *v * 16 + uint32_t(d);
    }
    return true;
  };
  ws();
  if (i >= n || s[i++] != '{') return false;
  ws();
  if (i < n && s[i] == '}') return false;  // empty: let the slow path report it
  while (true) {
    ws();
    if (i >= n || s[i++] != '"') return false;
    std::string key;
    while (true) {
      if (i >= n) return false;
      char c = s[i++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        key.push_back(c);
        continue;
      }
      if (i >= n) return false;
      char e = s[i++];
      switch (e) {
        case '"':
          key.push_back('"');
          break;
        case '\\':
          key.push_back('\\');
          break;
        case '/':
          key.push_back('/');
          break;
        case 'b':
          key.push_back('\b');
          break;
        case 'f':
          key.push_back('\f');
          break;
        case 'n':
          key.push_back('\n');
          break;
        case 'r':
          key.push_back('\r');
          break;
        case 't':
          key.push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!hex4(i, &cp)) return false;
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // surrogate pair
            uint32_t lo;
            if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u' || !hex4(i + 2, &lo) || lo < 0xDC00 ||
                lo > 0xDFFF)
              return false;
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          uni::append_utf8(key, cp);
          break;
        }
        default:
          return false;
      }
    }
    ws();
    if (i >= n || s[i++] != ':') return false;
    ws();
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == d0 || i - d0 > 12 || (s[d0] == '0' && i - d0 > 1)) return false;
    int64_t v = 0;
    for (size_t k = d0; k < i; ++k) v = v * 10 + (s[k] - '0');
    out.emplace_back(std::move(key), v);
    ws();
    if (i >= n) return false;
    char c = s[i++];
    if (c == '}') break;
    if (c != ',') return false;
  }
  ws();
  return i == n;
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& dir_str) {
  namespace fs = std::filesystem;
  fs::path dir(dir_str);
  fs::path vocab_path = dir / "vocab.json", merges_path = dir / "merges.txt";
  GROOT_CHECK(fs::is_directory(dir), "tokenizer folder ", dir_str, " does not exist or is not a directory");
  GROOT_CHECK(fs::exists(vocab_path), "tokenizer folder ", dir_str,
              " has no vocab.json (expected a Qwen2 tokenizer: vocab.json + merges.txt)");
  GROOT_CHECK(fs::exists(merges_path), "tokenizer folder ", dir_str,
              " has no merges.txt (expected a Qwen2 tokenizer: vocab.json + merges.txt)");

  auto impl = std::make_shared<Impl>();
  impl->dir = dir_str;
  const ByteLevel& bl = byte_level();

  // vocab.json: entries -----------------------------------------------------------------------
  std::vector<std::pair<std::string, int64_t>> vocab;
  {
    std::string text = read_file(vocab_path);
    vocab.reserve(text.size() / 16);
    if (!parse_flat_vocab(text, vocab)) {
      vocab.clear();
      json j;
      try {
        j = json::parse(text);
      } catch (const json::exception& e) {
        fail("tokenizer file ", vocab_path.string(), ": not valid JSON: ", e.what());
      }
      GROOT_CHECK(j.is_object() && !j.empty(), "tokenizer file ", vocab_path.string(),
                  ": expected a non-empty JSON object {token: id}");
      for (auto it = j.begin(); it != j.end(); ++it) {
        GROOT_CHECK(it.value().is_number_integer(), "tokenizer file ", vocab_path.string(), ": token \"",
                    it.key(), "\" has a non-integer id");
        vocab.emplace_back(it.key(), it.value().get<int64_t>());
      }
    }
  }
  int64_t max_id = -1;
  for (const auto& [tok, id] : vocab) {
    GROOT_CHECK(id >= 0 && id < (int64_t(1) << 30), "tokenizer file ", vocab_path.string(), ": token \"", tok,
                "\" has id ", id, " outside [0, 2^30)");
    max_id = std::max(max_id, id);
  }

  // added tokens (read before sizing the id tables) --------------------------------------------
  fs::path config_path = dir / "tokenizer_config.json", added_path = dir / "added_tokens.json",
           special_map_path = dir / "special_tokens_map.json";
  json config = fs::exists(config_path) ? read_json(config_path) : json::object();
  json special_map = fs::exists(special_map_path) ? read_json(special_map_path) : json::object();
  if (config.is_object() && config.contains("added_tokens_decoder") &&
      config["added_tokens_decoder"].is_object()) {
    for (auto it = config["added_tokens_decoder"].begin(); it != config["added_tokens_decoder"].end(); ++it) {
      const json& t = it.value();
      std::string where =
          "tokenizer file " + config_path.string() + ": added_tokens_decoder[\"" + it.key() + "\"]";
      AddedToken at;
      try {
        at.id = int32_t(std::stol(it.key()));
      } catch (const std::exception&) {
        fail(where, ": key is not an integer id");
      }
      GROOT_CHECK(at.id >= 0 && at.id < (1 << 30), where, ": id out of range");
      GROOT_CHECK(t.is_object() && t.contains("content") && t["content"].is_string(), where,
                  ": expected an object with a string \"content\"");
      at.content = t["content"].get<std::string>();
      at.special = t.value("special", false);
      at.lstrip = t.value("lstrip", false);
      at.rstrip = t.value("rstrip", false);
      GROOT_CHECK(!t.value("single_word", false), where, " (\"", at.content,
                  "\"): single_word=true is not supported by groot's tokenizer");
      impl->added.push_back(at);
    }
  } else if (fs::exists(added_path)) {
    json a = read_json(added_path);
    GROOT_CHECK(a.is_object(), "tokenizer file ", added_path.string(), ": expected {token: id}");
    std::vector<std::string> specials;
    if (special_map.contains("additional_special_tokens") &&
        special_map["additional_special_tokens"].is_array()) {
      for (const json& s : special_map["additional_special_tokens"]) {
        if (s.is_string()) specials.push_back(s.get<std::string>());
        if (s.is_object() && s.contains("content")) specials.push_back(s["content"].get<std::string>());
      }
    }
    for (const char* k : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
      std::string s = token_field(special_map, k);
      if (!s.empty()) specials.push_back(s);
    }
    for (auto it = a.begin(); it != a.end(); ++it) {
      GROOT_CHECK(it.value().is_number_integer(), "tokenizer file ", added_path.string(), ": token \"",
                  it.key(), "\" has a non-integer id");
      AddedToken at;
      at.content = it.key();
      int64_t id = it.value().get<int64_t>();
      GROOT_CHECK(id >= 0 && id < (1 << 30), "tokenizer file ", added_path.string(), ": token \"", at.content,
                  "\" has id ", id, " outside [0, 2^30)");
      at.id = int32_t(id);
      at.special = std::find(specials.begin(), specials.end(), at.content) != specials.end();
      impl->added.push_back(at);
    }
  }
  std::sort(impl->added.begin(), impl->added.end(),
            [](const AddedToken& a, const AddedToken& b) { return a.id < b.id; });
  for (const AddedToken& at : impl->added) max_id = std::max<int64_t>(max_id, at.id);

  // id tables (sized once: token_to_id holds views into id_to_token) ---------------------------
  impl->id_to_token.resize(size_t(max_id + 1));
  impl->id_to_bytes.resize(size_t(max_id + 1));
  impl->id_kind.assign(size_t(max_id + 1), 0);
  impl->token_to_id.reserve(vocab.size() + impl->added.size() + 16);
  std::string vocab_what = "tokenizer file " + vocab_path.string();
  for (auto& [tok, id64] : vocab) {
    size_t id = size_t(id64);
    GROOT_CHECK(impl->id_kind[id] == 0, "tokenizer file ", vocab_path.string(), ": id ", id,
                " is used by two tokens (\"", impl->id_to_token[id], "\" and \"", tok, "\")");
    GROOT_CHECK(uni::find_invalid_utf8(tok) == std::string_view::npos, vocab_what, ": token with id ", id,
                " is not valid UTF-8");
    std::string bytes;
    bytes.reserve(tok.size());
    for (size_t k = 0; k < tok.size();) {  // byte-level characters -> raw bytes
      unsigned char b = static_cast<unsigned char>(tok[k]);
      size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;  // valid UTF-8 (checked above)
      char32_t c = len == 1 ? b : len == 2 ? ((b & 0x1F) << 6) | (tok[k + 1] & 0x3F) : 0x10000;
      if (c < 0x144 && bl.has_byte[c]) {
        bytes.push_back(char(bl.char_to_byte[c]));
      } else {  // not a byte-level character: keep its UTF-8 (never produced by encode)
        bytes.append(tok, k, len);
      }
      k += len;
    }
    impl->id_to_token[id] = std::move(tok);
    impl->id_to_bytes[id] = std::move(bytes);
    impl->id_kind[id] = 1;
    impl->token_to_id.emplace(impl->id_to_token[id], int32_t(id));
  }
  const size_t vocab_size = vocab.size();
  vocab.clear();
  vocab.shrink_to_fit();
  for (int b = 0; b < 256; ++b) {
    std::string s;
    uni::append_utf8(s, bl.byte_to_char[b]);
    auto f = impl->token_to_id.find(s);
    GROOT_CHECK(f != impl->token_to_id.end(), "tokenizer file ", vocab_path.string(), ": byte ", b,
                " has no token (\"", s, "\"); not a byte-level BPE vocabulary");
    impl->byte_to_id[b] = f->second;
  }

  // merges.txt ------------------------------------------------------------------------------
  {
    std::string text = read_file(merges_path);
    impl->merges.reserve(size_t(std::count(text.begin(), text.end(), '\n')) + 16);
    size_t pos = 0;
    int64_t line_no = 0;
    int32_t rank = 0;
    std::string joined;
    while (pos < text.size()) {
      size_t eol = text.find('\n', pos);
      if (eol == std::string::npos) eol = text.size();
      std::string_view line(text.data() + pos, eol - pos);
      pos = eol + 1;
      ++line_no;
      // Python: line.strip(); skip a "#version" first line and empty lines.
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
      size_t sp = line.find(' ');
      GROOT_CHECK(sp != std::string_view::npos && line.find(' ', sp + 1) == std::string_view::npos,
                  "tokenizer file ", merges_path.string(), " line ", line_no,
                  ": expected \"left right\", got \"", std::string(line), "\"");
      std::string_view left = line.substr(0, sp), right = line.substr(sp + 1);
      joined.assign(left);
      joined.append(right);
      auto fl = impl->token_to_id.find(left), fr = impl->token_to_id.find(right),
           fm = impl->token_to_id.find(joined);
      GROOT_CHECK(fl != impl->token_to_id.end() && fr != impl->token_to_id.end(), "tokenizer file ",
                  merges_path.string(), " line ", line_no, ": merge part \"",
                  std::string(fl == impl->token_to_id.end() ? left : right), "\" is not in vocab.json");
      GROOT_CHECK(fm != impl->token_to_id.end(), "tokenizer file ", merges_path.string(), " line ", line_no,
                  ": merged token \"", joined, "\" is not in vocab.json");
      // A repeated pair keeps its last rank (as both HF implementations do).
      impl->merges.assign(pair_key(fl->second, fr->second), MergeVal{rank, fm->second});
      ++rank;
    }
    // Only a byte-alphabet vocabulary can do without merges; otherwise the file is truncated/empty.
    GROOT_CHECK(impl->merges.size() > 0 || vocab_size <= 256, "tokenizer file ", merges_path.string(),
                ": no merges, but vocab.json has ", vocab_size, " tokens (truncated or wrong file?)");
  }

  // added tokens into the id tables --------------------------------------------------------------
  for (size_t i = 0; i < impl->added.size(); ++i) {
    const AddedToken& at = impl->added[i];
    GROOT_CHECK(!at.content.empty(), "tokenizer folder ", dir_str, ": added token ", at.id,
                " has empty content");
    uni::decode_utf8(at.content, "tokenizer folder " + dir_str + ": added token content");
    size_t id = size_t(at.id);
    GROOT_CHECK(impl->id_kind[id] != 2, "tokenizer folder ", dir_str, ": added token id ", at.id,
                " appears twice");
    if (impl->id_kind[id] == 1) impl->token_to_id.erase(impl->id_to_token[id]);
    impl->id_kind[id] = 2;
    impl->id_to_token[id] = at.content;
    impl->token_to_id[impl->id_to_token[id]] = at.id;
    impl->added_by_id[at.id] = i;
    impl->added_first_byte[static_cast<unsigned char>(at.content[0])] = true;
  }

  // pad / eos ---------------------------------------------------------------------------------
  auto lookup_special = [&](const char* key) -> int32_t {
    std::string s = token_field(config, key);
    if (s.empty()) s = token_field(special_map, key);
    if (s.empty()) return -1;
    auto f = impl->token_to_id.find(s);
    GROOT_CHECK(f != impl->token_to_id.end(), "tokenizer folder ", dir_str, ": ", key, " \"", s,
                "\" is not a known token");
    return f->second;
  };
  impl->pad_id = lookup_special("pad_token");
  impl->eos_id = lookup_special("eos_token");

  Tokenizer t;
  t.impl_ = std::move(impl);
  return t;
}

std::string Tokenizer::default_dir(const std::string& checkpoint_or_dir) {
  namespace fs = std::filesystem;
  if (!checkpoint_or_dir.empty()) {
    fs::path d(checkpoint_or_dir);
    if (fs::exists(d / "vocab.json") && fs::exists(d / "merges.txt")) return checkpoint_or_dir;
  }
  return (fs::path(assets_dir()) / "eagle_tokenizer").string();
}

// ---------------------------------------------------------------------------------------------
// Pre-tokenisation (Qwen2 pattern, see tokenizer.h)

namespace {

// Decoded view of a valid UTF-8 string: code points plus the byte offset of each (and of the end).
struct Decoded {
  std::vector<char32_t> cp;
  std::vector<uint32_t> off;  // size cp.size() + 1
};

void decode_valid(std::string_view s, Decoded& d) {
  d.cp.clear();
  d.off.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    d.off.push_back(uint32_t(i));
    unsigned char b = p[i];
    if (b < 0x80) {
      d.cp.push_back(b);
      i += 1;
    } else if (b < 0xE0) {
      d.cp.push_back((char32_t(b & 0x1F) << 6) | (p[i + 1] & 0x3F));
      i += 2;
    } else if (b < 0xF0) {
      d.cp.push_back((char32_t(b & 0x0F) << 12) | (char32_t(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F));
      i += 3;
    } else {
      d.cp.push_back((char32_t(b & 0x07) << 18) | (char32_t(p[i + 1] & 0x3F) << 12) |
                     (char32_t(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F));
      i += 4;
    }
  }
  d.off.push_back(uint32_t(n));
}

inline char32_t ascii_fold(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c == 0x17F) return 's';   // LATIN SMALL LETTER LONG S case-folds to 's'
  if (c == 0x212A) return 'k';  // KELVIN SIGN case-folds to 'k'
  return c;
}

// Calls emit(begin_cp, end_cp) for each piece of the Qwen2 pattern over code points cp[0..n).
template <typename Emit>
void split_qwen2(const char32_t* cp, size_t n, Emit&& emit) {
  const uint8_t* F = uni::flag_table_data();
  auto is_l = [&](size_t k) { return (F[cp[k]] & uni::kLetter) != 0; };
  auto is_n = [&](size_t k) { return (F[cp[k]] & uni::kNumber) != 0; };
  auto is_s = [&](size_t k) { return (F[cp[k]] & uni::kSpace) != 0; };
  auto is_crlf = [&](size_t k) { return cp[k] == '\r' || cp[k] == '\n'; };
  auto is_punct = [&](size_t k) { return (F[cp[k]] & (uni::kLetter | uni::kNumber | uni::kSpace)) == 0; };

  size_t i = 0;
  while (i < n) {
    // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (cp[i] == '\'' && i + 1 < n) {
      char32_t a = ascii_fold(cp[i + 1]);
      char32_t b = i + 2 < n ? ascii_fold(cp[i + 2]) : 0;
      size_t len = 0;
      if (a == 's' || a == 't' || a == 'm' || a == 'd')
        len = 2;
      else if ((a == 'r' || a == 'v') && b == 'e')
        len = 3;
      else if (a == 'l' && b == 'l')
        len = 3;
      if (len) {
        emit(i, i + len);
        i += len;
        continue;
      }
    }
    // 2. [^\r\n\p{L}\p{N}]?\p{L}+
    {
      size_t j = i;
      if (!is_crlf(i) && !is_l(i) && !is_n(i) && i + 1 < n && is_l(i + 1)) j = i + 1;
      if (is_l(j)) {
        while (j < n && is_l(j)) ++j;
        emit(i, j);
        i = j;
        continue;
      }
    }
    // 3. \p{N}
    if (is_n(i)) {
      emit(i, i + 1);
      i += 1;
      continue;
    }
    // 4. ' '?[^\s\p{L}\p{N}]+[\r\n]*
    {
      size_t j = i;
      if (cp[i] == ' ' && i + 1 < n && is_punct(i + 1)) j = i + 1;
      if (is_punct(j)) {
        while (j < n && is_punct(j)) ++j;
        while (j < n && is_crlf(j)) ++j;
        emit(i, j);
        i = j;
        continue;
      }
    }
    // Here cp[i] is whitespace (every other class matched above).
    size_t j = i;
    while (j < n && is_s(j)) ++j;  // maximal whitespace run [i, j)
    // 5. \s*[\r\n]+ : ends just after the last CR/LF of the run
    size_t last_crlf = n;
    for (size_t k = j; k > i; --k) {
      if (is_crlf(k - 1)) {
        last_crlf = k - 1;
        break;
      }
    }
    if (last_crlf != n) {
      emit(i, last_crlf + 1);
      i = last_crlf + 1;
      continue;
    }
    // 6. \s+(?!\S) : the whole run at the end of text, else all but its last char
    if (j == n) {
      emit(i, j);
      i = j;
      continue;
    }
    if (j - i >= 2) {
      emit(i, j - 1);
      i = j - 1;
      continue;
    }
    // 7. \s+
    emit(i, j);
    i = j;
  }
}

}  // namespace

std::vector<std::string> Tokenizer::pretokenize(std::string_view text) {
  size_t bad = uni::find_invalid_utf8(text);
  GROOT_CHECK(bad == std::string_view::npos, "tokenizer: input text is not valid UTF-8 (byte ", bad, ")");
  Decoded d;
  decode_valid(text, d);
  std::vector<std::string> out;
  split_qwen2(d.cp.data(), d.cp.size(),
              [&](size_t b, size_t e) { out.emplace_back(text.substr(d.off[b], d.off[e] - d.off[b])); });
  return out;
}

// ---------------------------------------------------------------------------------------------
// BPE

void Tokenizer::Impl::bpe(std::string_view piece, std::vector<int32_t>& out) const {
  const size_t n = piece.size();
  if (n == 1) {
    out.push_back(byte_to_id[static_cast<unsigned char>(piece[0])]);
    return;
  }
  const bool cacheable = n <= kMaxCachedPieceBytes;
  std::string key;
  if (cacheable) {
    key.assign(piece);
    std::lock_guard<std::mutex> lock(cache_mu);
    auto f = cache.find(key);
    if (f != cache.end()) {
      out.insert(out.end(), f->second.begin(), f->second.end());
      return;
    }
  }

  size_t start = out.size();
  if (n <= kLinearBpeMax) {
    bpe_short(piece, out);
  } else {
    bpe_long(piece, out);
  }
  if (cacheable) {
    std::vector<int32_t> ids(out.begin() + long(start), out.end());
    std::lock_guard<std::mutex> lock(cache_mu);
    if (cache.size() >= kMaxCacheEntries) cache.clear();
    cache.emplace(std::move(key), std::move(ids));
  }
}

// BPE of a short piece: arrays of symbols and of the merge rank of each adjacent pair; each step
// merges the lowest rank (leftmost on ties) and re-ranks only its two neighbouring pairs.
void Tokenizer::Impl::bpe_short(std::string_view piece, std::vector<int32_t>& out) const {
  constexpr int32_t kNone = INT32_MAX;
  int32_t ids[kLinearBpeMax], rank[kLinearBpeMax], nid[kLinearBpeMax];
  size_t m = piece.size();
  for (size_t k = 0; k < m; ++k) ids[k] = byte_to_id[static_cast<unsigned char>(piece[k])];
  auto rerank = [&](size_t k) {  // pair (k, k+1)
    const MergeVal* v = merges.find(pair_key(ids[k], ids[k + 1]));
    rank[k] = v ? v->rank : kNone;
    nid[k] = v ? v->id : -1;
  };
  for (size_t k = 0; k + 1 < m; ++k) rerank(k);
  while (m > 1) {
    size_t best = 0;
    for (size_t k = 1; k + 1 < m; ++k) {
      if (rank[k] < rank[best]) best = k;
    }
    if (rank[best] == kNone) break;
    ids[best] = nid[best];
    for (size_t k = best + 1; k + 1 < m; ++k) {
      ids[k] = ids[k + 1];
      rank[k] = rank[k + 1];
      nid[k] = nid[k + 1];
    }
    --m;
    if (best + 1 < m) rerank(best);
    if (best > 0) rerank(best - 1);
  }
  out.insert(out.end(), ids, ids + m);
}

// BPE of a long piece: linked symbols + a min-heap of candidate merges (rank, position).
void Tokenizer::Impl::bpe_long(std::string_view piece, std::vector<int32_t>& out) const {
  const size_t n = piece.size();
  struct Sym {
    int32_t id;
    int32_t prev, next;
    bool alive;
  };
  struct Cand {
    int32_t rank, pos, new_id;
    bool operator<(const Cand& o) const {  // priority_queue pops the largest: invert
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::vector<Sym> sym(n);
  for (size_t k = 0; k < n; ++k) {
    sym[k] = Sym{byte_to_id[static_cast<unsigned char>(piece[k])], int32_t(k) - 1,
                 k + 1 < n ? int32_t(k + 1) : -1, true};
  }
  std::priority_queue<Cand> heap;
  auto push_pair = [&](int32_t a) {
    int32_t b = sym[size_t(a)].next;
    if (b < 0) return;
    const MergeVal* v = merges.find(pair_key(sym[size_t(a)].id, sym[size_t(b)].id));
    if (v) heap.push(Cand{v->rank, a, v->id});
  };
  for (size_t k = 0; k + 1 < n; ++k) push_pair(int32_t(k));
  while (!heap.empty()) {
    Cand c = heap.top();
    heap.pop();
    Sym& s = sym[size_t(c.pos)];
    if (!s.alive || s.next < 0) continue;
    Sym& r = sym[size_t(s.next)];
    const MergeVal* v = merges.find(pair_key(s.id, r.id));
    if (!v || v->id != c.new_id) continue;  // stale candidate
    s.id = c.new_id;
    r.alive = false;
    s.next = r.next;
    if (s.next >= 0) sym[size_t(s.next)].prev = c.pos;
    if (s.prev >= 0) push_pair(s.prev);
    push_pair(c.pos);
  }
  for (int32_t k = 0; k >= 0; k = sym[size_t(k)].next) out.push_back(sym[size_t(k)].id);
}

void Tokenizer::Impl::encode_segment(std::string_view seg, std::vector<int32_t>& out) const {
  if (seg.empty()) return;
  thread_local Decoded d;
  decode_valid(seg, d);
  std::string normalized;
  if (!uni::is_nfc_quick(std::u32string_view(d.cp.data(), d.cp.size()))) {
    normalized = uni::encode_utf8(uni::nfc(std::u32string_view(d.cp.data(), d.cp.size())));
    seg = normalized;
    decode_valid(seg, d);
  }
  split_qwen2(d.cp.data(), d.cp.size(),
              [&](size_t b, size_t e) { bpe(seg.substr(d.off[b], d.off[e] - d.off[b]), out); });
}

// ---------------------------------------------------------------------------------------------
// Public API

const Tokenizer::Impl& Tokenizer::impl() const {
  GROOT_CHECK(impl_ != nullptr, "tokenizer used before Tokenizer::load()");
  return *impl_;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  const Impl& im = impl();
  size_t bad = uni::find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned char>(text[bad]));
    fail("tokenizer: input text is not valid UTF-8 (byte ", bad, " = ", hex, ")");
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  const uint8_t* F = uni::flag_table_data();
  size_t seg_start = 0, i = 0;
  while (i < text.size()) {
    if (!im.added_first_byte[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    // Leftmost-longest: the longest added token starting at i.
    const AddedToken* best = nullptr;
    for (const AddedToken& at : im.added) {
      if (text.compare(i, at.content.size(), at.content) == 0 &&
          (!best || at.content.size() > best->content.size())) {
        best = &at;
      }
    }
    if (!best) {
      ++i;
      continue;
    }
    size_t start = i, stop = i + best->content.size();
    if (best->lstrip) {  // absorb the whitespace before the token (not before seg_start)
      while (start > seg_start) {
        size_t k = start - 1;
        while (k > seg_start && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) --k;
        char32_t c = uni::decode_utf8(text.substr(k, start - k), "tokenizer")[0];
        if (!(F[c] & uni::kSpace)) break;
        start = k;
      }
    }
    if (best->rstrip) {  // absorb the whitespace after the token
      while (stop < text.size()) {
        size_t k = stop + 1;
        while (k < text.size() && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) ++k;
        char32_t c = uni::decode_utf8(text.substr(stop, k - stop), "tokenizer")[0];
        if (!(F[c] & uni::kSpace)) break;
        stop = k;
      }
    }
    im.encode_segment(text.substr(seg_start, start - seg_start), out);
    out.push_back(best->id);
    seg_start = i = stop;
  }
  im.encode_segment(text.substr(seg_start), out);
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& im = impl();
  std::string out, run;
  for (size_t k = 0; k < ids.size(); ++k) {
    int32_t id = ids[k];
    GROOT_CHECK(id >= 0 && size_t(id) < im.id_kind.size() && im.id_kind[size_t(id)] != 0, "tokenizer: id ",
                id, " (position ", k, ") is not in the vocabulary of ", im.dir);
    if (im.id_kind[size_t(id)] == 1) {
      run += im.id_to_bytes[size_t(id)];
      continue;
    }
    out += uni::decode_utf8_lossy(run);
    run.clear();
    const AddedToken& at = im.added[im.added_by_id.at(id)];
    if (!(skip_special_tokens && at.special)) out += at.content;
  }
  out += uni::decode_utf8_lossy(run);
  return out;
}

std::vector<int32_t> Tokenizer::bpe_piece_for_test(std::string_view piece, bool long_path) const {
  std::vector<int32_t> out;
  if (piece.empty()) return out;
  GROOT_CHECK(long_path || piece.size() <= kLinearBpeMax, "bpe_piece_for_test: piece longer than ",
              kLinearBpeMax);
  if (long_path) {
    impl().bpe_long(piece, out);
  } else {
    impl().bpe_short(piece, out);
  }
  return out;
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  auto f = impl().token_to_id.find(token);
  return f == impl().token_to_id.end() ? -1 : f->second;
}

const std::string& Tokenizer::id_to_token(int32_t id) const {
  const Impl& im = impl();
  GROOT_CHECK(id >= 0 && size_t(id) < im.id_kind.size() && im.id_kind[size_t(id)] != 0, "tokenizer: id ", id,
              " is not in the vocabulary of ", im.dir);
  return im.id_to_token[size_t(id)];
}

int64_t Tokenizer::size() const {
  const Impl& im = impl();
  int64_t n = 0;
  for (uint8_t k : im.id_kind) n += k != 0;
  return n;
}

int32_t Tokenizer::pad_id() const {
  return impl().pad_id;
}
int32_t Tokenizer::eos_id() const {
  return impl().eos_id;
}
const std::vector<AddedToken>& Tokenizer::added_tokens() const {
  return impl().added;
}
const std::string& Tokenizer::dir() const {
  return impl().dir;
}

}  // namespace groot
