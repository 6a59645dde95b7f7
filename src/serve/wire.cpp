#include "serve/wire.h"

#include <msgpack.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "processor/unicode.h"
#include "util/error.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire codec assumes a little-endian host");

namespace groot::wire {

const Value* Value::find(std::string_view key) const {
  if (type != Type::kMap) return nullptr;
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

const char* type_name(Value::Type t) {
  switch (t) {
    case Value::Type::kNil: return "nil";
    case Value::Type::kBool: return "bool";
    case Value::Type::kInt:
    case Value::Type::kUint: return "int";
    case Value::Type::kFloat: return "float";
    case Value::Type::kStr: return "str";
    case Value::Type::kBin: return "bin";
    case Value::Type::kExt: return "ext";
    case Value::Type::kArray: return "array";
    case Value::Type::kMap: return "map";
  }
  return "?";
}

// ---- msgpack decoding: a visitor that builds the Value tree under the limits ---------------------

namespace {

class TreeBuilder : public msgpack::null_visitor {
 public:
  explicit TreeBuilder(const Limits& limits) : limits_(limits) {}

  Value root;
  std::string error;  // set when the visitor stopped the parse
  size_t error_offset = 0;
  bool truncated = false;
  bool invalid = false;  // a byte that starts no msgpack value (0xc1)

  bool visit_nil() { return scalar([](Value&) {}, Value::Type::kNil); }
  bool visit_boolean(bool v) { return scalar([&](Value& x) { x.boolean = v; }, Value::Type::kBool); }
  bool visit_positive_integer(uint64_t v) {
    if (v <= uint64_t(INT64_MAX)) return scalar([&](Value& x) { x.integer = int64_t(v); }, Value::Type::kInt);
    return scalar([&](Value& x) { x.uinteger = v; }, Value::Type::kUint);
  }
  bool visit_negative_integer(int64_t v) { return scalar([&](Value& x) { x.integer = v; }, Value::Type::kInt); }
  bool visit_float32(float v) { return scalar([&](Value& x) { x.number = v; }, Value::Type::kFloat); }
  bool visit_float64(double v) { return scalar([&](Value& x) { x.number = v; }, Value::Type::kFloat); }
  bool visit_str(const char* p, uint32_t n) {
    std::string_view s(p, n);
    size_t bad = unicode::find_invalid_utf8(s);
    if (bad != std::string_view::npos)
      return stop(in_key() ? "a map key" : "the string", " at ", path(), " is not valid UTF-8 (byte ", bad, " of ", n, ")");
    if (in_key()) {
      Value* m = stack_.back();
      m->entries.emplace_back(s, Value{});
      return true;
    }
    return scalar([&](Value& x) { x.bytes = s; }, Value::Type::kStr);
  }
  bool visit_bin(const char* p, uint32_t n) {
    return scalar([&](Value& x) { x.bytes = std::string_view(p, n); }, Value::Type::kBin);
  }
  bool visit_ext(const char* p, uint32_t n) {
    return scalar([&](Value& x) { x.bytes = std::string_view(p, n); }, Value::Type::kExt);
  }

  bool start_array(uint32_t n) { return open(Value::Type::kArray, n, uint64_t(n)); }
  bool start_array_item() { return true; }
  bool end_array_item() { return true; }
  bool end_array() { return close(); }
  bool start_map(uint32_t n) { return open(Value::Type::kMap, n, 2 * uint64_t(n)); }
  bool start_map_key() {
    key_state_.back() = true;
    return true;
  }
  bool end_map_key() {
    key_state_.back() = false;
    return true;
  }
  bool start_map_value() { return true; }
  bool end_map_value() { return true; }
  bool end_map() {
    // Duplicate keys: sort the views (O(n log n), maps may hold up to max_values entries).
    const Value* m = stack_.back();
    std::vector<std::string_view> keys;
    keys.reserve(m->entries.size());
    for (const auto& e : m->entries) keys.push_back(e.first);
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) return stop("duplicate map key '", *dup, "'");
    return close();
  }
  void parse_error(size_t parsed, size_t at) {
    invalid = true;
    error_offset = at;
  }
  void insufficient_bytes(size_t parsed, size_t at) {
    truncated = true;
    error_offset = at;
  }

 private:
  const Limits& limits_;
  std::vector<Value*> stack_;      // open containers
  std::vector<bool> key_state_;    // per open container: the next value is a map key
  uint64_t values_ = 1;            // values declared so far (the root + every declared element)
  bool root_set_ = false;

  bool in_key() const { return !stack_.empty() && key_state_.back(); }

  // Where the parser is, for error messages: "data.observation.language.task[0][0]".
  std::string path() const {
    std::string p;
    for (size_t k = 0; k < stack_.size(); ++k) {
      const Value* c = stack_[k];
      bool last = k + 1 == stack_.size();
      if (c->type == Value::Type::kArray) {
        p += "[" + std::to_string(c->items.size() - (last ? 0 : 1)) + "]";
      } else if (!(last && key_state_[k]) && !c->entries.empty()) {
        if (!p.empty()) p += ".";
        std::string_view key = c->entries.back().first;
        p += std::string(key.substr(0, 40));
      }
    }
    return p.empty() ? "the top level" : p;
  }

  template <typename... Args>
  bool stop(const Args&... args) {
    if (error.empty()) {
      std::ostringstream os;
      (os << ... << args);
      error = os.str();
    }
    return false;
  }

  // Where the next value goes: the root, a new array item, or the value of the last map entry.
  Value* slot() {
    if (stack_.empty()) {
      if (root_set_) return nullptr;
      root_set_ = true;
      return &root;
    }
    Value* c = stack_.back();
    if (c->type == Value::Type::kArray) {
      c->items.emplace_back();  // capacity reserved in open(): never reallocates
      return &c->items.back();
    }
    return &c->entries.back().second;
  }

  template <typename F>
  bool scalar(F&& set, Value::Type t) {
    if (in_key()) return stop("a map key is not a string (got ", type_name(t), ")");
    Value* v = slot();
    if (!v) return stop("more than one value at top level");
    v->type = t;
    set(*v);
    return true;
  }

  bool open(Value::Type t, uint32_t n, uint64_t declared) {
    if (in_key()) return stop("a map key is not a string (got ", type_name(t), ")");
    if (int(stack_.size()) >= limits_.max_depth)
      return stop("nesting deeper than ", limits_.max_depth, " levels");
    // Charge the declared elements before reserving anything.
    values_ += declared;
    if (values_ > limits_.max_values)
      return stop("the message declares more than ", limits_.max_values, " values (", type_name(t),
                  " of ", n, (t == Value::Type::kMap ? " entries)" : " elements)"));
    Value* v = slot();
    if (!v) return stop("more than one value at top level");
    v->type = t;
    if (t == Value::Type::kArray)
      v->items.reserve(n);
    else
      v->entries.reserve(n);
    stack_.push_back(v);  // empty containers too: msgpack-cxx calls start then end
    key_state_.push_back(false);
    return true;
  }

  bool close() {
    stack_.pop_back();
    key_state_.pop_back();
    return true;
  }
};

}  // namespace

Value decode_msgpack(std::string_view msg, const Limits& limits) {
  if (msg.size() > limits.max_message_bytes)
    fail("msgpack: message of ", msg.size(), " bytes is over the limit of ", limits.max_message_bytes);
  if (msg.empty()) fail("msgpack: empty message");
  TreeBuilder b(limits);
  size_t off = 0;
  bool ok = false;
  try {
    ok = msgpack::parse(msg.data(), msg.size(), off, b);
  } catch (const std::exception& e) {  // msgpack-cxx size/depth exceptions (not expected here)
    fail("msgpack: ", e.what());
  }
  if (!b.error.empty()) fail("msgpack: ", b.error, " (at byte ", off, " of ", msg.size(), ")");
  if (!ok && b.invalid) {
    char hex[8];
    size_t at = std::min(b.error_offset, msg.size() - 1);
    std::snprintf(hex, sizeof hex, "0x%02x", unsigned(uint8_t(msg[at])));
    fail("msgpack: invalid byte ", hex, " at offset ", at, " (starts no msgpack value)");
  }
  if (!ok && b.truncated)
    fail("msgpack: message truncated (", msg.size(), " bytes, a value is incomplete at byte ",
         b.error_offset, ")");
  if (!ok) fail("msgpack: invalid message (at byte ", off, " of ", msg.size(), ")");
  if (off != msg.size())
    fail("msgpack: ", msg.size() - off, " trailing bytes after the message (", off, " of ", msg.size(),
         " bytes parsed)");
  return std::move(b.root);
}

// ---- msgpack encoding ---------------------------------------------------------------------------

namespace {
struct StringSink {
  std::string& s;
  void write(const char* p, size_t n) { s.append(p, n); }
};
}  // namespace

#define GROOT_PACKER      \
  StringSink sink{out_}; \
  msgpack::packer<StringSink> pk(sink)

void Writer::nil() {
  GROOT_PACKER;
  pk.pack_nil();
}
void Writer::boolean(bool v) {
  GROOT_PACKER;
  if (v)
    pk.pack_true();
  else
    pk.pack_false();
}
void Writer::integer(int64_t v) {
  GROOT_PACKER;
  pk.pack_int64(v);
}
void Writer::number(double v) {
  GROOT_PACKER;
  pk.pack_double(v);
}
void Writer::str(std::string_view s) {
  GROOT_CHECK(s.size() <= UINT32_MAX, "msgpack: string of ", s.size(), " bytes is too long");
  GROOT_PACKER;
  pk.pack_str(uint32_t(s.size()));
  pk.pack_str_body(s.data(), uint32_t(s.size()));
}
void Writer::bin(std::string_view b) {
  GROOT_CHECK(b.size() <= UINT32_MAX, "msgpack: binary of ", b.size(), " bytes is too long");
  GROOT_PACKER;
  pk.pack_bin(uint32_t(b.size()));
  pk.pack_bin_body(b.data(), uint32_t(b.size()));
}
void Writer::array(uint32_t n) {
  GROOT_PACKER;
  pk.pack_array(n);
}
void Writer::map(uint32_t n) {
  GROOT_PACKER;
  pk.pack_map(n);
}
void Writer::ndarray(std::string_view npy_bytes) {
  map(2);
  str("__ndarray_class__");
  boolean(true);
  str("as_npy");
  bin(npy_bytes);
}
#undef GROOT_PACKER

// ---- numpy .npy ---------------------------------------------------------------------------------

const char* dtype_name(DType d) {
  switch (d) {
    case DType::kBool: return "bool";
    case DType::kInt8: return "int8";
    case DType::kUint8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kUint16: return "uint16";
    case DType::kInt32: return "int32";
    case DType::kUint32: return "uint32";
    case DType::kInt64: return "int64";
    case DType::kUint64: return "uint64";
    case DType::kFloat16: return "float16";
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case DType::kBool:
    case DType::kInt8:
    case DType::kUint8: return 1;
    case DType::kInt16:
    case DType::kUint16:
    case DType::kFloat16: return 2;
    case DType::kInt32:
    case DType::kUint32:
    case DType::kFloat32: return 4;
    case DType::kInt64:
    case DType::kUint64:
    case DType::kFloat64: return 8;
  }
  return 1;
}

static char dtype_kind(DType d) {
  switch (d) {
    case DType::kBool: return 'b';
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64: return 'i';
    case DType::kUint8:
    case DType::kUint16:
    case DType::kUint32:
    case DType::kUint64: return 'u';
    default: return 'f';
  }
}

std::string dtype_descr(DType d) {
  size_t n = dtype_size(d);
  return std::string(1, n == 1 ? '|' : '<') + dtype_kind(d) + std::to_string(n);
}

int64_t NdArray::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::string NdArray::shape_str() const {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

namespace {

constexpr size_t kMaxHeaderBytes = 65536;
constexpr size_t kMaxDims = 32;  // numpy's NPY_MAXDIMS before numpy 2 (64 since)

// Parser of the header's Python dict literal (the subset np.save writes, as ast.literal_eval reads it).
struct HeaderParser {
  std::string_view s;
  size_t i = 0;
  std::string_view what;

  template <typename... Args>
  [[noreturn]] void bad(const Args&... args) {
    fail(what, ": corrupt .npy header: ", args..., " (at header byte ", i, ")");
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) bad("expected '", c, "'");
  }
  std::string_view string_literal() {
    ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) bad("expected a quoted string");
    char q = s[i++];
    size_t start = i;
    while (i < s.size() && s[i] != q) {
      if (s[i] == '\\') bad("escape sequences are not supported");
      ++i;
    }
    if (i >= s.size()) bad("unterminated string");
    return s.substr(start, i++ - start);
  }
  bool boolean() {
    ws();
    if (s.substr(i, 4) == "True") {
      i += 4;
      return true;
    }
    if (s.substr(i, 5) == "False") {
      i += 5;
      return false;
    }
    bad("expected True or False");
  }
  int64_t integer() {
    ws();
    size_t start = i;
    int64_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > (int64_t(1) << 56)) bad("dimension too large");
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) bad("expected a non-negative integer dimension");
    return v;
  }
  std::vector<int64_t> shape() {
    ws();
    if (i < s.size() && s[i] == '[') bad("shape must be a tuple");
    expect('(');
    std::vector<int64_t> dims;
    bool trailing_comma = false;
    while (!eat(')')) {
      if (!dims.empty() && !trailing_comma) bad("expected ',' or ')' in shape");
      if (dims.size() >= kMaxDims) bad("more than ", kMaxDims, " dimensions");
      dims.push_back(integer());
      trailing_comma = eat(',');
    }
    // "(3)" is the integer 3 in Python, not a tuple.
    if (dims.size() == 1 && !trailing_comma) bad("shape (", dims[0], ") is not a tuple");
    return dims;
  }
};

