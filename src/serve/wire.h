// Wire codec of the policy server (no LibTorch, no ZeroMQ): msgpack values and numpy .npy arrays
// as Isaac-GR00T's gr00t/policy/server_client.py exchanges them.
//
// msgpack (https://github.com/msgpack/msgpack/blob/master/spec.md), parsed with msgpack-cxx's
// visitor API into a small tree whose strings / binaries are views into the message buffer (no
// copy of image bytes). Decoding is hardened for untrusted input:
//   - the message size is checked by the caller before anything is read (Limits::max_message_bytes);
//   - declared array / map lengths are charged to a budget of Limits::max_values values BEFORE any
//     storage is reserved, so a 5-byte header declaring 2^32 elements allocates nothing;
//   - nesting deeper than Limits::max_depth, map keys that are not UTF-8 strings, duplicate keys,
//     truncated input and trailing bytes are errors;
//   - every failure throws groot::Error naming what is wrong and the byte offset.
//
// numpy arrays travel as the map {"__ndarray_class__": true, "as_npy": <bin: np.save(arr)>}.
// The .npy format (numpy/lib/format.py): "\x93NUMPY", major, minor (1.0, 2.0 or 3.0), header
// length (uint16 LE for 1.0, uint32 LE for 2.0/3.0), then an ASCII (3.0: UTF-8) Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 16, 7), }
// padded with spaces and ended by '\n', then the raw element bytes. parse_npy() accepts simple
// numeric dtypes (b1, i1/u1, i2/u2, i4/u4, i8/u8, f2, f4, f8; '<', '|' or '=' byte order), either
// memory order (fortran_order True is reordered to C order), and checks the declared shape against
// the bytes actually present before anything is allocated (an 8-byte array claiming shape
// (1e6, 1e6, 1e6) is an error, not a 1e18-byte allocation). write_npy() writes version 1.0 exactly
// as np.save does (header padded to a multiple of 64 bytes).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace groot::wire {

struct Limits {
  size_t max_message_bytes = size_t(64) << 20;  // whole request (libzmq enforces it before receiving)
  size_t max_values = size_t(1) << 16;           // msgpack values in one message
  int max_depth = 32;                            // nesting of arrays / maps
};

// ---- msgpack --------------------------------------------------------------------------------

struct Value {
  enum class Type : uint8_t { kNil, kBool, kInt, kUint, kFloat, kStr, kBin, kExt, kArray, kMap };
  Type type = Type::kNil;
  bool boolean = false;
  int64_t integer = 0;    // kInt (every integer that fits int64)
  uint64_t uinteger = 0;  // kUint (positive integers above INT64_MAX)
  double number = 0;      // kFloat (float32 widened)
  std::string_view bytes; // kStr (valid UTF-8) / kBin / kExt payload: a view into the message
  std::vector<Value> items;                                // kArray
  std::vector<std::pair<std::string_view, Value>> entries; // kMap, keys are UTF-8 strings, unique

  bool is_map() const { return type == Type::kMap; }
  bool is_str() const { return type == Type::kStr; }
  // The value stored under `key` in a map, nullptr when absent or when this is not a map.
  const Value* find(std::string_view key) const;
};

// "nil", "bool", "int", "float", "str", "bin", "ext", "array", "map" (for error messages).
const char* type_name(Value::Type t);

// Parses one complete msgpack message. The returned tree refers to `msg`'s bytes: keep the
// buffer alive while the tree is used. Throws groot::Error("msgpack: ...").
Value decode_msgpack(std::string_view msg, const Limits& limits = {});

// msgpack encoder (msgpack-cxx packer) into a byte string.
class Writer {
 public:
  void nil();
  void boolean(bool v);
  void integer(int64_t v);
  void number(double v);
  void str(std::string_view s);
  void bin(std::string_view b);
  void array(uint32_t n);  // followed by n values
  void map(uint32_t n);    // followed by n key, value pairs
  // The numpy wrapper map {"__ndarray_class__": true, "as_npy": write_npy(...)}.
  void ndarray(std::string_view npy_bytes);
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// ---- numpy arrays -------------------------------------------------------------------------------

enum class DType : uint8_t { kBool, kInt8, kUint8, kInt16, kUint16, kInt32, kUint32, kInt64,
                             kUint64, kFloat16, kFloat32, kFloat64 };
const char* dtype_name(DType d);  // numpy's name: "uint8", "float32", ...
size_t dtype_size(DType d);
std::string dtype_descr(DType d); // .npy descr: "|u1", "<f4", ...

struct NdArray {
  DType dtype = DType::kUint8;
  std::vector<int64_t> shape;
  // Element bytes, C order, little-endian: a view into the message, or into `owned` when the
  // array had to be reordered (fortran_order). Use data().
  std::string_view view;
  std::vector<char> owned;

  const char* data() const { return owned.empty() ? view.data() : owned.data(); }
  size_t nbytes() const { return owned.empty() ? view.size() : owned.size(); }
  int64_t numel() const;
  std::string shape_str() const;  // "(2, 16, 7)" as numpy prints it
};

// Parses .npy bytes; `what` names the field in errors ("observation.state.eef_pos").
NdArray parse_npy(std::string_view npy, std::string_view what);
// .npy version 1.0 bytes of a C-order little-endian array (what np.save writes).
std::string write_npy(DType dtype, const std::vector<int64_t>& shape, const void* data);

// True when `v` is the numpy wrapper map (has "__ndarray_class__").
bool is_ndarray(const Value& v);
// Decodes the numpy wrapper map; throws groot::Error naming `what` when it is anything else.
NdArray decode_ndarray(const Value& v, std::string_view what);

// Constant-time equality of a secret and a candidate (time depends on the candidate's length only).
bool constant_time_equal(std::string_view secret, std::string_view candidate);

}  // namespace groot::wire
