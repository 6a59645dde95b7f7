// Thin, strict wrapper over the HDF5 C library (Debian libhdf5, serial build).
//
// Reading (groot convert): open a file read-only, walk groups, read scalar attributes, inspect a
// dataset's type/shape/storage (contiguous or chunked, any standard filter incl. gzip/deflate),
// and read row ranges [row0, row0+n) of the leading dimension (hyperslabs) so that large camera
// datasets are streamed in chunks instead of loaded whole. Values are converted by HDF5 to the
// requested memory type (float / double / uint8 / int64).
// Writing (groot synth): create groups, scalar attributes in h5py's encodings (int64, bool as the
// h5py enum {FALSE=0, TRUE=1} over int8, variable-length UTF-8 strings) and datasets, contiguous
// or chunked + deflate, written row range by row range.
//
// Every failure throws groot::Error naming the file and the object path ("/data/demo_3/obs/eef_pos")
// plus HDF5's own innermost message. HDF5's automatic error printing is switched off.
// Thread safety: calls are serialised through one process-wide mutex unless the linked libhdf5 is
// a thread-safe build (Debian's is), in which case HDF5 serialises internally. Because HDF5 holds
// its global lock while it decompresses, uint8 datasets stored chunked with deflate only (Isaac Lab's
// camera layout) are read as raw chunks (H5Dread_chunk) and inflated with zlib OUTSIDE the lock, so
// parallel episode workers decompress in parallel.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace groot::h5 {

enum class Type { kUInt8, kInt8, kUInt16, kInt16, kUInt32, kInt32, kUInt64, kInt64, kFloat32, kFloat64, kBool, kString, kOther };
const char* type_name(Type t);  // "uint8", "float32", "bool", "string", "other", ...

enum class Kind { kNone, kGroup, kDataset, kOther };

struct DatasetInfo {
  Type type = Type::kOther;
  std::vector<int64_t> shape;  // empty for scalar datasets
  bool chunked = false;
  std::vector<int64_t> chunk;  // chunk dims when chunked
  std::vector<std::string> filters;  // e.g. {"deflate"}, {"shuffle", "deflate"}
  int64_t rows() const { return shape.empty() ? 1 : shape[0]; }
  int64_t row_elems() const;  // product of shape[1:]
};

std::string shape_str(const std::vector<int64_t>& shape);  // "(T, 240, 320, 3)" style: "(300, 240, 320, 3)"

class File;

// An open dataset (keeps HDF5's chunk cache warm across row-range reads).
class Dataset {
 public:
  Dataset();
  ~Dataset();
  Dataset(Dataset&&) noexcept;
  Dataset& operator=(Dataset&&) noexcept;
  const DatasetInfo& info() const { return info_; }
  const std::string& path() const { return path_; }       // object path inside the file
  const std::string& file_path() const { return file_; }  // file on disk
  // Reads rows [row0, row0+n) of dim 0 (all of dims 1..) converted to the memory type.
  // `out` must hold n * info().row_elems() values.
  void read_rows(int64_t row0, int64_t n, float* out) const;
  void read_rows(int64_t row0, int64_t n, double* out) const;
  void read_rows(int64_t row0, int64_t n, uint8_t* out) const;
  void read_rows(int64_t row0, int64_t n, int64_t* out) const;
  // Writes rows [row0, row0+n) (dataset created by File::create_dataset).
  void write_rows(int64_t row0, int64_t n, const float* in);
  void write_rows(int64_t row0, int64_t n, const uint8_t* in);
  // Rows per natural read unit: chunk dim 0 for chunked datasets, else `fallback`.
  int64_t preferred_rows(int64_t fallback) const;

 private:
  friend class File;
  void read_impl(int64_t row0, int64_t n, int64_t mem_type, void* out) const;
  void read_direct_u8(int64_t row0, int64_t n, uint8_t* out) const;
  bool direct_u8_ = false;  // uint8, chunked, deflate-only: raw chunks + inflate outside HDF5
  void write_impl(int64_t row0, int64_t n, int64_t mem_type, const void* in);
  int64_t id_ = -1;
  DatasetInfo info_;
  std::string path_, file_;
};

class File {
 public:
  // Read-only. Errors: missing file, not an HDF5 file, truncated/corrupt file.
  static File open(const std::string& path);
  // Creates (truncates) a file for writing.
  static File create(const std::string& path);
  File();
  ~File();
  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  void close();  // flushes; errors throw (the destructor closes silently)

  const std::string& path() const { return path_; }
  // Object paths are absolute or relative to the root: "data/demo_0/obs/eef_pos".
  Kind kind(const std::string& obj) const;  // kNone when any link on the way is missing
  // Names of the children of a group, in HDF5's (lexical) order.
  std::vector<std::string> children(const std::string& group) const;

  bool has_attr(const std::string& obj, const std::string& name) const;
  Type attr_type(const std::string& obj, const std::string& name) const;
  int64_t attr_int(const std::string& obj, const std::string& name) const;  // any integer or bool type
  bool attr_bool(const std::string& obj, const std::string& name) const;    // bool enum or integer
  std::string attr_string(const std::string& obj, const std::string& name) const;

  DatasetInfo dataset_info(const std::string& obj) const;
  Dataset dataset(const std::string& obj) const;  // throws if missing or not a dataset

  // --- writing ---
  void create_group(const std::string& obj);
  void set_attr_int(const std::string& obj, const std::string& name, int64_t v);
  void set_attr_bool(const std::string& obj, const std::string& name, bool v);
  void set_attr_string(const std::string& obj, const std::string& name, const std::string& v);
  // type: kUInt8 or kFloat32. chunk empty -> contiguous; gzip_level > 0 requires chunk.
  Dataset create_dataset(const std::string& obj, Type type, const std::vector<int64_t>& shape,
                         const std::vector<int64_t>& chunk = {}, int gzip_level = 0);

 private:
  int64_t id_ = -1;
  std::string path_;
};

// h5py's automatic chunk shape for a dataset of `shape` and element size (as used by Isaac Lab's
// compression="gzip" writes): e.g. (300,160,256,3) u8 -> (38,20,64,1).
std::vector<int64_t> guess_chunk(const std::vector<int64_t>& shape, int64_t type_size);

}  // namespace groot::h5
