#include "data/hdf5.h"

#include <hdf5.h>
#include <zlib.h>

#include "groot/build_config.h"
#if GROOT_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sstream>

#include "util/error.h"

static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is expected to be 64-bit (HDF5 >= 1.10)");

namespace groot::h5 {
namespace {

// One-time library setup: silence HDF5's own stderr printing, detect thread safety.
struct Lib {
  bool threadsafe = false;
  std::recursive_mutex mu;
  Lib() {
    H5open();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    hbool_t ts = 0;
    H5is_library_threadsafe(&ts);
    threadsafe = ts != 0;
  }
};
Lib& lib() {
  static Lib l;
  return l;
}

// Serialises HDF5 calls when the library is not thread-safe.
struct Guard {
  std::unique_lock<std::recursive_mutex> lk;
  Guard() {
    Lib& l = lib();
    if (!l.threadsafe) lk = std::unique_lock<std::recursive_mutex>(l.mu);
  }
};

// Innermost message of the current HDF5 error stack (e.g. "truncated file: eof = ...").
std::string hdf5_detail() {
  std::string msg;
  auto cb = [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
    auto* s = static_cast<std::string*>(data);
    if (e->desc && *e->desc) *s = e->desc;  // walk upward: keep the last = outermost with text
    return 0;
  };
  // Walk downward (API call first, innermost last): the last non-empty desc is the root cause.
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, cb, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? std::string() : " (HDF5: " + msg + ")";
}

// RAII for the HDF5 ids we open temporarily.
struct Id {
  hid_t id = -1;
  herr_t (*closer)(hid_t) = nullptr;
  Id(hid_t i, herr_t (*c)(hid_t)) : id(i), closer(c) {}
  ~Id() {
    if (id >= 0 && closer) closer(id);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  operator hid_t() const { return id; }
  bool ok() const { return id >= 0; }
};

std::string norm(const std::string& obj) {
  if (obj.empty() || obj == "/") return "/";
  return obj[0] == '/' ? obj : "/" + obj;
}

Type classify(hid_t t) {
  H5T_class_t c = H5Tget_class(t);
  size_t sz = H5Tget_size(t);
  if (c == H5T_INTEGER) {
    bool sign = H5Tget_sign(t) == H5T_SGN_2;
    switch (sz) {
      case 1: return sign ? Type::kInt8 : Type::kUInt8;
      case 2: return sign ? Type::kInt16 : Type::kUInt16;
      case 4: return sign ? Type::kInt32 : Type::kUInt32;
      case 8: return sign ? Type::kInt64 : Type::kUInt64;
    }
    return Type::kOther;
  }
  if (c == H5T_FLOAT) {
    if (sz == 4) return Type::kFloat32;
    if (sz == 8) return Type::kFloat64;
    return Type::kOther;
  }
  if (c == H5T_ENUM) {
    // h5py booleans: enum {FALSE=0, TRUE=1} over a 1-byte integer.
    if (H5Tget_nmembers(t) == 2 && sz == 1) {
      char* n0 = H5Tget_member_name(t, 0);
      char* n1 = H5Tget_member_name(t, 1);
      bool is_bool = n0 && n1 && !std::strcmp(n0, "FALSE") && !std::strcmp(n1, "TRUE");
      H5free_memory(n0);
      H5free_memory(n1);
      if (is_bool) return Type::kBool;
    }
    return Type::kOther;
  }
  if (c == H5T_STRING) return Type::kString;
  return Type::kOther;
}

bool link_path_exists(hid_t file, const std::string& obj) {
  // H5Lexists must be called for every component: it fails if an intermediate link is missing.
  std::string p = norm(obj);
  if (p == "/") return true;
  size_t pos = 1;
  while (true) {
    size_t slash = p.find('/', pos);
    std::string prefix = p.substr(0, slash);
    htri_t e = H5Lexists(file, prefix.c_str(), H5P_DEFAULT);
    if (e <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

}  // namespace

const char* type_name(Type t) {
  switch (t) {
    case Type::kUInt8: return "uint8";
    case Type::kInt8: return "int8";
    case Type::kUInt16: return "uint16";
    case Type::kInt16: return "int16";
    case Type::kUInt32: return "uint32";
    case Type::kInt32: return "int32";
    case Type::kUInt64: return "uint64";
    case Type::kInt64: return "int64";
    case Type::kFloat32: return "float32";
    case Type::kFloat64: return "float64";
    case Type::kBool: return "bool";
    case Type::kString: return "string";
    case Type::kOther: return "other";
  }
  return "other";
}

int64_t DatasetInfo::row_elems() const {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) os << ",";
  os << ")";
  return os.str();
}

std::vector<int64_t> guess_chunk(const std::vector<int64_t>& shape, int64_t type_size) {
  // Same heuristic as h5py: aim at 16 KiB * 2^log10(dataset MiB), clamped to [8 KiB, 1 MiB],
  // halving the dimensions round-robin, starting with the first.
  const double base = 16 * 1024, lo = 8 * 1024, hi = 1024 * 1024;
  std::vector<double> c;
  for (int64_t s : shape) c.push_back(double(s == 0 ? 1024 : s));
  if (c.empty()) return {};
  auto prod = [&] {
    double p = 1;
    for (double x : c) p *= x;
    return p;
  };
  double dset = prod() * double(type_size);
  double target = base * std::pow(2.0, std::log10(dset / (1024.0 * 1024.0)));
  target = std::min(hi, std::max(lo, target));
  size_t idx = 0;
  while (true) {
    double bytes = prod() * double(type_size);
    if ((bytes < target || std::fabs(bytes - target) / target < 0.5) && bytes < hi) break;
    if (prod() == 1) break;
    double& d = c[idx % c.size()];
    d = std::ceil(d / 2.0);
    ++idx;
  }
  std::vector<int64_t> out;
  for (double x : c) out.push_back(int64_t(x));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dataset

Dataset::Dataset() = default;
Dataset::~Dataset() {
  if (id_ >= 0) {
    Guard g;
    H5Dclose(id_);
  }
}
Dataset::Dataset(Dataset&& o) noexcept : id_(o.id_), info_(std::move(o.info_)), path_(std::move(o.path_)), file_(std::move(o.file_)) {
  o.id_ = -1;
}
Dataset& Dataset::operator=(Dataset&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0) {
      Guard g;
      H5Dclose(id_);
    }
    id_ = o.id_;
    info_ = std::move(o.info_);
    path_ = std::move(o.path_);
    file_ = std::move(o.file_);
    o.id_ = -1;
  }
  return *this;
}

int64_t Dataset::preferred_rows(int64_t fallback) const {
  if (info_.chunked && !info_.chunk.empty() && info_.chunk[0] > 0) return info_.chunk[0];
  return fallback;
}

void Dataset::read_impl(int64_t row0, int64_t n, int64_t mem_type, void* out) const {
  GROOT_CHECK(id_ >= 0, "internal: read from a closed dataset");
  const auto& shp = info_.shape;
  GROOT_CHECK(!shp.empty(), file_, ": ", path_, " is a scalar dataset, expected rows");
  GROOT_CHECK(row0 >= 0 && n >= 0 && row0 + n <= shp[0], file_, ": ", path_, ": rows [", row0, ", ",
              row0 + n, ") out of range for shape ", shape_str(shp));
  if (n == 0) return;
  Guard g;
  std::vector<hsize_t> start(shp.size(), 0), count(shp.begin(), shp.end());
  start[0] = hsize_t(row0);
  count[0] = hsize_t(n);
  Id fspace(H5Dget_space(id_), H5Sclose);
  Id mspace(H5Screate_simple(int(count.size()), count.data(), nullptr), H5Sclose);
  if (!fspace.ok() || !mspace.ok() ||
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
      H5Dread(id_, hid_t(mem_type), mspace, fspace, H5P_DEFAULT, out) < 0) {
    std::string d = hdf5_detail();
    fail(file_, ": cannot read rows [", row0, ", ", row0 + n, ") of ", path_, d);
  }
}

void Dataset::read_rows(int64_t row0, int64_t n, float* out) const { read_impl(row0, n, H5T_NATIVE_FLOAT, out); }
void Dataset::read_rows(int64_t row0, int64_t n, double* out) const { read_impl(row0, n, H5T_NATIVE_DOUBLE, out); }
void Dataset::read_rows(int64_t row0, int64_t n, uint8_t* out) const {
  if (direct_u8_)
    read_direct_u8(row0, n, out);
  else
    read_impl(row0, n, H5T_NATIVE_UINT8, out);
}

namespace {
// Inflates one gzip (zlib-stream) HDF5 chunk into `out` (sized to the exact chunk size).
void inflate_chunk(const std::vector<uint8_t>& raw, std::vector<uint8_t>& out, const std::string& file,
                   const std::string& path, hsize_t row) {
#if GROOT_HAVE_LIBDEFLATE
  // One decompressor per thread (not thread-safe, cheap to keep).
  struct Dec {
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    ~Dec() { libdeflate_free_decompressor(d); }
  };
  thread_local Dec dec;
  if (!dec.d) fail("out of memory allocating a deflate decompressor");
  size_t got = 0;
  auto r = libdeflate_zlib_decompress(dec.d, raw.data(), raw.size(), out.data(), out.size(), &got);
  if (r != LIBDEFLATE_SUCCESS || got != out.size())
    fail(file, ": corrupt gzip chunk in ", path, " at row ", row, " (libdeflate result ", int(r), ", ", got,
         " of ", out.size(), " bytes)");
#else
  uLongf len = uLongf(out.size());
  int zr = ::uncompress(out.data(), &len, raw.data(), uLong(raw.size()));
  if (zr != Z_OK || size_t(len) != out.size())
    fail(file, ": corrupt gzip chunk in ", path, " at row ", row, " (zlib error ", zr, ")");
#endif
}
}  // namespace

void Dataset::read_direct_u8(int64_t row0, int64_t n, uint8_t* out) const {
  const auto& shp = info_.shape;
  const auto& ch = info_.chunk;
  const size_t rank = shp.size();
  GROOT_CHECK(row0 >= 0 && n >= 0 && row0 + n <= shp[0], file_, ": ", path_, ": rows [", row0, ", ", row0 + n,
              ") out of range for shape ", shape_str(shp));
  if (n == 0) return;
  const bool deflate = !info_.filters.empty();
  int64_t chunk_bytes = 1;
  for (int64_t c : ch) chunk_bytes *= c;
  // Row-major strides of the output block [n, shp[1], ..., shp[r-1]] and of one chunk.
  std::vector<int64_t> ostride(rank, 1), cstride(rank, 1);
  for (size_t d = rank - 1; d > 0; --d) {
    ostride[d - 1] = ostride[d] * shp[d];
    cstride[d - 1] = cstride[d] * ch[d];
  }
  std::vector<int64_t> grid(rank, 1);  // chunks per dim (dims >= 1)
  for (size_t d = 1; d < rank; ++d) grid[d] = (shp[d] + ch[d] - 1) / ch[d];
  std::vector<uint8_t> raw, chunk(static_cast<size_t>(chunk_bytes));
  std::vector<hsize_t> off(rank, 0);
  std::vector<int64_t> gi(rank, 0), lo(rank), hi(rank), idx(rank);  // reused for every chunk
  for (int64_t cr = row0 / ch[0]; cr * ch[0] < row0 + n; ++cr) {
    std::fill(gi.begin(), gi.end(), 0);
    while (true) {
      off[0] = hsize_t(cr * ch[0]);
      for (size_t d = 1; d < rank; ++d) off[d] = hsize_t(gi[d] * ch[d]);
      // Raw chunk bytes (HDF5 lock held only for the IO).
      uint32_t mask = 0;
      hsize_t nbytes = 0;
      bool have = false;
      {
        Guard g;
        if (H5Dget_chunk_storage_size(id_, off.data(), &nbytes) < 0) {
          H5Eclear2(H5E_DEFAULT);
          nbytes = 0;  // never written: fill value
        }
        if (nbytes > 0) {
          raw.resize(size_t(nbytes));
          if (H5Dread_chunk(id_, H5P_DEFAULT, off.data(), &mask, raw.data()) < 0) {
            std::string d = hdf5_detail();
            fail(file_, ": cannot read a chunk of ", path_, " at row ", off[0], d);
          }
          have = true;
        }
      }
      if (!have) {
        std::fill(chunk.begin(), chunk.end(), uint8_t(0));
      } else if (deflate && !(mask & 1u)) {
        inflate_chunk(raw, chunk, file_, path_, off[0]);
      } else {
        if (int64_t(raw.size()) != chunk_bytes)
          fail(file_, ": chunk of ", path_, " at row ", off[0], " has ", raw.size(), " bytes, expected ", chunk_bytes);
        chunk.swap(raw);
      }
      // Copy the part of this chunk that lies inside rows [row0, row0+n) and inside the dataset.
      lo[0] = std::max<int64_t>(row0, int64_t(off[0]));
      hi[0] = std::min<int64_t>(row0 + n, int64_t(off[0]) + ch[0]);
      for (size_t d = 1; d < rank; ++d) {
        lo[d] = int64_t(off[d]);
        hi[d] = std::min<int64_t>(shp[d], int64_t(off[d]) + ch[d]);
      }
      // Copy loop: the last dim is a contiguous run; the second-to-last dim is walked with both strides
      // in a tight loop (Isaac Lab chunks end in 1 channel, so runs are often 1 byte long).
      const int64_t run = hi[rank - 1] - lo[rank - 1];
      if (rank == 1) {
        std::memcpy(out + (lo[0] - row0), chunk.data() + (lo[0] - int64_t(off[0])), size_t(run));
      } else {
        const size_t inner = rank - 2;  // dim walked in the tight loop
        const int64_t os = ostride[inner], cs = cstride[inner], cnt = hi[inner] - lo[inner];
        idx = lo;
        while (true) {
          int64_t o = (idx[0] - row0) * ostride[0], c = (idx[0] - int64_t(off[0])) * cstride[0];
          for (size_t d = 1; d < rank; ++d) {
            o += idx[d] * ostride[d];
            c += (idx[d] - int64_t(off[d])) * cstride[d];
          }
          uint8_t* dst = out + o;
          const uint8_t* src = chunk.data() + c;
          if (run == 1) {
            for (int64_t k = 0; k < cnt; ++k) dst[k * os] = src[k * cs];
          } else {
            for (int64_t k = 0; k < cnt; ++k) std::memcpy(dst + k * os, src + k * cs, size_t(run));
          }
          // Next index over dims [0, inner).
          size_t d = inner;
          bool more = false;
          while (d > 0) {
            --d;
            if (++idx[d] < hi[d]) {
              more = true;
              break;
            }
            idx[d] = lo[d];
          }
          if (!more) break;
        }
      }
      if (chunk.size() != size_t(chunk_bytes)) chunk.resize(size_t(chunk_bytes));
      // Next chunk in dims >= 1.
      size_t d = rank;
      bool done = true;
      while (d > 1) {
        --d;
        if (++gi[d] < grid[d]) {
          done = false;
          break;
        }
        gi[d] = 0;
      }
      if (done) break;
    }
  }
}
void Dataset::read_rows(int64_t row0, int64_t n, int64_t* out) const { read_impl(row0, n, H5T_NATIVE_INT64, out); }

void Dataset::write_impl(int64_t row0, int64_t n, int64_t mem_type, const void* in) {
  GROOT_CHECK(id_ >= 0, "internal: write to a closed dataset");
  const auto& shp = info_.shape;
  GROOT_CHECK(!shp.empty() && row0 >= 0 && n >= 0 && row0 + n <= shp[0], file_, ": ", path_, ": rows [", row0,
              ", ", row0 + n, ") out of range for shape ", shape_str(shp));
  if (n == 0) return;
  Guard g;
  std::vector<hsize_t> start(shp.size(), 0), count(shp.begin(), shp.end());
  start[0] = hsize_t(row0);
  count[0] = hsize_t(n);
  Id fspace(H5Dget_space(id_), H5Sclose);
  Id mspace(H5Screate_simple(int(count.size()), count.data(), nullptr), H5Sclose);
  if (!fspace.ok() || !mspace.ok() ||
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
      H5Dwrite(id_, hid_t(mem_type), mspace, fspace, H5P_DEFAULT, in) < 0) {
    std::string d = hdf5_detail();
    fail(file_, ": cannot write rows [", row0, ", ", row0 + n, ") of ", path_, d);
  }
}

void Dataset::write_rows(int64_t row0, int64_t n, const float* in) { write_impl(row0, n, H5T_NATIVE_FLOAT, in); }
void Dataset::write_rows(int64_t row0, int64_t n, const uint8_t* in) { write_impl(row0, n, H5T_NATIVE_UINT8, in); }

// ---------------------------------------------------------------------------------------------
// File

File::File() = default;
File::~File() {
  if (id_ >= 0) {
    Guard g;
    H5Fclose(id_);
  }
}
File::File(File&& o) noexcept : id_(o.id_), path_(std::move(o.path_)) { o.id_ = -1; }
File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0) {
      Guard g;
      H5Fclose(id_);
    }
    id_ = o.id_;
    path_ = std::move(o.path_);
    o.id_ = -1;
  }
  return *this;
}

