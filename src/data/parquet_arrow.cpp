// The Arrow schema stored by pyarrow/Arrow C++ in Parquet key-value metadata ("ARROW:schema"):
// base64 of an encapsulated Arrow IPC message (0xFFFFFFFF, int32 metadata length, flatbuffer
// `Message { version: V5, header: Schema }`, padding to 8 bytes, no body).
//
// Flatbuffer recap: a table starts with an int32 soffset to its vtable (vtable = table - soffset);
// the vtable is uint16 [vtable bytes, table bytes, field offset per slot...]; reference fields are
// uint32 offsets relative to the field's own position (always forward). The builder below lays
// objects out front to back (vtable, table, then the children it references) with natural
// alignment, which the flatbuffers verifier used by Arrow accepts.
#include <algorithm>
#include <cstring>

#include "data/parquet_internal.h"
#include "util/error.h"

namespace groot::pq::detail {
namespace {

// Arrow Message / Schema / Field vtable slots (from Message.fbs / Schema.fbs).
constexpr int kMessageVersion = 0, kMessageHeaderType = 1, kMessageHeader = 2;
constexpr int kSchemaFields = 1;
constexpr int kFieldName = 0, kFieldNullable = 1, kFieldTypeType = 2, kFieldType = 3, kFieldChildren = 5;
constexpr int16_t kMetadataV5 = 4;
constexpr uint8_t kHeaderSchema = 1;

// ---- builder -------------------------------------------------------------------------------------
class FbBuilder {
 public:
  std::string buf;

  struct Scalar {
    int slot;
    int size;  // 1, 2, 4, 8; 0 = reference (uoffset, 4 bytes)
    uint64_t value;
  };

  void align(size_t a) {
    while (buf.size() % a) buf.push_back('\0');
  }
  void put(size_t pos, uint64_t v, int size) {
    for (int i = 0; i < size; ++i) buf[pos + size_t(i)] = char((v >> (8 * i)) & 0xFF);
  }
  void append(uint64_t v, int size) {
    size_t p = buf.size();
    buf.resize(p + size_t(size));
    put(p, v, size);
  }
  // Writes vtable + table. Returns the table position; ref_pos[slot] = absolute position of each
  // reference field (to be patched with patch_ref once the target is written).
  size_t table(std::vector<Scalar> fields, std::vector<size_t>* ref_pos) {
    int nslots = 0;
    for (const auto& f : fields) nslots = std::max(nslots, f.slot + 1);
    // Largest fields first keeps every field naturally aligned (table start is 8-aligned).
    std::stable_sort(fields.begin(), fields.end(), [](const Scalar& a, const Scalar& b) {
      return (a.size ? a.size : 4) > (b.size ? b.size : 4);
    });
    std::vector<uint16_t> slot_off(size_t(nslots), 0);
    std::vector<size_t> field_off(fields.size());
    size_t cur = 4;
    for (size_t i = 0; i < fields.size(); ++i) {
      size_t sz = fields[i].size ? size_t(fields[i].size) : 4;
      cur = (cur + sz - 1) / sz * sz;
      field_off[i] = cur;
      slot_off[size_t(fields[i].slot)] = uint16_t(cur);
      cur += sz;
    }
    size_t table_size = (cur + 3) / 4 * 4;
    align(2);
    size_t vt = buf.size();
    append(4 + 2 * size_t(nslots), 2);
    append(table_size, 2);
    for (uint16_t o : slot_off) append(o, 2);
    align(8);
    size_t tpos = buf.size();
    buf.resize(tpos + table_size, '\0');
    put(tpos, uint32_t(int32_t(tpos - vt)), 4);
    ref_pos->assign(size_t(nslots), 0);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].size == 0) {
        (*ref_pos)[size_t(fields[i].slot)] = tpos + field_off[i];
      } else {
        put(tpos + field_off[i], fields[i].value, fields[i].size);
      }
    }
    return tpos;
  }
  size_t string(const std::string& s) {
    align(4);
    size_t pos = buf.size();
    append(s.size(), 4);
    buf += s;
    buf.push_back('\0');
    return pos;
  }
  // Vector of `n` references; returns its position; element i lives at pos + 4 + 4 i.
  size_t ref_vector(size_t n) {
    align(4);
    size_t pos = buf.size();
    append(n, 4);
    buf.resize(buf.size() + 4 * n, '\0');
    return pos;
  }
  void patch_ref(size_t at, size_t target) { put(at, uint32_t(target - at), 4); }
};

struct FieldSpec {
  std::string name;
  int32_t type;
  int32_t bit_width = 0;  // Int
  int16_t precision = 0;  // FloatingPoint
  int32_t list_size = 0;  // FixedSizeList
  std::vector<FieldSpec> children;
};

