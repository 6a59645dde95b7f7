// Writer -> reader round trips over every element type, shape, codec, page version, row-group
// size and null pattern; plus the layout details pyarrow relies on (Arrow schema, metadata).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "data/parquet.h"
#include "data/parquet_internal.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot::pq;

namespace {

// Deterministic table with one column per (elem, shape) combination; `nulls` adds null rows.
Table make_table(int64_t rows, bool nulls, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  Table t;
  t.num_rows = rows;
  const Elem elems[] = {Elem::kBool, Elem::kInt32, Elem::kInt64, Elem::kFloat32, Elem::kFloat64, Elem::kString};
  const Shape shapes[] = {Shape::kScalar, Shape::kFixedList, Shape::kList};
  for (Elem e : elems) {
    for (Shape s : shapes) {
      Column c;
      c.name = "c" + std::to_string(int(e)) + "_" + std::to_string(int(s));
      c.elem = e;
      c.shape = s;
      if (s == Shape::kFixedList) c.list_size = 3 + int(e);
      if (s == Shape::kList) c.offsets.push_back(0);
      for (int64_t r = 0; r < rows; ++r) {
        bool valid = !nulls || (rng() % 5 != 0);
        if (nulls) c.valid.push_back(valid);
        int64_t n = 0;
        if (valid) n = s == Shape::kScalar ? 1 : s == Shape::kFixedList ? c.list_size : int64_t(rng() % 5);
        for (int64_t k = 0; k < n; ++k) {
          int64_t x = int64_t(rng() % 2000) - 1000;
          switch (e) {
            case Elem::kBool:
              c.b.push_back(uint8_t(x & 1));
              break;
            case Elem::kInt32:
              c.i32.push_back(int32_t(x * 1000003));
              break;
            case Elem::kInt64:
              c.i64.push_back(x * 1000000007LL * 1000);
              break;
            case Elem::kFloat32:
              c.f32.push_back(float(x) * 0.37f);
              break;
            case Elem::kFloat64:
              c.f64.push_back(double(x) * 1e-3 + 1e-12);
              break;
            case Elem::kString:
              c.str.push_back(std::string(size_t(rng() % 7), char('a' + rng() % 26)) + std::to_string(x));
              break;
          }
        }
        if (s == Shape::kList) c.offsets.push_back(c.num_values());
      }
      t.columns.push_back(std::move(c));
    }
  }
  return t;
}

void expect_equal(const Table& a, const Table& b) {
  ASSERT_EQ(a.num_rows, b.num_rows);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const Column& x = a.columns[i];
    const Column& y = b.columns[i];
    SCOPED_TRACE(x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(int(x.elem), int(y.elem));
    EXPECT_EQ(int(x.shape), int(y.shape));
    EXPECT_EQ(x.list_size, y.list_size);
    EXPECT_EQ(x.f32, y.f32);
    EXPECT_EQ(x.f64, y.f64);
    EXPECT_EQ(x.i32, y.i32);
    EXPECT_EQ(x.i64, y.i64);
    EXPECT_EQ(x.b, y.b);
    EXPECT_EQ(x.str, y.str);
    EXPECT_EQ(x.offsets, y.offsets);
    EXPECT_EQ(x.valid, y.valid);
  }
}

Table roundtrip(const Table& t, const WriteOptions& opt) {
  std::string bytes = write_table_to_string(t, opt);
  return read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

TEST(ParquetRoundTrip, AllTypesShapesCodecsPagesRowGroups) {
  for (bool nulls : {false, true}) {
    Table t = make_table(257, nulls);
    for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd, Codec::kGzip}) {
      for (bool v2 : {false, true}) {
        for (int64_t rg : {int64_t(1) << 20, int64_t(100), int64_t(7)}) {
          for (int64_t page : {int64_t(1) << 20, int64_t(64)}) {
            SCOPED_TRACE("nulls=" + std::to_string(nulls) + " codec=" + std::to_string(int(codec)) +
                         " v2=" + std::to_string(v2) + " rg=" + std::to_string(rg) + " page=" + std::to_string(page));
            WriteOptions opt;
            opt.codec = codec;
            opt.data_page_v2 = v2;
            opt.row_group_rows = rg;
            opt.page_bytes = page;
            expect_equal(t, roundtrip(t, opt));
          }
        }
      }
    }
  }
}

