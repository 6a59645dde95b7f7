#include "data/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <zstd.h>

#include "util/error.h"
#include "util/fs.h"

namespace groot::st {

using json = nlohmann::json;

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F64: case DType::I64: return 8;
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: return 2;
    case DType::I8: case DType::U8: case DType::BOOL: return 1;
  }
  return 0;
}

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F64: return "F64";
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::I16: return "I16";
    case DType::I8: return "I8";
    case DType::U8: return "U8";
    case DType::BOOL: return "BOOL";
  }
  return "?";
}

static bool parse_dtype(const std::string& s, DType* out) {
  static const std::pair<const char*, DType> table[] = {
      {"F64", DType::F64}, {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16},
      {"I64", DType::I64}, {"I32", DType::I32}, {"I16", DType::I16}, {"I8", DType::I8},
      {"U8", DType::U8},   {"BOOL", DType::BOOL}};
  for (auto& [n, d] : table)
    if (s == n) {
      *out = d;
      return true;
    }
  return false;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

bool exists(const std::string& path) {
  return std::filesystem::exists(path) || std::filesystem::exists(path + ".zst");
}

// Decompresses PATH.zst (one zstd frame with its content size) into a malloc'd buffer.
static void* read_zst(const std::string& zpath, size_t* size) {
  const std::string packed = read_file(zpath);
  const unsigned long long n = ZSTD_getFrameContentSize(packed.data(), packed.size());
  if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN)
    fail(zpath, ": not a zstd frame with a stored content size");
  void* buf = std::malloc(n ? size_t(n) : 1);
  if (!buf) fail(zpath, ": cannot allocate ", n, " bytes to decompress it");
  const size_t got = ZSTD_decompress(buf, size_t(n), packed.data(), packed.size());
  if (ZSTD_isError(got) || got != n) {
    std::free(buf);
    fail(zpath, ": corrupt zstd data (", ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short frame", ")");
  }
  *size = size_t(n);
  return buf;
}

File::File(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && std::filesystem::exists(path + ".zst")) {
    map_ = read_zst(path + ".zst", &map_size_);
    heap_ = true;
    if (map_size_ < 8) fail(path, ".zst: not a safetensors file (", map_size_, " bytes, need at least 8)");
  } else {
    if (fd < 0) fail("cannot open safetensors file ", path, ": ", std::strerror(errno));
    map_file(fd);
  }
  try {
    parse_header();
  } catch (...) {
    if (heap_) std::free(map_);
    else ::munmap(map_, map_size_);
    map_ = nullptr;
    throw;
  }
}

void File::map_file(int fd) {
  const std::string& path = path_;
  struct stat sb;
  if (::fstat(fd, &sb) != 0) {
    ::close(fd);
    fail("cannot stat ", path);
  }
  map_size_ = size_t(sb.st_size);
  if (map_size_ < 8) {
    ::close(fd);
    fail(path, ": not a safetensors file (", map_size_, " bytes, need at least 8)");
  }
  map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail("cannot mmap ", path, ": ", std::strerror(errno));
  }
}

void File::parse_header() {
  const std::string& path = path_;
  const uint8_t* base = static_cast<const uint8_t*>(map_);
  uint64_t hlen = 0;
  std::memcpy(&hlen, base, 8);  // little-endian host assumed (x86-64 / aarch64)
  if (hlen > map_size_ - 8 || hlen > (uint64_t(100) << 20))
    fail(path, ": corrupt safetensors header length ", hlen, " (file has ", map_size_, " bytes)");
  json h;
  try {
    h = json::parse(base + 8, base + 8 + hlen);
  } catch (const std::exception& e) {
    fail(path, ": safetensors header is not valid JSON: ", e.what());
  }
  if (!h.is_object()) fail(path, ": safetensors header is not a JSON object");
  const uint8_t* data = base + 8 + hlen;
  const size_t data_size = map_size_ - 8 - hlen;
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, ": __metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail(path, ": __metadata__[", m.key(), "] is not a string");
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      fail(path, ": tensor '", name, "' lacks dtype/shape/data_offsets");
    TensorView t;
    t.name = name;
    if (!v["dtype"].is_string() || !parse_dtype(v["dtype"].get<std::string>(), &t.dtype))
      fail(path, ": tensor '", name, "' has unsupported dtype ", v["dtype"].dump());
    if (!v["shape"].is_array()) fail(path, ": tensor '", name, "' shape is not an array");
    for (const auto& s : v["shape"]) {
      if (!s.is_number_integer() || s.get<int64_t>() < 0)
        fail(path, ": tensor '", name, "' has invalid shape ", v["shape"].dump());
      t.shape.push_back(s.get<int64_t>());
    }
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail(path, ": tensor '", name, "' has invalid data_offsets ", off.dump());
    uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
    if (b > e || e > data_size)
      fail(path, ": tensor '", name, "' data_offsets [", b, ", ", e, "] outside the data area (", data_size,
           " bytes): truncated or corrupt file");
    // numel * size without overflow
    long double expect = dtype_size(t.dtype);
    for (int64_t s : t.shape) expect *= (long double)s;
    if (expect != (long double)(e - b))
      fail(path, ": tensor '", name, "' has ", e - b, " bytes but dtype ", dtype_name(t.dtype), " shape ",
           v["shape"].dump(), " needs ", (unsigned long long)expect);
    t.data = data + b;
    t.nbytes = size_t(e - b);
    tensors_.push_back(std::move(t));
  }
  std::sort(tensors_.begin(), tensors_.end(),
            [](const TensorView& a, const TensorView& b) { return a.data < b.data; });
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (i > 0 && tensors_[i].nbytes > 0 && tensors_[i - 1].data + tensors_[i - 1].nbytes > tensors_[i].data)
      fail(path, ": tensors '", tensors_[i - 1].name, "' and '", tensors_[i].name, "' overlap");
    index_[tensors_[i].name] = i;
  }
}

