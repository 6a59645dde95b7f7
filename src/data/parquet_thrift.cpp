// Thrift compact protocol for the parquet.thrift subset in parquet_internal.h.
//
// Compact protocol recap: a struct is a sequence of field headers + values ended by a 0 byte.
// Field header: (delta << 4) | type when 0 < delta <= 15 (delta from the previous field id),
// else type followed by the zigzag-varint field id. Integers are zigzag varints, binary/string is
// varint length + bytes, a list is (size << 4) | elem_type (size >= 15: 0xF? + varint size), bools
// in structs are carried in the field type (1 true, 2 false).
#include <cstring>

#include "data/parquet_internal.h"
#include "util/error.h"

namespace groot::pq::detail {
namespace {

enum CType : int {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12
};

// ---- writer ------------------------------------------------------------------------------------
class TWriter {
 public:
  std::string out;

  void begin_struct() { last_.push_back(0); }
  void end_struct() {
    out.push_back(0);
    last_.pop_back();
  }
  void field(int16_t id, int type) {
    int16_t delta = int16_t(id - last_.back());
    if (delta > 0 && delta <= 15) {
      out.push_back(char((delta << 4) | type));
    } else {
      out.push_back(char(type));
      varint(zigzag(id));
    }
    last_.back() = id;
  }
  void f_i32(int16_t id, int32_t v) {
    field(id, kI32);
    varint(zigzag(v));
  }
  void f_i64(int16_t id, int64_t v) {
    field(id, kI64);
    varint(zigzag(v));
  }
  void f_bool(int16_t id, bool v) { field(id, v ? kTrue : kFalse); }
  void f_binary(int16_t id, const std::string& s) {
    field(id, kBinary);
    binary(s);
  }
  void f_struct(int16_t id) {
    field(id, kStruct);
    begin_struct();
  }
  void f_list(int16_t id, int elem_type, size_t n) {
    field(id, kList);
    list_header(elem_type, n);
  }
  void list_header(int elem_type, size_t n) {
    if (n < 15) {
      out.push_back(char((n << 4) | elem_type));
    } else {
      out.push_back(char(0xF0 | elem_type));
      varint(n);
    }
  }
  void binary(const std::string& s) {
    varint(s.size());
    out += s;
  }
  void i32(int32_t v) { varint(zigzag(v)); }
  static uint64_t zigzag(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out.push_back(char((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out.push_back(char(v));
  }

 private:
  std::vector<int16_t> last_{0};
};

void write_statistics(TWriter& w, int16_t id, const Statistics& s) {
  w.f_struct(id);
  if (s.max) w.f_binary(1, *s.max);
  if (s.min) w.f_binary(2, *s.min);
  if (s.null_count) w.f_i64(3, *s.null_count);
  if (s.max_value) w.f_binary(5, *s.max_value);
  if (s.min_value) w.f_binary(6, *s.min_value);
  w.end_struct();
}

void write_schema_element(TWriter& w, const SchemaElement& e) {
  w.begin_struct();
  if (e.type) w.f_i32(1, *e.type);
  if (e.type_length) w.f_i32(2, *e.type_length);
  if (e.repetition) w.f_i32(3, *e.repetition);
  w.f_binary(4, e.name);
  if (e.num_children) w.f_i32(5, *e.num_children);
  if (e.converted_type) w.f_i32(6, *e.converted_type);
  if (e.logical != kLT_NONE) {
    w.f_struct(10);  // LogicalType union
    w.f_struct(int16_t(e.logical));
    if (e.logical == kLT_INTEGER) {
      w.field(1, kByte);
      w.out.push_back(char(e.int_bit_width));
      w.f_bool(2, e.int_signed);
    }
    w.end_struct();
    w.end_struct();
  }
  w.end_struct();
}

void write_column_meta(TWriter& w, int16_t id, const ColumnMetaData& m) {
  w.f_struct(id);
  w.f_i32(1, m.type);
  w.f_list(2, kI32, m.encodings.size());
  for (int32_t e : m.encodings) w.i32(e);
  w.f_list(3, kBinary, m.path.size());
  for (const auto& p : m.path) w.binary(p);
  w.f_i32(4, m.codec);
  w.f_i64(5, m.num_values);
  w.f_i64(6, m.total_uncompressed_size);
  w.f_i64(7, m.total_compressed_size);
  w.f_i64(9, m.data_page_offset);
  if (m.dictionary_page_offset) w.f_i64(11, *m.dictionary_page_offset);
  if (m.statistics) write_statistics(w, 12, *m.statistics);
  w.end_struct();
}

// ---- reader ------------------------------------------------------------------------------------
constexpr int kMaxDepth = 32;

class TReader {
 public:
  TReader(const uint8_t* p, size_t n) : begin_(p), p_(p), end_(p + n) {}
  size_t consumed() const { return size_t(p_ - begin_); }

  uint8_t byte() {
    if (p_ >= end_) fail("thrift metadata truncated at byte ", consumed());
    return *p_++;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("thrift metadata: varint longer than 10 bytes at byte ", consumed());
  }
  int64_t zz() {
    uint64_t v = varint();
    return int64_t(v >> 1) ^ -int64_t(v & 1);
  }
  int32_t i32() {
    int64_t v = zz();
    if (v < INT32_MIN || v > INT32_MAX) fail("thrift metadata: i32 value ", v, " out of range");
    return int32_t(v);
  }
  std::string binary() {
    uint64_t n = varint();
    if (n > size_t(end_ - p_)) fail("thrift metadata: string of ", n, " bytes exceeds the remaining ", end_ - p_);
    std::string s(reinterpret_cast<const char*>(p_), size_t(n));
    p_ += n;
    return s;
  }
  // Reads a list header; returns the element count (bounded by the remaining bytes).
  size_t list_header(int* elem_type) {
    uint8_t h = byte();
    *elem_type = h & 0x0F;
    uint64_t n = h >> 4;
    if (n == 15) n = varint();
    // Every element takes at least one byte, except bools packed... (bool list elements are bytes).
    if (n > size_t(end_ - p_)) fail("thrift metadata: list of ", n, " elements exceeds the remaining bytes");
    return size_t(n);
  }
  // Struct field iteration. Returns false on STOP.
  bool next_field(int16_t* last, int* type, int16_t* id) {
    uint8_t h = byte();
    if (h == 0) return false;
    *type = h & 0x0F;
    int delta = h >> 4;
    if (delta) {
      *id = int16_t(*last + delta);
    } else {
      int64_t v = zz();
      if (v < INT16_MIN || v > INT16_MAX) fail("thrift metadata: field id ", v, " out of range");
      *id = int16_t(v);
    }
    *last = *id;
    return true;
  }
  bool bool_field(int type) {
    if (type == kTrue) return true;
    if (type == kFalse) return false;
    fail("thrift metadata: expected a bool field, got type ", type);
  }
  void expect(int type, int want, const char* what) {
    if (type != want) fail("thrift metadata: field ", what, " has wire type ", type, ", expected ", want);
  }
  void skip(int type, int depth = 0) {
    if (depth > kMaxDepth) fail("thrift metadata nested deeper than ", kMaxDepth);
    switch (type) {
      case kTrue:
      case kFalse:
        return;  // value in the field header
      case kByte:
        byte();
        return;
      case kI16:
      case kI32:
      case kI64:
        varint();
        return;
      case kDouble:
        advance(8);
        return;
      case kBinary: {
        uint64_t n = varint();
        advance(n);
        return;
      }
      case kList:
      case kSet: {
        int et;
        size_t n = list_header(&et);
        for (size_t i = 0; i < n; ++i) {
          if (et == kTrue || et == kFalse) {
            byte();
          } else {
            skip(et, depth + 1);
          }
        }
        return;
      }
      case kMap: {
        uint64_t n = varint();
        if (n == 0) return;
        if (n > size_t(end_ - p_)) fail("thrift metadata: map of ", n, " entries exceeds the remaining bytes");
        uint8_t kv = byte();
        for (uint64_t i = 0; i < n; ++i) {
          skip_elem(kv >> 4, depth + 1);
          skip_elem(kv & 0x0F, depth + 1);
        }
        return;
      }
      case kStruct: {
        int16_t last = 0;
        int t;
        int16_t id;
        while (next_field(&last, &t, &id)) skip(t, depth + 1);
        return;
      }
      default:
        fail("thrift metadata: invalid wire type ", type, " at byte ", consumed());
    }
  }
  void check_depth(int depth) {
    if (depth > kMaxDepth) fail("thrift metadata nested deeper than ", kMaxDepth);
  }

 private:
  void skip_elem(int t, int depth) {
    if (t == kTrue || t == kFalse)
      byte();
    else
      skip(t, depth);
  }
  void advance(uint64_t n) {
    if (n > size_t(end_ - p_)) fail("thrift metadata truncated: need ", n, " bytes at byte ", consumed());
    p_ += n;
  }
  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
};

Statistics read_statistics(TReader& r) {
  Statistics s;
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    switch (id) {
      case 1:
        r.expect(t, kBinary, "Statistics.max");
        s.max = r.binary();
        break;
      case 2:
        r.expect(t, kBinary, "Statistics.min");
        s.min = r.binary();
        break;
      case 3:
        r.expect(t, kI64, "Statistics.null_count");
        s.null_count = r.zz();
        break;
      case 5:
        r.expect(t, kBinary, "Statistics.max_value");
        s.max_value = r.binary();
        break;
      case 6:
        r.expect(t, kBinary, "Statistics.min_value");
        s.min_value = r.binary();
        break;
      default:
        r.skip(t);
    }
  }
  return s;
}

void read_logical_type(TReader& r, SchemaElement* e) {
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    if (t != kStruct) {
      r.skip(t);
      continue;
    }
    e->logical = id;
    if (id == kLT_INTEGER) {
      int16_t l2 = 0, id2;
      int t2;
      while (r.next_field(&l2, &t2, &id2)) {
        if (id2 == 1 && t2 == kByte) {
          e->int_bit_width = int8_t(r.byte());
        } else if (id2 == 2 && (t2 == kTrue || t2 == kFalse)) {
          e->int_signed = r.bool_field(t2);
        } else {
          r.skip(t2);
        }
      }
    } else {
      r.skip(kStruct);
    }
  }
}

SchemaElement read_schema_element(TReader& r) {
  SchemaElement e;
  bool has_name = false;
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    switch (id) {
      case 1:
        r.expect(t, kI32, "SchemaElement.type");
        e.type = r.i32();
        break;
      case 2:
        r.expect(t, kI32, "SchemaElement.type_length");
        e.type_length = r.i32();
        break;
      case 3:
        r.expect(t, kI32, "SchemaElement.repetition_type");
        e.repetition = r.i32();
        break;
      case 4:
        r.expect(t, kBinary, "SchemaElement.name");
        e.name = r.binary();
        has_name = true;
        break;
      case 5:
        r.expect(t, kI32, "SchemaElement.num_children");
        e.num_children = r.i32();
        break;
      case 6:
        r.expect(t, kI32, "SchemaElement.converted_type");
        e.converted_type = r.i32();
        break;
      case 10:
        r.expect(t, kStruct, "SchemaElement.logicalType");
        read_logical_type(r, &e);
        break;
      default:
        r.skip(t);
    }
  }
  if (!has_name) fail("thrift metadata: SchemaElement without a name");
  return e;
}

ColumnMetaData read_column_meta(TReader& r) {
  ColumnMetaData m;
  unsigned seen = 0;
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    switch (id) {
      case 1:
        r.expect(t, kI32, "ColumnMetaData.type");
        m.type = r.i32();
        seen |= 1;
        break;
      case 2: {
        r.expect(t, kList, "ColumnMetaData.encodings");
        int et;
        size_t n = r.list_header(&et);
        for (size_t i = 0; i < n; ++i) {
          if (et != kI32) fail("thrift metadata: ColumnMetaData.encodings element type ", et);
          m.encodings.push_back(r.i32());
        }
        break;
      }
      case 3: {
        r.expect(t, kList, "ColumnMetaData.path_in_schema");
        int et;
        size_t n = r.list_header(&et);
        for (size_t i = 0; i < n; ++i) {
          if (et != kBinary) fail("thrift metadata: ColumnMetaData.path_in_schema element type ", et);
          m.path.push_back(r.binary());
        }
        break;
      }
      case 4:
        r.expect(t, kI32, "ColumnMetaData.codec");
        m.codec = r.i32();
        seen |= 2;
        break;
      case 5:
        r.expect(t, kI64, "ColumnMetaData.num_values");
        m.num_values = r.zz();
        seen |= 4;
        break;
      case 6:
        r.expect(t, kI64, "ColumnMetaData.total_uncompressed_size");
        m.total_uncompressed_size = r.zz();
        break;
      case 7:
        r.expect(t, kI64, "ColumnMetaData.total_compressed_size");
        m.total_compressed_size = r.zz();
        seen |= 8;
        break;
      case 9:
        r.expect(t, kI64, "ColumnMetaData.data_page_offset");
        m.data_page_offset = r.zz();
        seen |= 16;
        break;
      case 11:
        r.expect(t, kI64, "ColumnMetaData.dictionary_page_offset");
        m.dictionary_page_offset = r.zz();
        break;
      case 12:
        r.expect(t, kStruct, "ColumnMetaData.statistics");
        m.statistics = read_statistics(r);
        break;
      default:
        r.skip(t);
    }
  }
  if (seen != 31) fail("thrift metadata: ColumnMetaData misses required fields (type/codec/num_values/sizes/offset)");
  return m;
}

ColumnChunk read_column_chunk(TReader& r) {
  ColumnChunk c;
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    switch (id) {
      case 1:
        r.expect(t, kBinary, "ColumnChunk.file_path");
        c.file_path = r.binary();
        break;
      case 2:
        r.expect(t, kI64, "ColumnChunk.file_offset");
        c.file_offset = r.zz();
        break;
      case 3:
        r.expect(t, kStruct, "ColumnChunk.meta_data");
        c.meta = read_column_meta(r);
        break;
      default:
        r.skip(t);
    }
  }
  return c;
}