void File::close() {
  if (id_ < 0) return;
  Guard g;
  herr_t rc = H5Fclose(id_);
  id_ = -1;
  if (rc < 0) {
    std::string d = hdf5_detail();
    fail(path_, ": cannot close HDF5 file", d);
  }
}

File File::open(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(path, ": no such file");
  if (fs::is_directory(path, ec)) fail(path, ": is a directory, expected an HDF5 file");
  Guard g;
  htri_t is = H5Fis_hdf5(path.c_str());
  if (is <= 0) {
    std::string d = hdf5_detail();
    if (is == 0) fail(path, ": not an HDF5 file (no HDF5 signature found)");
    fail(path, ": cannot read file", d);
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    std::string d = hdf5_detail();
    fail(path, ": cannot open HDF5 file (truncated or corrupt?)", d);
  }
  File f;
  f.id_ = id;
  f.path_ = path;
  return f;
}

File File::create(const std::string& path) {
  Guard g;
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) {
    std::string d = hdf5_detail();
    fail(path, ": cannot create HDF5 file", d);
  }
  File f;
  f.id_ = id;
  f.path_ = path;
  return f;
}

Kind File::kind(const std::string& obj) const {
  Guard g;
  std::string p = norm(obj);
  if (!link_path_exists(id_, p)) return Kind::kNone;
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  herr_t rc = H5Oget_info_by_name3(id_, p.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT);
#else
  herr_t rc = H5Oget_info_by_name2(id_, p.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT);
#endif
  if (rc < 0) {
    H5Eclear2(H5E_DEFAULT);
    return Kind::kNone;  // e.g. a dangling soft link
  }
  if (info.type == H5O_TYPE_GROUP) return Kind::kGroup;
  if (info.type == H5O_TYPE_DATASET) return Kind::kDataset;
  return Kind::kOther;
}