FieldSpec elem_spec(Elem e, const std::string& name) {
  FieldSpec f;
  f.name = name;
  switch (e) {
    case Elem::kBool:
      f.type = kA_BOOL;
      break;
    case Elem::kInt32:
      f.type = kA_INT;
      f.bit_width = 32;
      break;
    case Elem::kInt64:
      f.type = kA_INT;
      f.bit_width = 64;
      break;
    case Elem::kFloat32:
      f.type = kA_FLOAT;
      f.precision = 1;
      break;
    case Elem::kFloat64:
      f.type = kA_FLOAT;
      f.precision = 2;
      break;
    case Elem::kString:
      f.type = kA_UTF8;
      break;
  }
  return f;
}

size_t write_field(FbBuilder& b, const FieldSpec& f) {
  std::vector<size_t> ref;
  size_t tpos = b.table({{kFieldName, 0, 0},
                         {kFieldNullable, 1, 1},
                         {kFieldTypeType, 1, uint64_t(f.type)},
                         {kFieldType, 0, 0},
                         {kFieldChildren, 0, 0}},
                        &ref);
  b.patch_ref(ref[kFieldName], b.string(f.name));
  // The type table.
  std::vector<size_t> tref;
  size_t type_pos;
  if (f.type == kA_INT) {
    type_pos = b.table({{0, 4, uint64_t(uint32_t(f.bit_width))}, {1, 1, 1}}, &tref);
  } else if (f.type == kA_FLOAT) {
    type_pos = b.table({{0, 2, uint64_t(uint16_t(f.precision))}}, &tref);
  } else if (f.type == kA_FIXED_SIZE_LIST) {
    type_pos = b.table({{0, 4, uint64_t(uint32_t(f.list_size))}}, &tref);
  } else {
    type_pos = b.table({}, &tref);  // Utf8, Bool, List: empty tables
  }
  b.patch_ref(ref[kFieldType], type_pos);
  size_t vec = b.ref_vector(f.children.size());
  b.patch_ref(ref[kFieldChildren], vec);
  for (size_t i = 0; i < f.children.size(); ++i) {
    size_t child = write_field(b, f.children[i]);
    b.patch_ref(vec + 4 + 4 * i, child);
  }
  return tpos;
}

// ---- checked reader ------------------------------------------------------------------------------
class FbView {
 public:
  FbView(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  uint64_t u(size_t pos, int size) const {
    if (pos > n_ || size_t(size) > n_ - pos) fail("ARROW:schema flatbuffer: read past the end (offset ", pos, ")");
    uint64_t v = 0;
    for (int i = 0; i < size; ++i) v |= uint64_t(p_[pos + size_t(i)]) << (8 * i);
    return v;
  }
  // Field position inside table `t` for `slot`, or 0 if absent.
  size_t field(size_t t, int slot) const {
    int64_t soff = int32_t(uint32_t(u(t, 4)));
    int64_t vt = int64_t(t) - soff;
    if (vt < 0 || uint64_t(vt) >= n_) fail("ARROW:schema flatbuffer: vtable offset out of range");
    size_t vts = size_t(u(size_t(vt), 2));
    if (vts < 4 || (vts & 1)) fail("ARROW:schema flatbuffer: invalid vtable size ", vts);
    u(size_t(vt), int(std::min<size_t>(vts, 8)));  // vtable header in bounds
    size_t entry = 4 + 2 * size_t(slot);
    if (entry + 2 > vts) return 0;
    size_t off = size_t(u(size_t(vt) + entry, 2));
    return off ? t + off : 0;
  }
  uint64_t scalar(size_t t, int slot, int size, uint64_t dflt) const {
    size_t f = field(t, slot);
    return f ? u(f, size) : dflt;
  }
  size_t deref(size_t at) const {
    uint64_t off = u(at, 4);
    if (off == 0 || off >= n_ - at) fail("ARROW:schema flatbuffer: reference out of range");
    return at + size_t(off);
  }
  size_t ref(size_t t, int slot) const {
    size_t f = field(t, slot);
    return f ? deref(f) : 0;
  }
  std::string string(size_t pos) const {
    size_t len = size_t(u(pos, 4));
    if (len > n_ - pos - 4) fail("ARROW:schema flatbuffer: string out of range");
    return std::string(reinterpret_cast<const char*>(p_ + pos + 4), len);
  }
  size_t vector_len(size_t pos, size_t elem_size) const {
    size_t len = size_t(u(pos, 4));
    if (len > (n_ - pos - 4) / elem_size) fail("ARROW:schema flatbuffer: vector out of range");
    return len;
  }

 private:
  const uint8_t* p_;
  size_t n_;
};

struct ParseBudget {
  int nodes = 0;
};

ArrowField parse_field(const FbView& v, size_t t, int depth, ParseBudget* budget) {
  if (depth > 32) fail("ARROW:schema: fields nested deeper than 32");
  if (++budget->nodes > 100000) fail("ARROW:schema: too many fields");
  ArrowField f;
  size_t name = v.ref(t, kFieldName);
  if (name) f.name = v.string(name);
  f.nullable = v.scalar(t, kFieldNullable, 1, 0) != 0;
  f.type = int32_t(v.scalar(t, kFieldTypeType, 1, 0));
  size_t ty = v.ref(t, kFieldType);
  if (ty) {
    if (f.type == kA_INT) {
      f.bit_width = int32_t(uint32_t(v.scalar(ty, 0, 4, 0)));
      f.is_signed = v.scalar(ty, 1, 1, 0) != 0;
    } else if (f.type == kA_FLOAT) {
      f.precision = int16_t(uint16_t(v.scalar(ty, 0, 2, 0)));
    } else if (f.type == kA_FIXED_SIZE_LIST) {
      f.list_size = int32_t(uint32_t(v.scalar(ty, 0, 4, 0)));
    }
  }
  size_t ch = v.ref(t, kFieldChildren);
  if (ch) {
    size_t n = v.vector_len(ch, 4);
    for (size_t i = 0; i < n; ++i) f.children.push_back(parse_field(v, v.deref(ch + 4 + 4 * i), depth + 1, budget));
  }
  return f;
}

}  // namespace

