// Parquet writer: Table -> "PAR1" + column chunks + thrift footer + footer length + "PAR1".
//
// Layout chosen to match what pyarrow writes for LeRobot tables:
//   scalar:     optional <phys> name                                   max_def 1, max_rep 0
//   list/fixed: optional group name (LIST) {                           max_def 3, max_rep 1
//                 repeated group list { optional <phys> element } }
// Values are PLAIN, levels RLE/bit-packed hybrid, one or more data pages (v1 or v2) per column
// chunk, cut at row boundaries every ~WriteOptions::page_bytes of values.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "data/parquet_internal.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::pq {

int64_t Column::num_values() const {
  switch (elem) {
    case Elem::kBool:
      return int64_t(b.size());
    case Elem::kInt32:
      return int64_t(i32.size());
    case Elem::kInt64:
      return int64_t(i64.size());
    case Elem::kFloat32:
      return int64_t(f32.size());
    case Elem::kFloat64:
      return int64_t(f64.size());
    case Elem::kString:
      return int64_t(str.size());
  }
  return 0;
}

const Column* Table::find(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

const Column& Table::at(const std::string& name) const {
  const Column* c = find(name);
  if (!c) {
    std::string names;
    for (const auto& x : columns) names += (names.empty() ? "" : ", ") + x.name;
    fail("parquet table has no column '", name, "' (columns: ", names, ")");
  }
  return *c;
}

static const char* elem_dtype(Elem e) {
  switch (e) {
    case Elem::kBool:
      return "bool";
    case Elem::kInt32:
      return "int32";
    case Elem::kInt64:
      return "int64";
    case Elem::kFloat32:
      return "float32";
    case Elem::kFloat64:
      return "float64";
    case Elem::kString:
      return "string";
  }
  return "?";
}

std::string huggingface_metadata_json(const Table& table) {
  nlohmann::ordered_json features = nlohmann::ordered_json::object();
  for (const auto& c : table.columns) {
    nlohmann::ordered_json value = {{"dtype", elem_dtype(c.elem)}, {"_type", "Value"}};
    if (c.shape == Shape::kScalar) {
      features[c.name] = value;
    } else {
      features[c.name] = {{"feature", value},
                          {"length", c.shape == Shape::kFixedList ? c.list_size : -1},
                          {"_type", "Sequence"}};
    }
  }
  nlohmann::ordered_json j = {{"info", {{"features", features}}}};
  return j.dump();
}

namespace detail {
namespace {

int32_t phys_type(Elem e) {
  switch (e) {
    case Elem::kBool:
      return kBOOLEAN;
    case Elem::kInt32:
      return kINT32;
    case Elem::kInt64:
      return kINT64;
    case Elem::kFloat32:
      return kFLOAT;
    case Elem::kFloat64:
      return kDOUBLE;
    case Elem::kString:
      return kBYTE_ARRAY;
  }
  fail("unknown element type");
}

void validate(const Table& t) {
  GROOT_CHECK(t.num_rows >= 0, "parquet writer: negative num_rows ", t.num_rows);
  GROOT_CHECK(!t.columns.empty(), "parquet writer: table has no columns");
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const Column& c = t.columns[i];
    GROOT_CHECK(!c.name.empty(), "parquet writer: column ", i, " has an empty name");
    for (size_t j = 0; j < i; ++j)
      GROOT_CHECK(t.columns[j].name != c.name, "parquet writer: duplicate column name '", c.name, "'");
    const std::string where = "parquet writer: column '" + c.name + "'";
    GROOT_CHECK(c.valid.empty() || int64_t(c.valid.size()) == t.num_rows, where, ": valid has ", c.valid.size(),
                " entries for ", t.num_rows, " rows");
    int64_t nvalid = t.num_rows;
    if (!c.valid.empty()) {
      nvalid = 0;
      for (uint8_t v : c.valid) {
        GROOT_CHECK(v <= 1, where, ": valid entries must be 0 or 1, got ", int(v));
        nvalid += v;
      }
    }
    // Only the vector selected by `elem` may hold data.
    int64_t others = int64_t(c.f32.size() + c.f64.size() + c.i32.size() + c.i64.size() + c.b.size() + c.str.size()) -
                     c.num_values();
    GROOT_CHECK(others == 0, where, ": values stored in a vector that does not match its element type ",
                elem_dtype(c.elem));
    if (c.elem == Elem::kBool)
      for (uint8_t v : c.b) GROOT_CHECK(v <= 1, where, ": bool values must be 0 or 1, got ", int(v));
    const int64_t nv = c.num_values();
    switch (c.shape) {
      case Shape::kScalar:
        GROOT_CHECK(c.offsets.empty(), where, ": scalar column must not have offsets");
        GROOT_CHECK(nv == nvalid, where, ": ", nv, " values for ", nvalid, " non-null rows");
        break;
      case Shape::kFixedList:
        GROOT_CHECK(c.list_size > 0, where, ": fixed-size list needs list_size > 0, got ", c.list_size);
        GROOT_CHECK(c.offsets.empty(), where, ": fixed-size list column must not have offsets");
        GROOT_CHECK(nv == nvalid * c.list_size, where, ": ", nv, " values for ", nvalid, " non-null rows of ",
                    c.list_size);
        break;
      case Shape::kList: {
        GROOT_CHECK(int64_t(c.offsets.size()) == t.num_rows + 1, where, ": list column needs ", t.num_rows + 1,
                    " offsets, has ", c.offsets.size());
        GROOT_CHECK(c.offsets[0] == 0, where, ": offsets[0] must be 0, is ", c.offsets[0]);
        for (int64_t r = 0; r < t.num_rows; ++r) {
          GROOT_CHECK(c.offsets[r + 1] >= c.offsets[r], where, ": offsets decrease at row ", r);
          if (!c.valid.empty() && !c.valid[r])
            GROOT_CHECK(c.offsets[r + 1] == c.offsets[r], where, ": null row ", r, " holds values");
        }
        GROOT_CHECK(c.offsets.back() == nv, where, ": last offset ", c.offsets.back(), " != ", nv, " values");
        break;
      }
    }
  }
}

// PLAIN-encodes values [v0, v1) of the column into out.
void plain_encode(const Column& c, int64_t v0, int64_t v1, std::string* out) {
  size_t n = size_t(v1 - v0);
  auto raw = [&](const void* p, size_t bytes) { out->append(static_cast<const char*>(p), bytes); };
  switch (c.elem) {
    case Elem::kFloat32:
      raw(c.f32.data() + v0, n * 4);
      break;
    case Elem::kFloat64:
      raw(c.f64.data() + v0, n * 8);
      break;
    case Elem::kInt32:
      raw(c.i32.data() + v0, n * 4);
      break;
    case Elem::kInt64:
      raw(c.i64.data() + v0, n * 8);
      break;
    case Elem::kBool: {
      size_t start = out->size();
      out->resize(start + (n + 7) / 8, '\0');
      for (size_t i = 0; i < n; ++i)
        if (c.b[size_t(v0) + i]) (*out)[start + i / 8] = char(uint8_t((*out)[start + i / 8]) | (1u << (i % 8)));
      break;
    }
    case Elem::kString:
      for (size_t i = 0; i < n; ++i) {
        const std::string& s = c.str[size_t(v0) + i];
        GROOT_CHECK(s.size() <= 0x7FFFFFFFu, "parquet writer: column '", c.name, "': string longer than 2 GiB");
        uint32_t len = uint32_t(s.size());
        raw(&len, 4);
        out->append(s);
      }
      break;
  }
}

template <typename T>
std::string raw_bytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

template <typename T>
void minmax_numeric(const std::vector<T>& v, int64_t v0, int64_t v1, Statistics* st) {
  bool any = false;
  T lo{}, hi{};
  for (int64_t i = v0; i < v1; ++i) {
    T x = v[size_t(i)];
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) continue;
    }
    if (!any) {
      lo = hi = x;
      any = true;
    } else {
      if (x < lo) lo = x;
      if (hi < x) hi = x;
    }
  }
  if (!any) return;
  if constexpr (std::is_floating_point_v<T>) {
    // Parquet spec: a zero min is written as -0.0 and a zero max as +0.0.
    if (lo == T(0)) lo = -T(0);
    if (hi == T(0)) hi = T(0);
  }
  st->min_value = raw_bytes(lo);
  st->max_value = raw_bytes(hi);
}