std::vector<std::string> File::children(const std::string& group) const {
  std::string p = norm(group);
  Kind k = kind(p);
  if (k == Kind::kNone) fail(path_, ": group ", p, " is missing");
  if (k != Kind::kGroup) fail(path_, ": ", p, " is not a group");
  Guard g;
  Id gid(H5Gopen2(id_, p.c_str(), H5P_DEFAULT), H5Gclose);
  if (!gid.ok()) {
    std::string d = hdf5_detail();
    fail(path_, ": cannot open group ", p, d);
  }
  std::vector<std::string> names;
  auto cb = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
  };
  if (H5Literate(gid, H5_INDEX_NAME, H5_ITER_INC, nullptr, cb, &names) < 0) {
    std::string d = hdf5_detail();
    fail(path_, ": cannot list group ", p, d);
  }
  return names;
}

bool File::has_attr(const std::string& obj, const std::string& name) const {
  if (kind(obj) == Kind::kNone) return false;
  Guard g;
  htri_t e = H5Aexists_by_name(id_, norm(obj).c_str(), name.c_str(), H5P_DEFAULT);
  if (e < 0) H5Eclear2(H5E_DEFAULT);
  return e > 0;
}

namespace {
struct AttrHandle {
  Id attr, type, space;
  AttrHandle(hid_t a) : attr(a, H5Aclose), type(a >= 0 ? H5Aget_type(a) : -1, H5Tclose), space(a >= 0 ? H5Aget_space(a) : -1, H5Sclose) {}
};
}  // namespace