std::string arrow_schema_message(const Table& table) {
  std::vector<FieldSpec> specs;
  for (const auto& c : table.columns) {
    if (c.shape == Shape::kScalar) {
      specs.push_back(elem_spec(c.elem, c.name));
    } else {
      FieldSpec f;
      f.name = c.name;
      f.type = c.shape == Shape::kFixedList ? kA_FIXED_SIZE_LIST : kA_LIST;
      f.list_size = c.list_size;
      f.children.push_back(elem_spec(c.elem, "item"));
      specs.push_back(f);
    }
  }
  FbBuilder b;
  b.append(0, 4);  // root reference, patched below
  std::vector<size_t> mref;
  size_t msg = b.table({{kMessageVersion, 2, uint64_t(kMetadataV5)},
                        {kMessageHeaderType, 1, kHeaderSchema},
                        {kMessageHeader, 0, 0}},
                       &mref);
  b.patch_ref(0, msg);
  std::vector<size_t> sref;
  size_t schema = b.table({{kSchemaFields, 0, 0}}, &sref);
  b.patch_ref(mref[kMessageHeader], schema);
  size_t vec = b.ref_vector(specs.size());
  b.patch_ref(sref[kSchemaFields], vec);
  for (size_t i = 0; i < specs.size(); ++i) b.patch_ref(vec + 4 + 4 * i, write_field(b, specs[i]));
  b.align(8);
  std::string out;
  uint32_t cont = 0xFFFFFFFFu, len = uint32_t(b.buf.size());
  for (int i = 0; i < 4; ++i) out.push_back(char((cont >> (8 * i)) & 0xFF));
  for (int i = 0; i < 4; ++i) out.push_back(char((len >> (8 * i)) & 0xFF));
  out += b.buf;
  return out;
}

std::vector<ArrowField> parse_arrow_schema_message(const std::string& msg) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(msg.data());
  size_t n = msg.size();
  if (n < 4) fail("ARROW:schema: message shorter than 4 bytes");
  auto rd32 = [&](size_t at) { return uint32_t(p[at]) | uint32_t(p[at + 1]) << 8 | uint32_t(p[at + 2]) << 16 | uint32_t(p[at + 3]) << 24; };
  size_t start = 4;
  uint32_t len = rd32(0);
  if (len == 0xFFFFFFFFu) {
    if (n < 8) fail("ARROW:schema: message truncated after the continuation marker");
    len = rd32(4);
    start = 8;
  }
  if (len > n - start) fail("ARROW:schema: metadata length ", len, " exceeds the message (", n - start, " bytes)");
  FbView v(p + start, len);
  size_t root = v.deref(0);
  uint64_t header_type = v.scalar(root, kMessageHeaderType, 1, 0);
  if (header_type != kHeaderSchema) fail("ARROW:schema: message header is type ", header_type, ", not Schema");
  size_t schema = v.ref(root, kMessageHeader);
  if (!schema) fail("ARROW:schema: message has no Schema");
  std::vector<ArrowField> fields;
  size_t vec = v.ref(schema, kSchemaFields);
  if (!vec) return fields;
  size_t count = v.vector_len(vec, 4);
  ParseBudget budget;
  for (size_t i = 0; i < count; ++i) fields.push_back(parse_field(v, v.deref(vec + 4 + 4 * i), 0, &budget));
  return fields;
}

// ---- base64 --------------------------------------------------------------------------------------
static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::string base64_decode(const std::string& in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else if (c == '=') {
      ++pad;
      continue;
    } else if (c == '\n' || c == '\r' || c == ' ') {
      continue;
    } else {
      fail("invalid base64 character (code ", int(uint8_t(c)), ")");
    }
    if (pad) fail("invalid base64: data after '=' padding");
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace groot::pq::detail