TEST(ParquetRoundTrip, EmptyTableAndEmptyLists) {
  Table t = make_table(0, false);
  Table r = roundtrip(t, {});
  expect_equal(t, r);
  for (const auto& c : r.columns)
    if (c.shape == Shape::kList) EXPECT_EQ(c.offsets, std::vector<int64_t>{0});

  Table l;
  l.num_rows = 3;
  Column c;
  c.name = "l";
  c.shape = Shape::kList;
  c.offsets = {0, 0, 2, 2};
  c.f32 = {1.5f, -2.5f};
  l.columns.push_back(c);
  expect_equal(l, roundtrip(l, {}));
}

TEST(ParquetRoundTrip, SpecialFloatsAndExtremeInts) {
  Table t;
  t.num_rows = 6;
  Column f;
  f.name = "f";
  f.f32 = {NAN, INFINITY, -INFINITY, -0.0f, 1e-45f, 3.4e38f};
  Column d;
  d.name = "d";
  d.elem = Elem::kFloat64;
  d.f64 = {NAN, INFINITY, -INFINITY, -0.0, 5e-324, 1.7e308};
  Column i;
  i.name = "i";
  i.elem = Elem::kInt64;
  i.i64 = {INT64_MIN, INT64_MAX, 0, -1, 1, 42};
  t.columns = {f, d, i};
  Table r = roundtrip(t, {});
  ASSERT_EQ(r.columns.size(), 3u);
  // Bitwise comparison (NaN != NaN, and -0.0 keeps its sign).
  EXPECT_EQ(0, std::memcmp(r.columns[0].f32.data(), f.f32.data(), 6 * 4));
  EXPECT_EQ(0, std::memcmp(r.columns[1].f64.data(), d.f64.data(), 6 * 8));
  EXPECT_EQ(r.columns[2].i64, i.i64);
}

