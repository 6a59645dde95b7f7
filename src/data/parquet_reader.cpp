// Parquet reader: file bytes -> Table.
//
// Supported: top-level primitive columns (REQUIRED / OPTIONAL), top-level lists (3-level
// `group (LIST) { repeated group list { <leaf> } }`, 2-level `group (LIST) { repeated <leaf> }`,
// bare `repeated <leaf>`); leaf types BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY; PLAIN,
// PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans) and BYTE_STREAM_SPLIT values; RLE levels;
// DATA_PAGE v1 / v2; UNCOMPRESSED / SNAPPY / GZIP / ZSTD; any number of row groups. Arrow's
// `fixed_size_list<T>[N]` is restored from the "ARROW:schema" metadata (each non-null row must then
// hold exactly N values); without it a list column reads as Shape::kList.
//
// Safety: every read is bounds-checked against the file; page sizes are checked against the codec
// before allocating; the total number of decoded level entries is capped at
// max(4 Mi, 1024 x file size) so a tiny malicious file cannot demand gigabytes.
#include <zstd.h>

#include <cstring>
#include <limits>
#include <new>
#include <set>

#include "data/parquet_internal.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::pq {
namespace detail {
namespace {

const char* enc_name(int32_t e) {
  switch (e) {
    case kPLAIN:
      return "PLAIN";
    case kPLAIN_DICTIONARY:
      return "PLAIN_DICTIONARY";
    case kRLE:
      return "RLE";
    case kBIT_PACKED:
      return "BIT_PACKED";
    case kDELTA_BINARY_PACKED:
      return "DELTA_BINARY_PACKED";
    case kDELTA_LENGTH_BYTE_ARRAY:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case kDELTA_BYTE_ARRAY:
      return "DELTA_BYTE_ARRAY";
    case kRLE_DICTIONARY:
      return "RLE_DICTIONARY";
    case kBYTE_STREAM_SPLIT:
      return "BYTE_STREAM_SPLIT";
    default:
      return "unknown";
  }
}

const char* phys_name(int32_t t) {
  static const char* names[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                "FIXED_LEN_BYTE_ARRAY"};
  return t >= 0 && t < 8 ? names[t] : "unknown";
}

// ---- schema --------------------------------------------------------------------------------------
struct Node {
  const SchemaElement* el = nullptr;
  std::vector<int> children;  // indexes into nodes
  int leaf = -1;              // leaf column index (primitive nodes)
};

struct SchemaTree {
  std::vector<Node> nodes;  // nodes[0] = root
  int num_leaves = 0;
};

int build_node(const FileMetaData& md, size_t* next, SchemaTree* t, int depth) {
  if (*next >= md.schema.size()) fail("schema ends early: a group declares more children than there are elements");
  if (depth > 64) fail("schema nested deeper than 64 levels");
  const SchemaElement& e = md.schema[*next];
  ++*next;
  int id = int(t->nodes.size());
  t->nodes.push_back(Node{&e, {}, -1});
  int nch = e.num_children.value_or(0);
  if (nch < 0) fail("schema element '", e.name, "' has ", nch, " children");
  if (nch > 0 || (!e.type && id == 0)) {
    if (size_t(nch) > md.schema.size() - *next) fail("schema element '", e.name, "' declares ", nch, " children but only ", md.schema.size() - *next, " elements follow");
    for (int i = 0; i < nch; ++i) {
      int child = build_node(md, next, t, depth + 1);
      t->nodes[size_t(id)].children.push_back(child);
    }
  } else {
    if (!e.type) fail("schema element '", e.name, "' is neither a group nor has a physical type");
    t->nodes[size_t(id)].leaf = t->num_leaves++;
  }
  return id;
}

SchemaTree build_tree(const FileMetaData& md) {
  if (md.schema.empty()) fail("empty schema");
  SchemaTree t;
  size_t next = 0;
  build_node(md, &next, &t, 0);
  if (next != md.schema.size()) fail("schema has ", md.schema.size() - next, " elements outside the root group");
  return t;
}

// How one top-level column maps to a leaf and its levels.
struct Plan {
  std::string name;
  std::string unsupported;  // non-empty: why this column cannot be read
  int leaf = -1;
  int32_t phys = 0;
  Elem elem = Elem::kFloat32;
  Shape shape = Shape::kScalar;
  int32_t list_size = 0;
  int max_def = 0, max_rep = 0;
  int def_list = 0;  // list columns: def >= def_list means the row is non-null (def_list-1 .. null)
  // list: def == def_list -> empty list; def > def_list -> element present (def == max_def: value)
};

int leaf_count(const SchemaTree& t, int n) {
  const Node& node = t.nodes[size_t(n)];
  if (node.leaf >= 0) return 1;
  int c = 0;
  for (int ch : node.children) c += leaf_count(t, ch);
  return c;
}
int first_leaf(const SchemaTree& t, int n) {
  const Node& node = t.nodes[size_t(n)];
  if (node.leaf >= 0) return node.leaf;
  for (int ch : node.children) return first_leaf(t, ch);
  return -1;
}

void set_elem(Plan* p, const SchemaElement& leaf) {
  p->phys = *leaf.type;
  switch (p->phys) {
    case kBOOLEAN:
      p->elem = Elem::kBool;
      break;
    case kINT32:
      p->elem = Elem::kInt32;
      break;
    case kINT64:
      p->elem = Elem::kInt64;
      break;
    case kFLOAT:
      p->elem = Elem::kFloat32;
      break;
    case kDOUBLE:
      p->elem = Elem::kFloat64;
      break;
    case kBYTE_ARRAY:
      p->elem = Elem::kString;
      break;
    default:
      p->unsupported = std::string("physical type ") + phys_name(p->phys) + " is not supported";
  }
}

Plan plan_column(const SchemaTree& t, int n) {
  const Node& top = t.nodes[size_t(n)];
  const SchemaElement& te = *top.el;
  Plan p;
  p.name = te.name;
  p.leaf = first_leaf(t, n);
  int rep_top = te.repetition.value_or(kOPTIONAL);
  if (top.leaf >= 0) {
    set_elem(&p, te);
    if (rep_top == kREPEATED) {  // bare repeated primitive: a list of required elements
      p.shape = Shape::kList;
      p.max_rep = 1;
      p.max_def = 1;
      p.def_list = 0;
    } else {
      p.max_def = rep_top == kOPTIONAL ? 1 : 0;
    }
    return p;
  }
  if (leaf_count(t, n) != 1) {
    p.unsupported = "nested column (struct/map) with " + std::to_string(leaf_count(t, n)) + " leaves";
    return p;
  }
  if (rep_top == kREPEATED) {
    p.unsupported = "repeated group";
    return p;
  }
  if (top.children.size() != 1) {
    p.unsupported = "group with several children";
    return p;
  }
  const Node& r = t.nodes[size_t(top.children[0])];
  if (r.el->repetition.value_or(kOPTIONAL) != kREPEATED) {
    p.unsupported = "struct column (group without a repeated child)";
    return p;
  }
  const SchemaElement* leaf = nullptr;
  int leaf_def = 0;
  if (r.leaf >= 0) {  // 2-level list
    leaf = r.el;
  } else {
    if (r.children.size() != 1) {
      p.unsupported = "list of structs";
      return p;
    }
    const Node& l = t.nodes[size_t(r.children[0])];
    if (l.leaf < 0) {
      p.unsupported = "nested list or list of structs";
      return p;
    }
    int lrep = l.el->repetition.value_or(kOPTIONAL);
    if (lrep == kREPEATED) {
      p.unsupported = "nested repeated field";
      return p;
    }
    leaf = l.el;
    leaf_def = lrep == kOPTIONAL ? 1 : 0;
  }
  set_elem(&p, *leaf);
  p.shape = Shape::kList;
  p.max_rep = 1;
  int top_def = rep_top == kOPTIONAL ? 1 : 0;
  p.def_list = top_def;
  p.max_def = top_def + 1 + leaf_def;
  return p;
}

// ---- value decoding ------------------------------------------------------------------------------
struct Budget {
  int64_t levels_left = 0;
};

// Appends `n` PLAIN values from [p, end) to `out` (a Column used as a typed buffer).
// Returns bytes consumed.
size_t decode_plain(const Plan& pl, const uint8_t* p, size_t size, size_t n, Column* out) {
  auto fixed = [&](auto& vec, size_t width) -> size_t {
    if (n > size / width) fail("PLAIN values truncated: need ", n, " x ", width, " bytes, page has ", size);
    size_t old = vec.size();
    vec.resize(old + n);
    std::memcpy(vec.data() + old, p, n * width);
    return n * width;
  };
  switch (pl.elem) {
    case Elem::kFloat32:
      return fixed(out->f32, 4);
    case Elem::kFloat64:
      return fixed(out->f64, 8);
    case Elem::kInt32:
      return fixed(out->i32, 4);
    case Elem::kInt64:
      return fixed(out->i64, 8);
    case Elem::kBool: {
      if ((n + 7) / 8 > size) fail("PLAIN booleans truncated: need ", (n + 7) / 8, " bytes, page has ", size);
      size_t old = out->b.size();
      out->b.resize(old + n);
      for (size_t i = 0; i < n; ++i) out->b[old + i] = (p[i / 8] >> (i % 8)) & 1;
      return (n + 7) / 8;
    }
    case Elem::kString: {
      size_t pos = 0;
      if (n > size / 4) fail("PLAIN byte arrays truncated: ", n, " values cannot fit in ", size, " bytes");
      out->str.reserve(out->str.size() + n);
      for (size_t i = 0; i < n; ++i) {
        if (size - pos < 4) fail("PLAIN byte array ", i, " truncated (length prefix)");
        uint32_t len;
        std::memcpy(&len, p + pos, 4);
        pos += 4;
        if (len > size - pos) fail("PLAIN byte array ", i, " of ", len, " bytes exceeds the page");
        out->str.emplace_back(reinterpret_cast<const char*>(p + pos), len);
        pos += len;
      }
      return pos;
    }
  }
  return 0;
}

size_t dict_size(const Column& d) { return size_t(d.num_values()); }

void gather_dict(const Column& dict, const uint32_t* idx, size_t n, Column* out) {
  size_t dn = dict_size(dict);
  for (size_t i = 0; i < n; ++i)
    if (idx[i] >= dn) fail("dictionary index ", idx[i], " out of range (dictionary has ", dn, " entries)");
  auto g = [&](const auto& src, auto& dst) {
    size_t old = dst.size();
    dst.resize(old + n);
    for (size_t i = 0; i < n; ++i) dst[old + i] = src[idx[i]];
  };
  switch (dict.elem) {
    case Elem::kFloat32:
      g(dict.f32, out->f32);
      break;
    case Elem::kFloat64:
      g(dict.f64, out->f64);
      break;
    case Elem::kInt32:
      g(dict.i32, out->i32);
      break;
    case Elem::kInt64:
      g(dict.i64, out->i64);
      break;
    case Elem::kBool:
      g(dict.b, out->b);
      break;
    case Elem::kString:
      g(dict.str, out->str);
      break;
  }
}

void decode_values(const Plan& pl, int32_t encoding, const uint8_t* p, size_t size, size_t n, const Column* dict,
                   Column* out) {
  switch (encoding) {
    case kPLAIN:
      decode_plain(pl, p, size, n, out);
      return;
    case kPLAIN_DICTIONARY:
    case kRLE_DICTIONARY: {
      if (!dict) fail(enc_name(encoding), " data page without a dictionary page");
      if (n == 0) return;
      if (size < 1) fail("dictionary-encoded page without a bit width byte");
      int bw = p[0];
      if (bw > 32) fail("dictionary index bit width ", bw, " > 32");
      std::vector<uint32_t> idx(n);
      rle_decode(p + 1, size - 1, bw, n, idx.data());
      gather_dict(*dict, idx.data(), n, out);
      return;
    }
    case kRLE: {
      if (pl.elem != Elem::kBool) fail("RLE value encoding is only valid for booleans");
      if (size < 4) fail("RLE boolean page without its 4-byte length");
      uint32_t len;
      std::memcpy(&len, p, 4);
      if (len > size - 4) fail("RLE boolean data of ", len, " bytes exceeds the page");
      std::vector<uint32_t> v(n);
      rle_decode(p + 4, len, 1, n, v.data());
      size_t old = out->b.size();
      out->b.resize(old + n);
      for (size_t i = 0; i < n; ++i) out->b[old + i] = uint8_t(v[i]);
      return;
    }
    case kBYTE_STREAM_SPLIT: {
      size_t w = pl.elem == Elem::kFloat32 || pl.elem == Elem::kInt32 ? 4
                 : pl.elem == Elem::kFloat64 || pl.elem == Elem::kInt64 ? 8
                                                                         : 0;
      if (!w) fail("BYTE_STREAM_SPLIT for ", phys_name(pl.phys), " is not supported");
      if (n > size / w) fail("BYTE_STREAM_SPLIT values truncated");
      std::vector<uint8_t> tmp(n * w);
      for (size_t i = 0; i < n; ++i)
        for (size_t k = 0; k < w; ++k) tmp[i * w + k] = p[k * n + i];
      decode_plain(pl, tmp.data(), tmp.size(), n, out);
      return;
    }
    default:
      fail("value encoding ", enc_name(encoding), " (", encoding, ") is not supported");
  }
}

// Moves `n` values from the typed buffer `src` (starting at value s) onto `dst`.
void append_values(const Column& src, size_t s, size_t n, Column* dst) {
  auto a = [&](const auto& from, auto& to) { to.insert(to.end(), from.begin() + long(s), from.begin() + long(s + n)); };
  switch (src.elem) {
    case Elem::kFloat32:
      a(src.f32, dst->f32);
      break;
    case Elem::kFloat64:
      a(src.f64, dst->f64);
      break;
    case Elem::kInt32:
      a(src.i32, dst->i32);
      break;
    case Elem::kInt64:
      a(src.i64, dst->i64);
      break;
    case Elem::kBool:
      a(src.b, dst->b);
      break;
    case Elem::kString:
      a(src.str, dst->str);
      break;
  }
}

// ---- column chunk decoding -----------------------------------------------------------------------
struct ColumnState {
  Plan plan;
  Column col;
  int64_t rows = 0;          // rows completed
  bool row_open = false;     // list: a row whose entries may continue on the next page
  int64_t open_count = 0;    // values in the open row
  bool open_valid = true;
};

void close_row(ColumnState* st) {
  Column& c = st->col;
  if (st->plan.shape == Shape::kList) c.offsets.push_back(c.num_values());
  c.valid.push_back(st->open_valid ? 1 : 0);
  if (st->plan.shape == Shape::kFixedList && st->open_valid && st->open_count != st->plan.list_size)
    fail("column '", c.name, "' row ", st->rows, " has ", st->open_count, " values but ARROW:schema declares fixed_size_list[",
         st->plan.list_size, "]");
  ++st->rows;
  st->row_open = false;
}

// Consumes one page's levels and values.
void assemble(ColumnState* st, const uint32_t* rep, const uint32_t* def, size_t n, const Column& vals) {
  const Plan& pl = st->plan;
  if (pl.max_rep == 0) {
    Column& c = st->col;
    for (size_t i = 0; i < n; ++i) {
      bool present = pl.max_def == 0 || int(def[i]) == pl.max_def;
      c.valid.push_back(present ? 1 : 0);
      ++st->rows;
    }
    append_values(vals, 0, size_t(vals.num_values()), &c);
    return;
  }
  size_t vi = 0;
  for (size_t i = 0; i < n; ++i) {
    int d = int(def[i]);
    if (rep[i] == 0) {
      if (st->row_open) close_row(st);
      st->row_open = true;
      st->open_count = 0;
      st->open_valid = d >= pl.def_list;
    } else if (!st->row_open) {
      fail("column '", pl.name, "': first level entry continues a list (repetition level 1) but no row is open");
    }
    if (d > pl.def_list) {
      if (d != pl.max_def) fail("column '", pl.name, "' row ", st->rows, ": null list elements are not supported");
      if (vi >= size_t(vals.num_values())) fail("column '", pl.name, "': fewer values than level entries");
      append_values(vals, vi, 1, &st->col);
      ++vi;
      ++st->open_count;
    } else if (rep[i] != 0) {
      fail("column '", pl.name, "': an empty or null list marker inside a list (repetition 1, definition ", d, ")");
    }
  }
}

struct Reader {
  const uint8_t* data;
  size_t size;
  size_t footer_start;
  Budget budget;
};

void read_levels_v1(const uint8_t* p, size_t size, size_t* pos, int32_t encoding, int max_level, size_t n,
                    uint32_t* out, const char* what) {
  if (max_level == 0) {
    std::fill(out, out + n, 0u);
    return;
  }
  if (encoding != kRLE) fail(what, " levels with encoding ", enc_name(encoding), " are not supported");
  if (size - *pos < 4) fail(what, " levels truncated (length prefix)");
  uint32_t len;
  std::memcpy(&len, p + *pos, 4);
  *pos += 4;
  if (len > size - *pos) fail(what, " levels of ", len, " bytes exceed the page (", size - *pos, " left)");
  rle_decode(p + *pos, len, bit_width_for(uint64_t(max_level)), n, out);
  *pos += len;
}

void check_levels(const uint32_t* v, size_t n, int max_level, const char* what) {
  for (size_t i = 0; i < n; ++i)
    if (v[i] > uint32_t(max_level)) fail(what, " level ", v[i], " exceeds the maximum ", max_level);
}

void decompress_checked(Reader& R, int32_t codec, const uint8_t* p, size_t size, int64_t expect, std::string* out) {
  if (expect < 0) fail("negative uncompressed page size ", expect);
  size_t e = size_t(expect);
  if (codec == kC_GZIP && e > size * 1100 + 4096)
    fail("GZIP page claims ", e, " uncompressed bytes from ", size, " (beyond the deflate ratio limit)");
  if (codec == kC_ZSTD) {
    // First frame's declared size (pages are normally one frame; later frames only add bytes).
    unsigned long long fs = ZSTD_getFrameContentSize(p, size);
    if (fs == ZSTD_CONTENTSIZE_ERROR) fail("corrupt ZSTD page (bad frame header)");
    if (fs != ZSTD_CONTENTSIZE_UNKNOWN && fs > e)
      fail("ZSTD page decompresses to at least ", fs, " bytes but its header says ", e);
    if ((fs == ZSTD_CONTENTSIZE_UNKNOWN || fs < e) && e > (size_t(64) << 20) + size * 4096)
      fail("ZSTD page without content size claims ", e, " bytes");
  }
  decompress(codec, p, size, e, out);
}

void read_chunk(Reader& R, const ColumnMetaData& m, ColumnState* st, int64_t rg_rows) {
  const Plan& pl = st->plan;
  if (m.type != pl.phys)
    fail("column '", pl.name, "': chunk type ", phys_name(m.type), " differs from the schema's ", phys_name(pl.phys));
  int64_t start = m.data_page_offset;
  if (m.dictionary_page_offset && *m.dictionary_page_offset > 0 && *m.dictionary_page_offset < start)
    start = *m.dictionary_page_offset;
  if (start < 4 || size_t(start) >= R.footer_start)
    fail("column '", pl.name, "': chunk offset ", start, " outside the data region [4, ", R.footer_start, ")");
  if (m.total_compressed_size < 0 || size_t(m.total_compressed_size) > R.footer_start - size_t(start))
    fail("column '", pl.name, "': chunk of ", m.total_compressed_size, " bytes at offset ", start,
         " runs past the data region (", R.footer_start, ")");
  if (m.num_values < 0) fail("column '", pl.name, "': negative num_values ", m.num_values);
  size_t pos = size_t(start);
  const size_t end = size_t(start) + size_t(m.total_compressed_size);
  int64_t values_read = 0;
  const int64_t rows_before = st->rows;
  Column dict;
  bool have_dict = false, seen_data = false;
  std::string page;
  std::vector<uint32_t> rep, def;
  while (values_read < m.num_values) {
    if (pos >= end)
      fail("column '", pl.name, "': chunk ends after ", values_read, " of ", m.num_values, " values");
    size_t hlen = 0;
    PageHeader ph = decode_page_header(R.data + pos, end - pos, &hlen);
    pos += hlen;
    if (ph.compressed_page_size < 0 || size_t(ph.compressed_page_size) > end - pos)
      fail("column '", pl.name, "': page of ", ph.compressed_page_size, " bytes at offset ", pos,
           " runs past its column chunk");
    const uint8_t* body = R.data + pos;
    const size_t body_size = size_t(ph.compressed_page_size);
    pos += body_size;
    if (ph.type == kDICTIONARY_PAGE) {
      if (!ph.has_dict) fail("column '", pl.name, "': dictionary page without its header");
      if (have_dict || seen_data) fail("column '", pl.name, "': unexpected second or late dictionary page");
      if (ph.dict_encoding != kPLAIN && ph.dict_encoding != kPLAIN_DICTIONARY)
        fail("column '", pl.name, "': dictionary page encoding ", enc_name(ph.dict_encoding), " is not supported");
      if (ph.dict_num_values < 0) fail("column '", pl.name, "': negative dictionary size");
      decompress_checked(R, m.codec, body, body_size, ph.uncompressed_page_size, &page);
      dict.elem = pl.elem;
      // Each dictionary entry takes >= 1 bit (bool) / 1 byte of the page: bounds the allocation.
      if (size_t(ph.dict_num_values) > page.size() * 8)
        fail("column '", pl.name, "': dictionary of ", ph.dict_num_values, " entries in ", page.size(), " bytes");
      decode_plain(pl, reinterpret_cast<const uint8_t*>(page.data()), page.size(), size_t(ph.dict_num_values), &dict);
      have_dict = true;
      continue;
    }
    if (ph.type != kDATA_PAGE && ph.type != kDATA_PAGE_V2) continue;  // index pages etc.
    seen_data = true;
    int32_t nv = ph.type == kDATA_PAGE ? ph.v1_num_values : ph.v2_num_values;
    if ((ph.type == kDATA_PAGE && !ph.has_v1) || (ph.type == kDATA_PAGE_V2 && !ph.has_v2))
      fail("column '", pl.name, "': data page without its header");
    if (nv < 0) fail("column '", pl.name, "': negative page value count ", nv);
    if (nv > m.num_values - values_read)
      fail("column '", pl.name, "': pages hold more values than the chunk's ", m.num_values);
    if (nv > R.budget.levels_left)
      fail("column '", pl.name, "': the file declares more values than its size allows (", nv,
           " more level entries; limit ", R.budget.levels_left, " left)");
    R.budget.levels_left -= nv;
    size_t n = size_t(nv);
    rep.resize(n);
    def.resize(n);
    const uint8_t* vp;
    size_t vsize;
    int32_t encoding;
    if (ph.type == kDATA_PAGE) {
      decompress_checked(R, m.codec, body, body_size, ph.uncompressed_page_size, &page);
      const uint8_t* p = reinterpret_cast<const uint8_t*>(page.data());
      size_t ppos = 0;
      read_levels_v1(p, page.size(), &ppos, ph.v1_rep_encoding, pl.max_rep, n, rep.data(), "repetition");
      read_levels_v1(p, page.size(), &ppos, ph.v1_def_encoding, pl.max_def, n, def.data(), "definition");
      vp = p + ppos;
      vsize = page.size() - ppos;
      encoding = ph.v1_encoding;
    } else {
      if (ph.v2_rep_len < 0 || ph.v2_def_len < 0 ||
          size_t(ph.v2_rep_len) + size_t(ph.v2_def_len) > body_size)
        fail("column '", pl.name, "': v2 page level lengths (", ph.v2_rep_len, ", ", ph.v2_def_len,
             ") exceed the page (", body_size, " bytes)");
      size_t lev = size_t(ph.v2_rep_len) + size_t(ph.v2_def_len);
      if (pl.max_rep)
        rle_decode(body, size_t(ph.v2_rep_len), bit_width_for(uint64_t(pl.max_rep)), n, rep.data());
      else
        std::fill(rep.begin(), rep.end(), 0u);
      if (pl.max_def)
        rle_decode(body + ph.v2_rep_len, size_t(ph.v2_def_len), bit_width_for(uint64_t(pl.max_def)), n, def.data());
      else
        std::fill(def.begin(), def.end(), 0u);
      int64_t unc_values = int64_t(ph.uncompressed_page_size) - int64_t(lev);
      if (unc_values < 0) fail("column '", pl.name, "': v2 page uncompressed size smaller than its levels");
      if (ph.v2_is_compressed && m.codec != kC_UNCOMPRESSED) {
        decompress_checked(R, m.codec, body + lev, body_size - lev, unc_values, &page);
        vp = reinterpret_cast<const uint8_t*>(page.data());
        vsize = page.size();
      } else {
        vp = body + lev;
        vsize = body_size - lev;
      }
      encoding = ph.v2_encoding;
    }
    check_levels(rep.data(), n, pl.max_rep, "repetition");
    check_levels(def.data(), n, pl.max_def, "definition");
    size_t present = 0;
    for (size_t i = 0; i < n; ++i) present += int(def[i]) == pl.max_def ? 1 : 0;
    Column vals;
    vals.elem = pl.elem;
    decode_values(pl, encoding, vp, vsize, present, have_dict ? &dict : nullptr, &vals);
    assemble(st, rep.data(), def.data(), n, vals);
    values_read += nv;
  }
  if (st->row_open) close_row(st);
  if (st->rows - rows_before != rg_rows)
    fail("column '", pl.name, "': row group declares ", rg_rows, " rows but the column holds ", st->rows - rows_before);
}

struct Opened {
  FileMetaData md;
  SchemaTree tree;
  std::vector<Plan> plans;  // one per top-level column, file order
  size_t footer_start = 0;
};

Opened open_file(const uint8_t* data, size_t size) {
  if (size < 12) fail("file of ", size, " bytes is too small to be Parquet");
  if (std::memcmp(data + size - 4, "PARE", 4) == 0) fail("encrypted Parquet files are not supported");
  if (std::memcmp(data, "PAR1", 4) != 0 || std::memcmp(data + size - 4, "PAR1", 4) != 0)
    fail("not a Parquet file (missing PAR1 magic at the start or end; truncated?)");
  uint32_t flen;
  std::memcpy(&flen, data + size - 8, 4);
  if (flen > size - 12) fail("footer length ", flen, " exceeds the file (", size, " bytes; truncated?)");
  Opened o;
  o.footer_start = size - 8 - flen;
  o.md = decode_file_metadata(data + o.footer_start, flen);
  if (o.md.num_rows < 0) fail("negative row count ", o.md.num_rows);
  o.tree = build_tree(o.md);
  for (int ch : o.tree.nodes[0].children) o.plans.push_back(plan_column(o.tree, ch));
  // Arrow schema: restores fixed_size_list (and tells list from large_list, which read the same).
  for (const auto& [k, v] : o.md.kv) {
    if (k != "ARROW:schema") continue;
    std::vector<ArrowField> fields;
    try {
      fields = parse_arrow_schema_message(base64_decode(v));
    } catch (const Error& e) {
      fail("corrupt ARROW:schema metadata: ", e.what());
    }
    for (auto& p : o.plans) {
      for (const auto& f : fields) {
        if (f.name != p.name) continue;
        if (f.type == kA_FIXED_SIZE_LIST && p.shape == Shape::kList && p.unsupported.empty()) {
          if (f.list_size <= 0) fail("ARROW:schema: column '", p.name, "' is fixed_size_list[", f.list_size, "]");
          p.shape = Shape::kFixedList;
          p.list_size = f.list_size;
        }
        break;
      }
    }
  }
  int64_t rows = 0;
  for (const auto& g : o.md.row_groups) {
    if (g.num_rows < 0) fail("row group with negative row count ", g.num_rows);
    if (g.columns.size() != size_t(o.tree.num_leaves))
      fail("row group has ", g.columns.size(), " column chunks, schema has ", o.tree.num_leaves, " leaf columns");
    if (g.num_rows > std::numeric_limits<int64_t>::max() - rows) fail("row count overflows");
    rows += g.num_rows;
  }
  if (rows != o.md.num_rows) fail("row groups hold ", rows, " rows but the footer says ", o.md.num_rows);
  return o;
}

Column empty_column(const Plan& p) {
  Column c;
  c.name = p.name;
  c.elem = p.elem;
  c.shape = p.shape;
  c.list_size = p.list_size;
  return c;
}

std::vector<size_t> select(const Opened& o, const std::vector<std::string>& columns) {
  std::vector<size_t> sel;
  if (columns.empty()) {
    for (size_t i = 0; i < o.plans.size(); ++i) sel.push_back(i);
  } else {
    std::set<std::string> seen;
    for (const auto& name : columns) {
      if (!seen.insert(name).second) fail("column '", name, "' requested twice");
      size_t i = 0;
      while (i < o.plans.size() && o.plans[i].name != name) ++i;
      if (i == o.plans.size()) {
        std::string names;
        for (const auto& p : o.plans) names += (names.empty() ? "" : ", ") + p.name;
        fail("no column '", name, "' (columns: ", names, ")");
      }
      sel.push_back(i);
    }
  }
  for (size_t i : sel)
    if (!o.plans[i].unsupported.empty())
      fail("column '", o.plans[i].name, "' cannot be read: ", o.plans[i].unsupported,
           " (select the other columns explicitly)");
  return sel;
}

Table read_impl(const uint8_t* data, size_t size, const std::vector<std::string>& columns) {
  Opened o = open_file(data, size);
  std::vector<size_t> sel = select(o, columns);
  Reader R{data, size, o.footer_start, {}};
  R.budget.levels_left = std::max<int64_t>(int64_t(1) << 22, int64_t(size) * 1024);
  std::vector<ColumnState> states;
  for (size_t i : sel) {
    ColumnState st;
    st.plan = o.plans[i];
    st.col = empty_column(st.plan);
    states.push_back(std::move(st));
  }
  for (const auto& g : o.md.row_groups) {
    for (auto& st : states) {
      const ColumnChunk& cc = g.columns[size_t(st.plan.leaf)];
      if (cc.file_path) fail("column '", st.plan.name, "' lives in external file '", *cc.file_path, "' (not supported)");
      if (!cc.meta) fail("column '", st.plan.name, "': column chunk without metadata");
      if (!cc.meta->path.empty() && cc.meta->path[0] != st.plan.name)
        fail("column chunk path '", cc.meta->path[0], "' does not match schema column '", st.plan.name, "'");
      read_chunk(R, *cc.meta, &st, g.num_rows);
    }
  }
  Table t;
  t.num_rows = o.md.num_rows;
  t.metadata = o.md.kv;
  for (auto& st : states) {
    Column& c = st.col;
    if (st.plan.shape == Shape::kList) c.offsets.insert(c.offsets.begin(), 0);
    bool all_valid = true;
    for (uint8_t v : c.valid) all_valid = all_valid && v;
    if (all_valid) c.valid.clear();
    t.columns.push_back(std::move(c));
  }
  return t;
}

}  // namespace
}  // namespace detail