DType parse_descr(std::string_view d, std::string_view what) {
  std::string_view body = d;
  char order = '=';
  if (!body.empty() && (body[0] == '<' || body[0] == '>' || body[0] == '|' || body[0] == '='))
    order = body[0], body.remove_prefix(1);
  if (body.size() < 2) fail(what, ": unsupported .npy dtype '", d, "'");
  char kind = body[0];
  std::string_view digits = body.substr(1);
  if (digits.size() > 1 || digits[0] < '1' || digits[0] > '8')
    fail(what, ": unsupported .npy dtype '", d, "' (only bool, integers and float16/32/64)");
  int size = digits[0] - '0';
  DType t;
  if (kind == 'b' && size == 1)
    t = DType::kBool;
  else if (kind == 'i' && size == 1)
    t = DType::kInt8;
  else if (kind == 'u' && size == 1)
    t = DType::kUint8;
  else if (kind == 'i' && size == 2)
    t = DType::kInt16;
  else if (kind == 'u' && size == 2)
    t = DType::kUint16;
  else if (kind == 'i' && size == 4)
    t = DType::kInt32;
  else if (kind == 'u' && size == 4)
    t = DType::kUint32;
  else if (kind == 'i' && size == 8)
    t = DType::kInt64;
  else if (kind == 'u' && size == 8)
    t = DType::kUint64;
  else if (kind == 'f' && size == 2)
    t = DType::kFloat16;
  else if (kind == 'f' && size == 4)
    t = DType::kFloat32;
  else if (kind == 'f' && size == 8)
    t = DType::kFloat64;
  else
    fail(what, ": unsupported .npy dtype '", d, "' (only bool, integers and float16/32/64)");
  if (order == '>' && size > 1) fail(what, ": big-endian .npy dtype '", d, "' is not supported (send '<", kind, size, "')");
  return t;
}

}  // namespace