#define GROOT_OPEN_ATTR(h, obj, name)                                                                 \
  if (!has_attr(obj, name)) fail(path_, ": ", norm(obj), " has no attribute '", name, "'");           \
  Guard g_;                                                                                           \
  AttrHandle h(H5Aopen_by_name(id_, norm(obj).c_str(), (name).c_str(), H5P_DEFAULT, H5P_DEFAULT));  \
  if (!h.attr.ok() || !h.type.ok() || !h.space.ok()) {                                                \
    std::string d = hdf5_detail();                                                                    \
    fail(path_, ": cannot open attribute ", norm(obj), "@", name, d);                                \
  }                                                                                                   \
  if (H5Sget_simple_extent_npoints(h.space) != 1)                                                     \
    fail(path_, ": attribute ", norm(obj), "@", name, " is not a scalar");

Type File::attr_type(const std::string& obj, const std::string& name) const {
  GROOT_OPEN_ATTR(h, obj, name);
  return classify(h.type);
}

int64_t File::attr_int(const std::string& obj, const std::string& name) const {
  GROOT_OPEN_ATTR(h, obj, name);
  Type t = classify(h.type);
  if (t == Type::kBool) {
    int8_t v = 0;
    if (H5Aread(h.attr, h.type, &v) < 0) fail(path_, ": cannot read ", norm(obj), "@", name, hdf5_detail());
    return v;
  }
  if (t == Type::kFloat32 || t == Type::kFloat64 || t == Type::kString || t == Type::kOther)
    fail(path_, ": attribute ", norm(obj), "@", name, " is ", type_name(t), ", expected an integer");
  int64_t v = 0;
  if (H5Aread(h.attr, H5T_NATIVE_INT64, &v) < 0) fail(path_, ": cannot read ", norm(obj), "@", name, hdf5_detail());
  return v;
}