RowGroup read_row_group(TReader& r) {
  RowGroup g;
  bool has_rows = false;
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    switch (id) {
      case 1: {
        r.expect(t, kList, "RowGroup.columns");
        int et;
        size_t n = r.list_header(&et);
        if (n && et != kStruct) fail("thrift metadata: RowGroup.columns element type ", et);
        for (size_t i = 0; i < n; ++i) g.columns.push_back(read_column_chunk(r));
        break;
      }
      case 2:
        r.expect(t, kI64, "RowGroup.total_byte_size");
        g.total_byte_size = r.zz();
        break;
      case 3:
        r.expect(t, kI64, "RowGroup.num_rows");
        g.num_rows = r.zz();
        has_rows = true;
        break;
      default:
        r.skip(t);
    }
  }
  if (!has_rows) fail("thrift metadata: RowGroup without num_rows");
  return g;
}

}  // namespace

// ---- public (detail) API ----------------------------------------------------------------------
std::string encode_file_metadata(const FileMetaData& md) {
  TWriter w;
  w.begin_struct();
  w.f_i32(1, md.version);
  w.f_list(2, kStruct, md.schema.size());
  for (const auto& e : md.schema) write_schema_element(w, e);
  w.f_i64(3, md.num_rows);
  w.f_list(4, kStruct, md.row_groups.size());
  for (const auto& g : md.row_groups) {
    w.begin_struct();
    w.f_list(1, kStruct, g.columns.size());
    for (const auto& c : g.columns) {
      w.begin_struct();
      if (c.file_path) w.f_binary(1, *c.file_path);
      w.f_i64(2, c.file_offset);
      if (c.meta) write_column_meta(w, 3, *c.meta);
      w.end_struct();
    }
    w.f_i64(2, g.total_byte_size);
    w.f_i64(3, g.num_rows);
    if (g.file_offset) w.f_i64(5, *g.file_offset);
    if (g.total_compressed_size) w.f_i64(6, *g.total_compressed_size);
    if (g.ordinal) {
      w.field(7, kI16);
      w.varint(TWriter::zigzag(*g.ordinal));
    }
    w.end_struct();
  }
  if (!md.kv.empty()) {
    w.f_list(5, kStruct, md.kv.size());
    for (const auto& [k, v] : md.kv) {
      w.begin_struct();
      w.f_binary(1, k);
      w.f_binary(2, v);
      w.end_struct();
    }
  }
  if (md.created_by) w.f_binary(6, *md.created_by);
  if (md.num_column_orders > 0) {
    w.f_list(7, kStruct, size_t(md.num_column_orders));
    for (int i = 0; i < md.num_column_orders; ++i) {
      w.begin_struct();
      w.f_struct(1);  // TYPE_ORDER: TypeDefinedOrder {}
      w.end_struct();
      w.end_struct();
    }
  }
  w.end_struct();
  return w.out;
}