void column_minmax(const Column& c, int64_t v0, int64_t v1, Statistics* st) {
  switch (c.elem) {
    case Elem::kFloat32:
      minmax_numeric(c.f32, v0, v1, st);
      break;
    case Elem::kFloat64:
      minmax_numeric(c.f64, v0, v1, st);
      break;
    case Elem::kInt32:
      minmax_numeric(c.i32, v0, v1, st);
      break;
    case Elem::kInt64:
      minmax_numeric(c.i64, v0, v1, st);
      break;
    case Elem::kBool: {
      if (v0 == v1) break;
      uint8_t lo = 1, hi = 0;
      for (int64_t i = v0; i < v1; ++i) {
        lo = std::min(lo, c.b[size_t(i)]);
        hi = std::max(hi, c.b[size_t(i)]);
      }
      st->min_value = std::string(1, char(lo));
      st->max_value = std::string(1, char(hi));
      break;
    }
    case Elem::kString: {
      if (v0 == v1) break;
      const std::string* lo = &c.str[size_t(v0)];
      const std::string* hi = lo;
      for (int64_t i = v0; i < v1; ++i) {
        const std::string& s = c.str[size_t(i)];
        if (s < *lo) lo = &s;
        if (*hi < s) hi = &s;
      }
      if (lo->size() <= 4096 && hi->size() <= 4096) {
        st->min_value = *lo;
        st->max_value = *hi;
      }
      break;
    }
  }
}