File::~File() {
  if (map_ && heap_) std::free(map_);
  else if (map_) ::munmap(map_, map_size_);
}

const TensorView* File::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorView& File::at(const std::string& name) const {
  const TensorView* t = find(name);
  if (!t) fail(path_, ": no tensor named '", name, "'");
  return *t;
}

Checkpoint::Checkpoint(const std::string& path_or_dir) : path_(path_or_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> shard_paths;
  if (fs::is_directory(path_or_dir)) {
    fs::path dir(path_or_dir);
    fs::path index = dir / "model.safetensors.index.json";
    if (fs::exists(index)) {
      json j;
      try {
        j = json::parse(read_file(index));
      } catch (const json::exception& e) {
        fail(index.string(), ": invalid JSON: ", e.what());
      }
      if (!j.contains("weight_map") || !j["weight_map"].is_object())
        fail(index.string(), ": missing \"weight_map\" object");
      std::vector<std::string> shards;
      for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
        if (!it.value().is_string()) fail(index.string(), ": weight_map[", it.key(), "] is not a string");
        std::string s = it.value().get<std::string>();
        if (std::find(shards.begin(), shards.end(), s) == shards.end()) shards.push_back(s);
      }
      for (auto& s : shards) {
        fs::path p = dir / s;
        if (!exists(p.string())) fail(index.string(), " names shard ", s, " which does not exist in ", dir.string());
        shard_paths.push_back(p.string());
      }
      for (auto& p : shard_paths) files_.push_back(std::make_unique<File>(p));
      for (auto& f : files_)
        for (auto& t : f->tensors()) index_[t.name] = &t;
      for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
        auto found = index_.find(it.key());
        if (found == index_.end())
          fail(index.string(), ": tensor '", it.key(), "' is listed for shard ", it.value().get<std::string>(),
               " but not stored there");
      }
      return;
    }
    fs::path single = dir / "model.safetensors";
    if (!exists(single.string()))
      fail(dir.string(), ": no model.safetensors or model.safetensors.index.json in this folder");
    shard_paths.push_back(single.string());
  } else {
    shard_paths.push_back(path_or_dir);
  }
  for (auto& p : shard_paths) files_.push_back(std::make_unique<File>(p));
  for (auto& f : files_)
    for (auto& t : f->tensors()) {
      if (index_.count(t.name)) fail(path_, ": tensor '", t.name, "' stored twice");
      index_[t.name] = &t;
    }
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (auto& [k, v] : index_) out.push_back(k);
  return out;
}

const TensorView* Checkpoint::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

const TensorView& Checkpoint::at(const std::string& name) const {
  const TensorView* t = find(name);
  if (!t) fail(path_, ": checkpoint has no tensor named '", name, "'");
  return *t;
}

void write(const std::string& path, const std::vector<WriteTensor>& tensors,
           const std::map<std::string, std::string>& metadata) {
  // nlohmann::ordered_json keeps insertion order; upstream sorts, order is not significant.
  nlohmann::ordered_json h;
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (auto& [k, v] : metadata) m[k] = v;
    h["__metadata__"] = m;
  }
  uint64_t off = 0;
  std::map<std::string, int> seen;
  for (const auto& t : tensors) {
    if (seen[t.name]++) fail("safetensors write ", path, ": duplicate tensor name '", t.name, "'");
    int64_t numel = 1;
    for (int64_t s : t.shape) numel *= s;
    if (size_t(numel) * dtype_size(t.dtype) != t.nbytes)
      fail("safetensors write ", path, ": tensor '", t.name, "' has ", t.nbytes, " bytes, shape needs ",
           size_t(numel) * dtype_size(t.dtype));
    h[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {off, off + t.nbytes}}};
    off += t.nbytes;
  }
  std::string header = h.dump();
  while ((header.size() + 8) % 8 != 0) header.push_back(' ');
  std::string out;
  out.reserve(8 + header.size() + off);
  uint64_t hlen = header.size();
  out.append(reinterpret_cast<const char*>(&hlen), 8);
  out += header;
  for (const auto& t : tensors) out.append(static_cast<const char*>(t.data), t.nbytes);
  write_file_atomic(path, out);
}

}  // namespace groot::st