std::string encode_page_header(const PageHeader& ph) {
  TWriter w;
  w.begin_struct();
  w.f_i32(1, ph.type);
  w.f_i32(2, ph.uncompressed_page_size);
  w.f_i32(3, ph.compressed_page_size);
  if (ph.has_v1) {
    w.f_struct(5);
    w.f_i32(1, ph.v1_num_values);
    w.f_i32(2, ph.v1_encoding);
    w.f_i32(3, ph.v1_def_encoding);
    w.f_i32(4, ph.v1_rep_encoding);
    if (ph.statistics) write_statistics(w, 5, *ph.statistics);
    w.end_struct();
  }
  if (ph.has_dict) {
    w.f_struct(7);
    w.f_i32(1, ph.dict_num_values);
    w.f_i32(2, ph.dict_encoding);
    w.end_struct();
  }
  if (ph.has_v2) {
    w.f_struct(8);
    w.f_i32(1, ph.v2_num_values);
    w.f_i32(2, ph.v2_num_nulls);
    w.f_i32(3, ph.v2_num_rows);
    w.f_i32(4, ph.v2_encoding);
    w.f_i32(5, ph.v2_def_len);
    w.f_i32(6, ph.v2_rep_len);
    w.f_bool(7, ph.v2_is_compressed);
    if (ph.statistics) write_statistics(w, 8, *ph.statistics);
    w.end_struct();
  }
  w.end_struct();
  return w.out;
}