Table read_table_from_memory(const uint8_t* data, size_t size, const std::vector<std::string>& columns,
                             const std::string& name_for_errors) {
  try {
    return detail::read_impl(data, size, columns);
  } catch (const Error& e) {
    fail("parquet file ", name_for_errors, ": ", e.what());
  } catch (const std::bad_alloc&) {
    fail("parquet file ", name_for_errors, ": out of memory while decoding (corrupt sizes?)");
  } catch (const std::length_error&) {
    fail("parquet file ", name_for_errors, ": impossible size while decoding (corrupt sizes?)");
  }
}

Table read_table(const std::string& path, const std::vector<std::string>& columns) {
  std::string bytes = read_file(path);
  return read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), columns, path);
}

Table read_schema(const std::string& path) {
  std::string bytes = read_file(path);
  try {
    detail::Opened o = detail::open_file(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    Table t;
    t.num_rows = o.md.num_rows;
    t.metadata = o.md.kv;
    for (const auto& p : o.plans) {
      if (p.unsupported.empty())
        t.columns.push_back(detail::empty_column(p));
      else
        t.skipped_columns.push_back(p.name + ": " + p.unsupported);
    }
    return t;
  } catch (const Error& e) {
    fail("parquet file ", path, ": ", e.what());
  }
}

}  // namespace groot::pq