TEST(ParquetRoundTrip, LeRobotLayoutAndMetadata) {
  // The converter's table: state [8], action [7], timestamp f32, 4 int64 columns.
  const int64_t T = 1234;
  Table t;
  t.num_rows = T;
  auto fixed = [&](const char* name, int d) {
    Column c;
    c.name = name;
    c.shape = Shape::kFixedList;
    c.list_size = d;
    for (int64_t r = 0; r < T; ++r)
      for (int k = 0; k < d; ++k) c.f32.push_back(float(r) * 0.01f + float(k));
    return c;
  };
  auto i64col = [&](const char* name, int64_t base) {
    Column c;
    c.name = name;
    c.elem = Elem::kInt64;
    for (int64_t r = 0; r < T; ++r) c.i64.push_back(base + r);
    return c;
  };
  t.columns.push_back(fixed("observation.state", 8));
  t.columns.push_back(fixed("action", 7));
  Column ts;
  ts.name = "timestamp";
  for (int64_t r = 0; r < T; ++r) ts.f32.push_back(float(r) / 30.f);
  t.columns.push_back(ts);
  t.columns.push_back(i64col("frame_index", 0));
  t.columns.push_back(i64col("episode_index", 0));
  t.columns.push_back(i64col("index", 5000));
  t.columns.push_back(i64col("task_index", 0));
  WriteOptions opt;
  opt.huggingface_metadata = true;
  opt.row_group_rows = 1000;
  opt.key_value_metadata = {{"note", "x"}};
  std::string bytes = write_table_to_string(t, opt);
  Table r = read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  expect_equal(t, r);
  // Metadata keys in order: ARROW:schema, huggingface, extra.
  ASSERT_EQ(r.metadata.size(), 3u);
  EXPECT_EQ(r.metadata[0].first, "ARROW:schema");
  EXPECT_EQ(r.metadata[1].first, "huggingface");
  EXPECT_EQ(r.metadata[1].second,
            "{\"info\":{\"features\":{\"observation.state\":{\"feature\":{\"dtype\":\"float32\",\"_type\":\"Value\"},"
            "\"length\":8,\"_type\":\"Sequence\"},\"action\":{\"feature\":{\"dtype\":\"float32\",\"_type\":\"Value\"},"
            "\"length\":7,\"_type\":\"Sequence\"},\"timestamp\":{\"dtype\":\"float32\",\"_type\":\"Value\"},"
            "\"frame_index\":{\"dtype\":\"int64\",\"_type\":\"Value\"},\"episode_index\":{\"dtype\":\"int64\",\"_type\":"
            "\"Value\"},\"index\":{\"dtype\":\"int64\",\"_type\":\"Value\"},\"task_index\":{\"dtype\":\"int64\","
            "\"_type\":\"Value\"}}}}");
  EXPECT_EQ(r.metadata[2], (std::pair<std::string, std::string>{"note", "x"}));
  // The Arrow schema decodes to the expected types.
  auto fields = groot::pq::detail::parse_arrow_schema_message(groot::pq::detail::base64_decode(r.metadata[0].second));
  ASSERT_EQ(fields.size(), 7u);
  EXPECT_EQ(fields[0].name, "observation.state");
  EXPECT_EQ(fields[0].type, groot::pq::detail::kA_FIXED_SIZE_LIST);
  EXPECT_EQ(fields[0].list_size, 8);
  ASSERT_EQ(fields[0].children.size(), 1u);
  EXPECT_EQ(fields[0].children[0].name, "item");
  EXPECT_EQ(fields[0].children[0].type, groot::pq::detail::kA_FLOAT);
  EXPECT_EQ(fields[0].children[0].precision, 1);
  EXPECT_EQ(fields[2].type, groot::pq::detail::kA_FLOAT);
  EXPECT_EQ(fields[3].type, groot::pq::detail::kA_INT);
  EXPECT_EQ(fields[3].bit_width, 64);
  EXPECT_TRUE(fields[3].is_signed);
  EXPECT_TRUE(fields[3].nullable);
  // Projection returns the requested columns in the requested order.
  Table p = read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), {"index", "action"});
  ASSERT_EQ(p.columns.size(), 2u);
  EXPECT_EQ(p.columns[0].name, "index");
  EXPECT_EQ(p.columns[0].i64, t.columns[5].i64);
  EXPECT_EQ(p.columns[1].name, "action");
  EXPECT_EQ(p.columns[1].f32, t.columns[1].f32);
}