FileMetaData decode_file_metadata(const uint8_t* data, size_t size) {
  TReader r(data, size);
  FileMetaData md;
  unsigned seen = 0;
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    switch (id) {
      case 1:
        r.expect(t, kI32, "FileMetaData.version");
        md.version = r.i32();
        seen |= 1;
        break;
      case 2: {
        r.expect(t, kList, "FileMetaData.schema");
        int et;
        size_t n = r.list_header(&et);
        if (n && et != kStruct) fail("thrift metadata: FileMetaData.schema element type ", et);
        for (size_t i = 0; i < n; ++i) md.schema.push_back(read_schema_element(r));
        seen |= 2;
        break;
      }
      case 3:
        r.expect(t, kI64, "FileMetaData.num_rows");
        md.num_rows = r.zz();
        seen |= 4;
        break;
      case 4: {
        r.expect(t, kList, "FileMetaData.row_groups");
        int et;
        size_t n = r.list_header(&et);
        if (n && et != kStruct) fail("thrift metadata: FileMetaData.row_groups element type ", et);
        for (size_t i = 0; i < n; ++i) md.row_groups.push_back(read_row_group(r));
        seen |= 8;
        break;
      }
      case 5: {
        r.expect(t, kList, "FileMetaData.key_value_metadata");
        int et;
        size_t n = r.list_header(&et);
        if (n && et != kStruct) fail("thrift metadata: key_value_metadata element type ", et);
        for (size_t i = 0; i < n; ++i) {
          std::string k, v;
          bool has_key = false;
          int16_t l2 = 0, id2;
          int t2;
          while (r.next_field(&l2, &t2, &id2)) {
            if (id2 == 1 && t2 == kBinary) {
              k = r.binary();
              has_key = true;
            } else if (id2 == 2 && t2 == kBinary) {
              v = r.binary();
            } else {
              r.skip(t2);
            }
          }
          if (!has_key) fail("thrift metadata: KeyValue without a key");
          md.kv.emplace_back(std::move(k), std::move(v));
        }
        break;
      }
      case 6:
        r.expect(t, kBinary, "FileMetaData.created_by");
        md.created_by = r.binary();
        break;
      default:
        r.skip(t);
    }
  }
  if (seen != 15) fail("thrift metadata: FileMetaData misses required fields (version/schema/num_rows/row_groups)");
  return md;
}