struct ChunkOut {
  std::string bytes;  // page headers + page bodies
  int64_t num_values = 0;
  int64_t uncompressed = 0;
  Statistics stats;
};

// Encodes rows [r0, r1) of column c (value index of row r0 is v0) as one column chunk.
ChunkOut write_chunk(const Column& c, int64_t r0, int64_t r1, int64_t v0, const WriteOptions& opt) {
  ChunkOut out;
  const bool is_list = c.shape != Shape::kScalar;
  const int max_def = is_list ? 3 : 1;
  const int max_rep = is_list ? 1 : 0;
  const int32_t codec = codec_id(opt.codec);
  const int64_t elem_bytes = c.elem == Elem::kFloat64 || c.elem == Elem::kInt64 ? 8 : 4;
  int64_t nulls = 0;

  std::vector<uint32_t> def, rep;
  int64_t r = r0, v = v0;
  while (r < r1) {
    // ---- one page: rows [r, pr), values [v, pv)
    def.clear();
    rep.clear();
    int64_t pr = r, pv = v, page_bytes = 0, page_nulls = 0;
    while (pr < r1 && (pr == r || page_bytes < opt.page_bytes)) {
      bool valid = c.valid.empty() || c.valid[size_t(pr)];
      int64_t count = 0;
      if (valid) {
        if (c.shape == Shape::kScalar) count = 1;
        if (c.shape == Shape::kFixedList) count = c.list_size;
        if (c.shape == Shape::kList) count = c.offsets[size_t(pr) + 1] - c.offsets[size_t(pr)];
      }
      if (!is_list) {
        def.push_back(valid ? 1 : 0);
        if (!valid) ++page_nulls;
      } else if (!valid || count == 0) {
        def.push_back(valid ? 1 : 0);  // 0: null list, 1: empty list
        rep.push_back(0);
        ++page_nulls;
      } else {
        for (int64_t k = 0; k < count; ++k) {
          def.push_back(3);
          rep.push_back(k == 0 ? 0 : 1);
        }
      }
      if (c.elem == Elem::kString) {
        for (int64_t k = 0; k < count; ++k) page_bytes += 4 + int64_t(c.str[size_t(pv + k)].size());
      } else {
        page_bytes += count * elem_bytes;
      }
      pv += count;
      ++pr;
    }
    GROOT_CHECK(def.size() <= size_t(std::numeric_limits<int32_t>::max()), "parquet writer: column '", c.name,
                "': page too large");
    std::string rep_enc, def_enc, values;
    if (max_rep) rle_encode(rep.data(), rep.size(), bit_width_for(uint64_t(max_rep)), &rep_enc);
    rle_encode(def.data(), def.size(), bit_width_for(uint64_t(max_def)), &def_enc);
    plain_encode(c, v, pv, &values);

    PageHeader ph;
    std::string body;
    if (!opt.data_page_v2) {
      std::string raw;
      auto put_levels = [&raw](const std::string& enc) {
        uint32_t len = uint32_t(enc.size());
        raw.append(reinterpret_cast<const char*>(&len), 4);
        raw += enc;
      };
      if (max_rep) put_levels(rep_enc);
      put_levels(def_enc);
      raw += values;
      body = compress(codec, raw);
      ph.type = kDATA_PAGE;
      ph.uncompressed_page_size = int32_t(raw.size());
      ph.has_v1 = true;
      ph.v1_num_values = int32_t(def.size());
      ph.v1_encoding = kPLAIN;
      ph.v1_def_encoding = kRLE;
      ph.v1_rep_encoding = kRLE;
    } else {
      std::string cvalues = compress(codec, values);
      body = rep_enc + def_enc + cvalues;
      ph.type = kDATA_PAGE_V2;
      ph.uncompressed_page_size = int32_t(rep_enc.size() + def_enc.size() + values.size());
      ph.has_v2 = true;
      ph.v2_num_values = int32_t(def.size());
      ph.v2_num_nulls = int32_t(page_nulls);
      ph.v2_num_rows = int32_t(pr - r);
      ph.v2_encoding = kPLAIN;
      ph.v2_def_len = int32_t(def_enc.size());
      ph.v2_rep_len = int32_t(rep_enc.size());
      ph.v2_is_compressed = codec != kC_UNCOMPRESSED;
    }
    GROOT_CHECK(body.size() <= size_t(std::numeric_limits<int32_t>::max()), "parquet writer: column '", c.name,
                "': page larger than 2 GiB; lower page_bytes");
    ph.compressed_page_size = int32_t(body.size());
    std::string header = encode_page_header(ph);
    out.bytes += header;
    out.bytes += body;
    out.uncompressed += int64_t(header.size()) + ph.uncompressed_page_size;
    out.num_values += int64_t(def.size());
    nulls += page_nulls;
    r = pr;
    v = pv;
  }
  if (opt.statistics) {
    out.stats.null_count = nulls;
    column_minmax(c, v0, v, &out.stats);
  }
  return out;
}

