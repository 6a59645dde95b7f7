#include "parity/tokenizer_parity.h"

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/safetensors.h"
#include "processor/prompt.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot {

namespace {

using json = nlohmann::json;

std::string ids_str(const std::vector<int64_t>& v, size_t max_items = 24) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size() && i < max_items; ++i) os << (i ? "," : "") << v[i];
  if (v.size() > max_items) os << ",... (" << v.size() << " ids)";
  os << "]";
  return os.str();
}

// First index where a and b differ (or the shorter length).
size_t first_diff(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

void compare_ids(TokenizerParityReport& r, const std::string& what, const std::vector<int64_t>& got,
                 const std::vector<int64_t>& want) {
  ++r.checked;
  if (got == want) return;
  size_t d = first_diff(got, want);
  std::ostringstream os;
  os << what << ": ids differ at position " << d << " (got " << got.size() << " ids " << ids_str(got)
     << ", golden " << want.size() << " ids " << ids_str(want) << ")";
  r.failures.push_back(os.str());
}

void compare_text(TokenizerParityReport& r, const std::string& what, const std::string& got,
                  const std::string& want) {
  ++r.checked;
  if (got == want) return;
  r.failures.push_back(what + ": got " + json(got).dump() + ", golden " + json(want).dump());
}

std::vector<int64_t> widen(const std::vector<int32_t>& v) {
  return std::vector<int64_t>(v.begin(), v.end());
}

// An int64 tensor from a safetensors file (header JSON + raw little-endian data).
std::vector<int64_t> read_safetensors_i64(const std::string& path, const std::string& name,
                                          std::vector<int64_t>* shape) {
  st::File f(path);
  const st::TensorView& t = f.at(name);
  GROOT_CHECK(t.dtype == st::DType::I64, "golden file ", path, ": tensor \"", name, "\" has dtype ",
              st::dtype_name(t.dtype), ", expected I64");
  *shape = t.shape;
  std::vector<int64_t> v(size_t(t.numel()));
  std::memcpy(v.data(), t.data, t.nbytes);
  return v;
}

// Image token counts of an expanded prompt: for each "<img>", the <IMG_CONTEXT> count up to "</img>".
std::vector<int> image_counts(const std::string& expanded) {
  std::vector<int> counts;
  const std::string start = prompt::kImageStart, end = prompt::kImageEnd, ctx = prompt::kImageToken;
  size_t pos = 0;
  while ((pos = expanded.find(start, pos)) != std::string::npos) {
    size_t stop = expanded.find(end, pos);
    if (stop == std::string::npos) break;
    int n = 0;
    for (size_t k = expanded.find(ctx, pos); k != std::string::npos && k < stop;
         k = expanded.find(ctx, k + ctx.size()))
      ++n;
    counts.push_back(n);
    pos = stop + end.size();
  }
  return counts;
}

}  // namespace

TokenizerParityReport check_tokenizer_goldens(const std::string& golden_dir, const Tokenizer& tok) {
  namespace fs = std::filesystem;
  TokenizerParityReport r;
  fs::path pre_path = fs::path(golden_dir) / "preprocess.json",
           io_path = fs::path(golden_dir) / "io.safetensors";
  GROOT_CHECK(fs::exists(pre_path) || st::exists(io_path.string()), "golden folder ", golden_dir,
              " has neither preprocess.json nor io.safetensors: no tokenizer goldens to check");
  std::vector<std::vector<int32_t>> prompt_ids;
  if (fs::exists(pre_path)) {
    json pre;
    try {
      pre = json::parse(read_file(pre_path));
    } catch (const json::exception& e) {
      fail("golden file ", pre_path.string(), ": not valid JSON: ", e.what());
    }
    try {
      if (pre.contains("tokenizer") && pre["tokenizer"].contains("strings")) {
        const json& strings = pre["tokenizer"]["strings"];
        for (size_t i = 0; i < strings.size(); ++i) {
          const json& s = strings[i];
          std::string text = s.at("text").get<std::string>();
          std::string what = "tokenizer.strings[" + std::to_string(i) + "] " + json(text).dump();
          std::vector<int64_t> want = s.at("ids").get<std::vector<int64_t>>();
          compare_ids(r, what, widen(tok.encode(text)), want);
          if (s.contains("decoded")) {
            std::vector<int32_t> want32(want.begin(), want.end());
            compare_text(r, what + " decode", tok.decode(want32), s["decoded"].get<std::string>());
          }
        }
      }
      if (pre.contains("prompts")) {
        const json& p = pre["prompts"];
        size_t n = p.at("formalized_language").size();
        for (size_t b = 0; b < n; ++b) {
          std::string what = "prompts[" + std::to_string(b) + "]";
          std::string lang = p["formalized_language"][b].get<std::string>();
          compare_text(r, what + " formalize_language (idempotent)", prompt::formalize_language(lang), lang);
          std::string expanded_want = p.at("expanded_text")[b].get<std::string>();
          std::vector<int> counts = image_counts(expanded_want);
          std::string chat = prompt::render_chat_template(lang, int(counts.size()));
          compare_text(r, what + " chat template", chat, p.at("chat_template_text")[b].get<std::string>());
          compare_text(r, what + " expanded text", prompt::expand_image_placeholders(chat, counts),
                       expanded_want);
          prompt_ids.push_back(tok.encode(expanded_want));
          compare_ids(r, what + " ids", widen(prompt_ids.back()),
                      p.at("prompt_ids_unpadded")[b].get<std::vector<int64_t>>());
        }
      }
    } catch (const json::exception& e) {
      fail("golden file ", pre_path.string(), ": unexpected layout: ", e.what());
    }
  }
  if (st::exists(io_path.string()) && !prompt_ids.empty()) {
    std::vector<int64_t> ids_shape, mask_shape;
    std::vector<int64_t> ids = read_safetensors_i64(io_path.string(), "in/input_ids", &ids_shape);
    std::vector<int64_t> mask = read_safetensors_i64(io_path.string(), "in/attention_mask", &mask_shape);
    GROOT_CHECK(tok.pad_id() >= 0, "tokenizer ", tok.dir(), " has no pad token");
    prompt::PromptBatch batch = prompt::pad_left(prompt_ids, tok.pad_id());
    ++r.checked;
    if (ids_shape != std::vector<int64_t>{batch.batch, batch.length}) {
      r.failures.push_back("io.safetensors in/input_ids: shape " + ids_str(ids_shape) +
                           ", the padded batch is [" + std::to_string(batch.batch) + "," +
                           std::to_string(batch.length) + "]");
    } else {
      compare_ids(r, "io.safetensors in/input_ids (left-padded batch)", batch.input_ids, ids);
      compare_ids(r, "io.safetensors in/attention_mask", batch.attention_mask, mask);
    }
  }
  return r;
}

}  // namespace groot