TEST(ParquetRoundTrip, FileWriteIsAtomicAndSchemaReadable) {
  groot::test::TempDir dir;
  Table t = make_table(50, true);
  std::string path = (dir / "t.parquet").string();
  write_table(path, t, {});
  expect_equal(t, read_table(path));
  Table s = read_schema(path);
  EXPECT_EQ(s.num_rows, 50);
  ASSERT_EQ(s.columns.size(), t.columns.size());
  for (size_t i = 0; i < s.columns.size(); ++i) {
    EXPECT_EQ(s.columns[i].name, t.columns[i].name);
    EXPECT_EQ(int(s.columns[i].shape), int(t.columns[i].shape));
    EXPECT_EQ(s.columns[i].list_size, t.columns[i].list_size);
    EXPECT_EQ(s.columns[i].num_values(), 0);
  }
  // Only the final file exists (no temp leftovers).
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(ParquetRoundTrip, WriterRejectsInconsistentColumns) {
  auto expect_throw = [](Table t, const std::string& needle) {
    try {
      write_table_to_string(t, {});
      ADD_FAILURE() << "no error for " << needle;
    } catch (const groot::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  Table t;
  t.num_rows = 2;
  Column c;
  c.name = "x";
  c.f32 = {1.f};
  t.columns = {c};
  expect_throw(t, "1 values for 2 non-null rows");
  t.columns[0].f32 = {1.f, 2.f};
  t.columns[0].shape = Shape::kFixedList;
  t.columns[0].list_size = 2;
  expect_throw(t, "2 values for 2 non-null rows of 2");
  t.columns[0].shape = Shape::kList;
  t.columns[0].offsets = {0, 2, 1};
  expect_throw(t, "offsets decrease at row 1");
  t.columns[0].offsets = {0, 1, 2};
  t.columns[0].valid = {1, 0};
  expect_throw(t, "null row 1 holds values");
  t.columns[0].valid = {};
  t.columns[0].i64 = {3};
  expect_throw(t, "does not match its element type");
  t.columns[0].i64 = {};
  t.columns.push_back(t.columns[0]);
  expect_throw(t, "duplicate column name 'x'");
  t.columns.pop_back();
  t.columns[0].name = "";
  expect_throw(t, "empty name");
  Table b;
  b.num_rows = 1;
  Column bc;
  bc.name = "b";
  bc.elem = Elem::kBool;
  bc.b = {2};
  b.columns = {bc};
  expect_throw(b, "bool values must be 0 or 1");
  // write_table names the path, and leaves no file behind.
  groot::test::TempDir dir;
  std::string path = (dir / "bad.parquet").string();
  try {
    write_table(path, b, {});
    ADD_FAILURE();
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ParquetRoundTrip, ColumnStatisticsWritten) {
  Table t;
  t.num_rows = 5;
  Column f;
  f.name = "f";
  f.f32 = {3.f, NAN, -2.f, 7.5f, 0.f};
  Column s;
  s.name = "s";
  s.elem = Elem::kString;
  s.str = {"pear", "apple", "zoo", "b", "a"};
  s.valid = {1, 1, 1, 1, 1};
  t.columns = {f, s};
  std::string bytes = write_table_to_string(t, {});
  uint32_t flen;
  std::memcpy(&flen, bytes.data() + bytes.size() - 8, 4);
  auto md = groot::pq::detail::decode_file_metadata(
      reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - flen, flen);
  ASSERT_EQ(md.row_groups.size(), 1u);
  const auto& st = *md.row_groups[0].columns[0].meta->statistics;
  float lo, hi;
  std::memcpy(&lo, st.min_value->data(), 4);
  std::memcpy(&hi, st.max_value->data(), 4);
  EXPECT_EQ(lo, -2.f);
  EXPECT_EQ(hi, 7.5f);
  EXPECT_EQ(*st.null_count, 0);
  const auto& ss = *md.row_groups[0].columns[1].meta->statistics;
  EXPECT_EQ(*ss.min_value, "a");
  EXPECT_EQ(*ss.max_value, "zoo");
  EXPECT_EQ(*md.created_by, "groot.cpp version 0.1.0");
  EXPECT_EQ(md.version, 2);
}

TEST(ParquetRoundTrip, RleHybridEncodesAndDecodesAllPatterns) {
  std::mt19937 rng(7);
  for (int bw : {1, 2, 3, 7, 8, 13, 20, 32}) {
    for (int pattern = 0; pattern < 6; ++pattern) {
      std::vector<uint32_t> v(1000);
      uint64_t mask = bw == 32 ? 0xFFFFFFFFull : ((1ull << bw) - 1);
      for (size_t i = 0; i < v.size(); ++i) {
        if (pattern == 0) v[i] = uint32_t(rng() & mask);
        if (pattern == 1) v[i] = uint32_t((i / 37) & mask);  // long runs
        if (pattern == 2) v[i] = uint32_t(mask);
        if (pattern == 3) v[i] = uint32_t((i % 11 < 3 ? rng() : 5) & mask);
        if (pattern == 4) v[i] = uint32_t((i / 3) & mask);  // short runs: literal groups fill unevenly
        if (pattern == 5) v[i] = uint32_t((i % 5 == 0 ? 0 : 1) & mask);  // list repetition levels
      }
      std::string enc;
      groot::pq::detail::rle_encode(v.data(), v.size(), bw, &enc);
      std::vector<uint32_t> out(v.size());
      groot::pq::detail::rle_decode(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), bw, v.size(), out.data());
      EXPECT_EQ(out, v) << "bw=" << bw << " pattern=" << pattern;
    }
  }
}