SchemaElement leaf_element(const Column& c, const std::string& name) {
  SchemaElement e;
  e.type = phys_type(c.elem);
  e.repetition = kOPTIONAL;
  e.name = name;
  if (c.elem == Elem::kString) {
    e.converted_type = kCT_UTF8;
    e.logical = kLT_STRING;
  }
  return e;
}

}  // namespace
}  // namespace detail

std::string write_table_to_string(const Table& table, const WriteOptions& opt) {
  using namespace detail;
  validate(table);
  GROOT_CHECK(opt.row_group_rows > 0, "parquet writer: row_group_rows must be > 0, got ", opt.row_group_rows);
  GROOT_CHECK(opt.page_bytes > 0, "parquet writer: page_bytes must be > 0, got ", opt.page_bytes);
  const int32_t codec = codec_id(opt.codec);

  FileMetaData md;
  md.version = 2;
  md.num_rows = table.num_rows;
  md.created_by = "groot.cpp version 0.1.0";
  SchemaElement root;
  root.name = "schema";
  root.repetition = kREQUIRED;  // as pyarrow writes it
  root.num_children = int32_t(table.columns.size());
  md.schema.push_back(root);
  for (const auto& c : table.columns) {
    if (c.shape == Shape::kScalar) {
      md.schema.push_back(leaf_element(c, c.name));
    } else {
      SchemaElement g;
      g.name = c.name;
      g.repetition = kOPTIONAL;
      g.num_children = 1;
      g.converted_type = kCT_LIST;
      g.logical = kLT_LIST;
      SchemaElement l;
      l.name = "list";
      l.repetition = kREPEATED;
      l.num_children = 1;
      md.schema.push_back(g);
      md.schema.push_back(l);
      md.schema.push_back(leaf_element(c, "element"));
    }
  }
  md.num_column_orders = int32_t(table.columns.size());
  md.kv.emplace_back("ARROW:schema", base64_encode(arrow_schema_message(table)));
  if (opt.huggingface_metadata) md.kv.emplace_back("huggingface", huggingface_metadata_json(table));
  for (const auto& kv : opt.key_value_metadata) md.kv.push_back(kv);

  std::string file = "PAR1";
  // Running value index of each column at the current row.
  std::vector<int64_t> vpos(table.columns.size(), 0);
  auto advance_values = [&](size_t ci, int64_t r0, int64_t r1) {
    const Column& c = table.columns[ci];
    int64_t n = 0;
    if (c.shape == Shape::kList) return c.offsets[size_t(r1)] - c.offsets[size_t(r0)];
    for (int64_t r = r0; r < r1; ++r) n += (c.valid.empty() || c.valid[size_t(r)]) ? 1 : 0;
    return c.shape == Shape::kFixedList ? n * c.list_size : n;
  };
  int64_t r0 = 0;
  int32_t ordinal = 0;
  while (r0 < table.num_rows) {  // an empty table has no row groups
    int64_t r1 = std::min(table.num_rows, r0 + opt.row_group_rows);
    RowGroup g;
    g.num_rows = r1 - r0;
    g.file_offset = int64_t(file.size());
    if (ordinal < 32768) g.ordinal = ordinal;
    ++ordinal;
    int64_t total_unc = 0, total_comp = 0;
    for (size_t ci = 0; ci < table.columns.size(); ++ci) {
      const Column& c = table.columns[ci];
      ChunkOut ch = write_chunk(c, r0, r1, vpos[ci], opt);
      vpos[ci] += advance_values(ci, r0, r1);
      ColumnChunk cc;
      cc.file_offset = int64_t(file.size());
      ColumnMetaData m;
      m.type = phys_type(c.elem);
      m.encodings = {kPLAIN, kRLE};
      m.path = c.shape == Shape::kScalar ? std::vector<std::string>{c.name}
                                         : std::vector<std::string>{c.name, "list", "element"};
      m.codec = codec;
      m.num_values = ch.num_values;
      m.total_uncompressed_size = ch.uncompressed;
      m.total_compressed_size = int64_t(ch.bytes.size());
      m.data_page_offset = int64_t(file.size());
      if (opt.statistics) m.statistics = ch.stats;
      cc.meta = m;
      total_unc += ch.uncompressed;
      total_comp += int64_t(ch.bytes.size());
      file += ch.bytes;
      g.columns.push_back(std::move(cc));
    }
    g.total_byte_size = total_unc;
    g.total_compressed_size = total_comp;
    md.row_groups.push_back(std::move(g));
    r0 = r1;
  }

  std::string footer = encode_file_metadata(md);
  uint32_t flen = uint32_t(footer.size());
  file += footer;
  file.append(reinterpret_cast<const char*>(&flen), 4);
  file += "PAR1";
  return file;
}

void write_table(const std::string& path, const Table& table, const WriteOptions& opt) {
  std::string bytes;
  try {
    bytes = write_table_to_string(table, opt);
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
  write_file_atomic(path, bytes);
}

}  // namespace groot::pq