NdArray parse_npy(std::string_view npy, std::string_view what) {
  static constexpr char kMagic[] = "\x93NUMPY";
  if (npy.size() < 10 || npy.substr(0, 6) != std::string_view(kMagic, 6))
    fail(what, ": not a .npy array (no \\x93NUMPY magic; ", npy.size(), " bytes)");
  int major = uint8_t(npy[6]), minor = uint8_t(npy[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    fail(what, ": unsupported .npy version ", major, ".", minor, " (1.0, 2.0 and 3.0 are)");
  size_t header_len, start;
  if (major == 1) {
    header_len = size_t(uint8_t(npy[8])) | size_t(uint8_t(npy[9])) << 8;
    start = 10;
  } else {
    if (npy.size() < 12) fail(what, ": .npy truncated in its header length (", npy.size(), " bytes)");
    header_len = size_t(uint8_t(npy[8])) | size_t(uint8_t(npy[9])) << 8 | size_t(uint8_t(npy[10])) << 16 |
                 size_t(uint8_t(npy[11])) << 24;
    start = 12;
  }
  if (header_len > kMaxHeaderBytes)
    fail(what, ": .npy header of ", header_len, " bytes is over the limit of ", kMaxHeaderBytes);
  if (header_len > npy.size() - start)
    fail(what, ": .npy truncated: header declares ", header_len, " bytes, ", npy.size() - start, " present");
  std::string_view header = npy.substr(start, header_len);
  if (major < 3) {
    for (size_t k = 0; k < header.size(); ++k)
      if (uint8_t(header[k]) >= 0x80) fail(what, ": corrupt .npy header: non-ASCII byte at ", k);
  } else if (unicode::find_invalid_utf8(header) != std::string_view::npos) {
    fail(what, ": corrupt .npy header: not valid UTF-8");
  }

  HeaderParser p{header, 0, what};
  bool have_descr = false, have_order = false, have_shape = false, fortran = false;
  DType dtype = DType::kUint8;
  std::vector<int64_t> shape;
  p.expect('{');
  bool comma = true;
  while (!p.eat('}')) {
    if (!comma) p.bad("expected ',' or '}'");
    std::string_view key = p.string_literal();
    p.expect(':');
    if (key == "descr") {
      if (have_descr) p.bad("duplicate key 'descr'");
      have_descr = true;
      p.ws();
      if (p.i < header.size() && (header[p.i] == '[' || header[p.i] == '('))
        fail(what, ": structured .npy dtypes are not supported");
      dtype = parse_descr(p.string_literal(), what);
    } else if (key == "fortran_order") {
      if (have_order) p.bad("duplicate key 'fortran_order'");
      have_order = true;
      fortran = p.boolean();
    } else if (key == "shape") {
      if (have_shape) p.bad("duplicate key 'shape'");
      have_shape = true;
      shape = p.shape();
    } else {
      p.bad("unexpected key '", key, "'");
    }
    comma = p.eat(',');
  }
  p.ws();
  if (p.i != header.size()) p.bad("unexpected text after the dict");
  if (!have_descr || !have_order || !have_shape)
    p.bad("missing key '", !have_descr ? "descr" : !have_order ? "fortran_order" : "shape", "'");

  // Declared size against the bytes present, overflow-checked, before any allocation.
  std::string_view body = npy.substr(start + header_len);
  uint64_t n = dtype_size(dtype);
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, uint64_t(d), &n)) n = UINT64_MAX;
  NdArray a;
  a.dtype = dtype;
  a.shape = shape;
  if (n != body.size()) {
    std::string s = a.shape_str();
    fail(what, ": .npy ", dtype_name(dtype), " array of shape ", s, " needs ",
         n == UINT64_MAX ? std::string("more than 2^64") : std::to_string(n), " bytes of data, ",
         body.size(), " present");
  }
  if (dtype == DType::kBool)
    for (char c : body)
      if (uint8_t(c) > 1) fail(what, ": .npy bool array holds the byte ", int(uint8_t(c)), " (must be 0 or 1)");
  if (!fortran || shape.size() < 2) {
    a.view = body;
    return a;
  }
  // Fortran (column-major) order -> C order.
  size_t nd = shape.size(), es = dtype_size(dtype);
  std::vector<int64_t> fstride(nd), idx(nd, 0);
  int64_t st = 1;
  for (size_t k = 0; k < nd; ++k) fstride[k] = st, st *= shape[k];
  int64_t total = a.numel();
  a.owned.resize(body.size());
  for (int64_t c = 0; c < total; ++c) {
    int64_t src = 0;
    for (size_t k = 0; k < nd; ++k) src += idx[k] * fstride[k];
    std::memcpy(a.owned.data() + c * es, body.data() + src * es, es);
    for (size_t k = nd; k-- > 0;) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return a;
}

std::string write_npy(DType dtype, const std::vector<int64_t>& shape, const void* data) {
  std::string dict = "{'descr': '" + dtype_descr(dtype) + "', 'fortran_order': False, 'shape': (";
  uint64_t n = dtype_size(dtype);
  for (size_t i = 0; i < shape.size(); ++i) {
    GROOT_CHECK(shape[i] >= 0, "write_npy: negative dimension ", shape[i]);
    if (i) dict += ", ";
    dict += std::to_string(shape[i]);
    n *= uint64_t(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  size_t used = 10 + dict.size() + 1;  // magic + version + uint16 length + dict + '\n'
  size_t pad = (64 - used % 64) % 64;
  dict.append(pad, ' ');
  dict += '\n';
  GROOT_CHECK(dict.size() <= 65535, "write_npy: header too long");
  std::string out("\x93NUMPY\x01\x00", 8);
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  out += dict;
  out.append(static_cast<const char*>(data), n);
  return out;
}

bool is_ndarray(const Value& v) { return v.is_map() && v.find("__ndarray_class__") != nullptr; }

NdArray decode_ndarray(const Value& v, std::string_view what) {
  if (!v.is_map())
    fail(what, ": expected a numpy array ({\"__ndarray_class__\": true, \"as_npy\": ...}), got a msgpack ",
         type_name(v.type));
  const Value* tag = v.find("__ndarray_class__");
  if (!tag) fail(what, ": expected a numpy array, got a map without \"__ndarray_class__\"");
  const Value* npy = v.find("as_npy");
  if (!npy) fail(what, ": numpy array without \"as_npy\"");
  if (npy->type != Value::Type::kBin)
    fail(what, ": \"as_npy\" must be binary (.npy bytes), got a msgpack ", type_name(npy->type));
  return parse_npy(npy->bytes, what);
}

bool constant_time_equal(std::string_view secret, std::string_view candidate) {
  // Every byte of the candidate is compared (against the secret cycled), so the time does not
  // depend on where the first difference is nor on the secret's length.
  unsigned diff = secret.size() != candidate.size();
  if (secret.empty()) return candidate.empty();
  for (size_t i = 0; i < candidate.size(); ++i)
    diff |= unsigned(uint8_t(secret[i % secret.size()]) ^ uint8_t(candidate[i]));
  return diff == 0;
}

}  // namespace groot::wire