PageHeader decode_page_header(const uint8_t* data, size_t size, size_t* consumed) {
  TReader r(data, size);
  PageHeader ph;
  unsigned seen = 0;
  int16_t last = 0, id;
  int t;
  while (r.next_field(&last, &t, &id)) {
    switch (id) {
      case 1:
        r.expect(t, kI32, "PageHeader.type");
        ph.type = r.i32();
        seen |= 1;
        break;
      case 2:
        r.expect(t, kI32, "PageHeader.uncompressed_page_size");
        ph.uncompressed_page_size = r.i32();
        seen |= 2;
        break;
      case 3:
        r.expect(t, kI32, "PageHeader.compressed_page_size");
        ph.compressed_page_size = r.i32();
        seen |= 4;
        break;
      case 5: {
        r.expect(t, kStruct, "PageHeader.data_page_header");
        ph.has_v1 = true;
        unsigned s2 = 0;
        int16_t l2 = 0, id2;
        int t2;
        while (r.next_field(&l2, &t2, &id2)) {
          if (id2 >= 1 && id2 <= 4) {
            r.expect(t2, kI32, "DataPageHeader field");
            int32_t v = r.i32();
            if (id2 == 1) ph.v1_num_values = v;
            if (id2 == 2) ph.v1_encoding = v;
            if (id2 == 3) ph.v1_def_encoding = v;
            if (id2 == 4) ph.v1_rep_encoding = v;
            s2 |= 1u << id2;
          } else {
            r.skip(t2);
          }
        }
        if (s2 != 30) fail("thrift metadata: DataPageHeader misses required fields");
        break;
      }
      case 7: {
        r.expect(t, kStruct, "PageHeader.dictionary_page_header");
        ph.has_dict = true;
        unsigned s2 = 0;
        int16_t l2 = 0, id2;
        int t2;
        while (r.next_field(&l2, &t2, &id2)) {
          if (id2 == 1 || id2 == 2) {
            r.expect(t2, kI32, "DictionaryPageHeader field");
            int32_t v = r.i32();
            if (id2 == 1) ph.dict_num_values = v;
            if (id2 == 2) ph.dict_encoding = v;
            s2 |= 1u << id2;
          } else {
            r.skip(t2);
          }
        }
        if (s2 != 6) fail("thrift metadata: DictionaryPageHeader misses required fields");
        break;
      }
      case 8: {
        r.expect(t, kStruct, "PageHeader.data_page_header_v2");
        ph.has_v2 = true;
        unsigned s2 = 0;
        int16_t l2 = 0, id2;
        int t2;
        while (r.next_field(&l2, &t2, &id2)) {
          if (id2 >= 1 && id2 <= 6) {
            r.expect(t2, kI32, "DataPageHeaderV2 field");
            int32_t v = r.i32();
            if (id2 == 1) ph.v2_num_values = v;
            if (id2 == 2) ph.v2_num_nulls = v;
            if (id2 == 3) ph.v2_num_rows = v;
            if (id2 == 4) ph.v2_encoding = v;
            if (id2 == 5) ph.v2_def_len = v;
            if (id2 == 6) ph.v2_rep_len = v;
            s2 |= 1u << id2;
          } else if (id2 == 7 && (t2 == kTrue || t2 == kFalse)) {
            ph.v2_is_compressed = r.bool_field(t2);
          } else {
            r.skip(t2);
          }
        }
        if (s2 != 126) fail("thrift metadata: DataPageHeaderV2 misses required fields");
        break;
      }
      default:
        r.skip(t);
    }
  }
  if (seen != 7) fail("page header misses required fields (type/sizes)");
  *consumed = r.consumed();
  return ph;
}

}  // namespace groot::pq::detail