bool File::attr_bool(const std::string& obj, const std::string& name) const { return attr_int(obj, name) != 0; }

std::string File::attr_string(const std::string& obj, const std::string& name) const {
  GROOT_OPEN_ATTR(h, obj, name);
  if (classify(h.type) != Type::kString)
    fail(path_, ": attribute ", norm(obj), "@", name, " is ", type_name(classify(h.type)), ", expected a string");
  if (H5Tis_variable_str(h.type) > 0) {
    Id mt(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(h.type));
    char* s = nullptr;
    if (H5Aread(h.attr, mt, &s) < 0) fail(path_, ": cannot read ", norm(obj), "@", name, hdf5_detail());
    std::string out = s ? s : "";
    if (s) H5free_memory(s);
    return out;
  }
  size_t sz = H5Tget_size(h.type);
  std::string out(sz, '\0');
  if (H5Aread(h.attr, h.type, out.data()) < 0) fail(path_, ": cannot read ", norm(obj), "@", name, hdf5_detail());
  size_t z = out.find('\0');
  if (z != std::string::npos) out.resize(z);
  return out;
}

DatasetInfo File::dataset_info(const std::string& obj) const { return dataset(obj).info(); }

Dataset File::dataset(const std::string& obj) const {
  std::string p = norm(obj);
  Kind k = kind(p);
  if (k == Kind::kNone) fail(path_, ": dataset ", p, " is missing");
  if (k != Kind::kDataset) fail(path_, ": ", p, " is a ", k == Kind::kGroup ? "group" : "non-dataset object", ", expected a dataset");
  Guard g;
  // A larger chunk cache than the 1 MiB default so that row-range reads of camera datasets whose
  // chunks tile the frame (e.g. (38,20,64,1)) decompress each chunk once.
  Id dapl(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
  H5Pset_chunk_cache(dapl, 12421, 64u << 20, 1.0);
  hid_t id = H5Dopen2(id_, p.c_str(), dapl);
  if (id < 0) {
    std::string d = hdf5_detail();
    fail(path_, ": cannot open dataset ", p, d);
  }
  Dataset ds;
  ds.id_ = id;
  ds.path_ = p;
  ds.file_ = path_;
  Id type(H5Dget_type(id), H5Tclose);
  Id space(H5Dget_space(id), H5Sclose);
  Id dcpl(H5Dget_create_plist(id), H5Pclose);
  if (!type.ok() || !space.ok() || !dcpl.ok()) {
    std::string d = hdf5_detail();
    fail(path_, ": cannot inspect dataset ", p, d);
  }
  ds.info_.type = classify(type);
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail(path_, ": cannot read the shape of ", p, hdf5_detail());
  std::vector<hsize_t> dims(size_t(rank), 0);
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  for (hsize_t d : dims) ds.info_.shape.push_back(int64_t(d));
  if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
    ds.info_.chunked = true;
    std::vector<hsize_t> cd(size_t(rank), 0);
    H5Pget_chunk(dcpl, rank, cd.data());
    for (hsize_t d : cd) ds.info_.chunk.push_back(int64_t(d));
  }
  int nf = H5Pget_nfilters(dcpl);
  for (int i = 0; i < nf; ++i) {
    unsigned flags = 0, fcfg = 0;
    size_t nelem = 0;
    char name[64] = {0};
    H5Z_filter_t f = H5Pget_filter2(dcpl, unsigned(i), &flags, &nelem, nullptr, sizeof name, name, &fcfg);
    if (f == H5Z_FILTER_DEFLATE)
      ds.info_.filters.push_back("deflate");
    else if (f == H5Z_FILTER_SHUFFLE)
      ds.info_.filters.push_back("shuffle");
    else if (f == H5Z_FILTER_FLETCHER32)
      ds.info_.filters.push_back("fletcher32");
    else
      ds.info_.filters.push_back(name[0] ? name : "filter-" + std::to_string(int(f)));
    if (H5Zfilter_avail(f) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      fail(path_, ": dataset ", p, " uses HDF5 filter ", ds.info_.filters.back(), " (id ", int(f),
           ") which this libhdf5 cannot decode");
    }
  }
  // Fast path for Isaac Lab camera datasets: chunked uint8, no filter or deflate only.
  const auto& fl = ds.info_.filters;
  ds.direct_u8_ = ds.info_.type == Type::kUInt8 && ds.info_.chunked && !ds.info_.shape.empty() &&
                  (fl.empty() || (fl.size() == 1 && fl[0] == "deflate")) && std::getenv("GROOT_HDF5_NO_DIRECT") == nullptr;
  return ds;
}

