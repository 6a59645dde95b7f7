// safetensors reader/writer (https://github.com/huggingface/safetensors format), LibTorch-free.
//
// File layout: u64 little-endian header length N | N bytes JSON header | raw tensor bytes.
// Header: { "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//           "__metadata__": {"<k>": "<v>"} }   offsets are relative to the byte after the header.
//
// File mmaps the file and validates strictly: header bounds, JSON, known dtypes, non-negative
// shapes, nbytes == numel * dtype size, offsets inside the data area, no overlapping tensors.
// Checkpoint opens a folder (model.safetensors, or model.safetensors.index.json + shards) or one file.
// A file that is absent but has a zstd-compressed twin (PATH.zst, as the golden folders in
// tests/golden are stored to keep the repository small) is decompressed into memory instead;
// exists() answers for either form.
// The LibTorch bridge is in safetensors_torch.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace groot::st {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };
size_t dtype_size(DType d);
const char* dtype_name(DType d);  // "F32", "BF16", ...

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // points into the mmap; valid while the File lives
  size_t nbytes = 0;
  int64_t numel() const;
};

// True when PATH or its compressed twin PATH.zst exists.
bool exists(const std::string& path);

class File {
 public:
  explicit File(const std::string& path);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const std::vector<TensorView>& tensors() const { return tensors_; }  // in file (offset) order
  const TensorView* find(const std::string& name) const;
  const TensorView& at(const std::string& name) const;  // throws groot::Error naming file + tensor
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }

 private:
  void map_file(int fd);
  void parse_header();

  std::string path_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  bool heap_ = false;  // map_ is a malloc'd buffer (decompressed PATH.zst), not an mmap
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

class Checkpoint {
 public:
  // A .safetensors file, or a folder with model.safetensors or model.safetensors.index.json.
  explicit Checkpoint(const std::string& path_or_dir);
  std::vector<std::string> names() const;  // sorted
  const TensorView* find(const std::string& name) const;
  const TensorView& at(const std::string& name) const;
  const std::string& path() const { return path_; }
  size_t num_files() const { return files_.size(); }

 private:
  std::string path_;
  std::vector<std::unique_ptr<File>> files_;
  std::map<std::string, const TensorView*> index_;
};

struct WriteTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t nbytes = 0;
};

// Writes atomically (temp file + rename). Tensors are stored in the given order, 8-byte aligned
// header as upstream does. Throws groot::Error on duplicate names or size mismatches.
void write(const std::string& path, const std::vector<WriteTensor>& tensors,
           const std::map<std::string, std::string>& metadata = {});

}  // namespace groot::st