void File::create_group(const std::string& obj) {
  Guard g;
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  Id gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(gcpl, 0);
  Id gid(H5Gcreate2(id_, norm(obj).c_str(), lcpl, gcpl, H5P_DEFAULT), H5Gclose);
  if (!gid.ok()) fail(path_, ": cannot create group ", norm(obj), hdf5_detail());
}

namespace {
void write_scalar_attr(hid_t file, const std::string& fpath, const std::string& obj, const std::string& name,
                       hid_t ftype, hid_t mtype, const void* v) {
  Guard g;
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT);
  Id a(H5Acreate_by_name(file, obj.c_str(), name.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok() || H5Awrite(a, mtype, v) < 0) fail(fpath, ": cannot write attribute ", obj, "@", name, hdf5_detail());
}
}  // namespace

void File::set_attr_int(const std::string& obj, const std::string& name, int64_t v) {
  write_scalar_attr(id_, path_, norm(obj), name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}

void File::set_attr_bool(const std::string& obj, const std::string& name, bool v) {
  Guard g;
  Id t(H5Tenum_create(H5T_STD_I8LE), H5Tclose);
  int8_t f = 0, tr = 1;
  H5Tenum_insert(t, "FALSE", &f);
  H5Tenum_insert(t, "TRUE", &tr);
  int8_t val = v ? 1 : 0;
  write_scalar_attr(id_, path_, norm(obj), name, t, t, &val);
}

void File::set_attr_string(const std::string& obj, const std::string& name, const std::string& v) {
  Guard g;
  Id t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  const char* s = v.c_str();
  write_scalar_attr(id_, path_, norm(obj), name, t, t, &s);
}

Dataset File::create_dataset(const std::string& obj, Type type, const std::vector<int64_t>& shape,
                             const std::vector<int64_t>& chunk, int gzip_level) {
  GROOT_CHECK(type == Type::kUInt8 || type == Type::kFloat32, "internal: create_dataset supports uint8/float32");
  GROOT_CHECK(gzip_level == 0 || !chunk.empty(), "internal: gzip needs a chunked layout");
  std::string p = norm(obj);
  {
    Guard g;
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    Id space(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose);
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_obj_track_times(dcpl, 0);  // like h5py: no timestamps, so files are reproducible
    if (!chunk.empty()) {
      std::vector<hsize_t> cd(chunk.begin(), chunk.end());
      H5Pset_chunk(dcpl, int(cd.size()), cd.data());
      if (gzip_level > 0) H5Pset_deflate(dcpl, unsigned(gzip_level));
    }
    Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t ft = type == Type::kUInt8 ? H5T_STD_U8LE : H5T_IEEE_F32LE;
    Id d(H5Dcreate2(id_, p.c_str(), ft, space, lcpl, dcpl, H5P_DEFAULT), H5Dclose);
    if (!d.ok()) fail(path_, ": cannot create dataset ", p, " ", shape_str(shape), hdf5_detail());
  }
  return dataset(p);
}

}  // namespace groot::h5
