// Reader against files written by third parties:
//  - tests/fixtures/parquet/: pyarrow 25 / pandas 3 files made by tools/parquet_fixtures.py (every
//    codec, dictionary on/off, page v1/v2, nulls, several row groups and pages, list / large_list /
//    fixed_size_list, BYTE_STREAM_SPLIT, legacy list naming, pandas to_parquet); expected.json holds
//    the values pyarrow itself reads back.
//  - tests/fixtures/gr00t_robot_sim_picknplace_v20: the GR00T demo data (pandas + pyarrow 19),
//    cross-checked against its meta/episodes.jsonl and meta/stats.json.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/parquet.h"
#include "data/parquet_internal.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot::pq;
using nlohmann::json;

namespace {

std::string fixture_dir() {
  return std::string(GROOT_SOURCE_DIR) + "/tests/fixtures/parquet";
}

const char* elem_name(Elem e) {
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
const char* shape_name(Shape s) {
  return s == Shape::kScalar ? "scalar" : s == Shape::kFixedList ? "fixed" : "list";
}

// Compares value `k` of column c with the JSON scalar v.
void expect_value(const Column& c, size_t k, const json& v, const std::string& where) {
  ASSERT_LT(int64_t(k), c.num_values()) << where;
  switch (c.elem) {
    case Elem::kBool:
      EXPECT_EQ(c.b[k], v.get<bool>() ? 1 : 0) << where;
      break;
    case Elem::kInt32:
      EXPECT_EQ(c.i32[k], v.get<int32_t>()) << where;
      break;
    case Elem::kInt64:
      EXPECT_EQ(c.i64[k], v.get<int64_t>()) << where;
      break;
    case Elem::kFloat32:
      EXPECT_EQ(c.f32[k], float(v.get<double>())) << where;  // exact: JSON holds the float's double value
      break;
    case Elem::kFloat64:
      EXPECT_EQ(c.f64[k], v.get<double>()) << where;
      break;
    case Elem::kString:
      EXPECT_EQ(c.str[k], v.get<std::string>()) << where;
      break;
  }
}

void expect_column(const Column& c, const json& spec, int64_t num_rows, const std::string& file) {
  const std::string where0 = file + ":" + c.name;
  EXPECT_EQ(c.name, spec["name"].get<std::string>());
  EXPECT_EQ(elem_name(c.elem), spec["elem"].get<std::string>()) << where0;
  EXPECT_EQ(shape_name(c.shape), spec["shape"].get<std::string>()) << where0 << " " << spec["arrow_type"];
  EXPECT_EQ(c.list_size, spec["list_size"].get<int>()) << where0;
  const json& vals = spec["values"];
  ASSERT_EQ(int64_t(vals.size()), num_rows) << where0;
  bool any_null = false;
  for (const auto& v : vals) any_null = any_null || v.is_null();
  if (any_null) {
    ASSERT_EQ(int64_t(c.valid.size()), num_rows) << where0;
  } else {
    EXPECT_TRUE(c.valid.empty()) << where0;
  }
  if (c.shape == Shape::kList) ASSERT_EQ(int64_t(c.offsets.size()), num_rows + 1) << where0;
  size_t k = 0;
  for (int64_t r = 0; r < num_rows; ++r) {
    const json& v = vals[size_t(r)];
    const std::string where = where0 + " row " + std::to_string(r);
    if (any_null) EXPECT_EQ(c.valid[size_t(r)], v.is_null() ? 0 : 1) << where;
    if (c.shape == Shape::kList) {
      ASSERT_EQ(c.offsets[size_t(r)], int64_t(k)) << where;
      ASSERT_EQ(c.offsets[size_t(r) + 1] - c.offsets[size_t(r)], int64_t(v.is_null() ? 0 : v.size()))
          << where;
    }
    if (v.is_null()) continue;
    if (c.shape == Shape::kScalar) {
      expect_value(c, k++, v, where);
    } else {
      for (const auto& x : v) expect_value(c, k++, x, where);
    }
  }
  EXPECT_EQ(int64_t(k), c.num_values()) << where0;
}

}  // namespace

TEST(ParquetFixtures, PyarrowAndPandasFilesReadWithIdenticalValues) {
  std::ifstream in(fixture_dir() + "/expected.json");
  ASSERT_TRUE(in.good()) << "missing " << fixture_dir()
                         << "/expected.json (tools/parquet_fixtures.py makes it)";
  json expected = json::parse(in);
  ASSERT_GE(expected["files"].size(), 20u);
  int checked = 0, errors = 0;
  for (auto& [name, spec] : expected["files"].items()) {
    SCOPED_TRACE(name);
    const std::string path = fixture_dir() + "/" + name;
    if (spec.contains("error")) {
      try {
        read_table(path);
        ADD_FAILURE() << name << " should be rejected";
      } catch (const groot::Error& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find(spec["error"].get<std::string>()), std::string::npos) << msg;
        EXPECT_NE(msg.find(name), std::string::npos) << msg;  // names the file
        ++errors;
      }
      continue;
    }
    Table t = read_table(path);
    const int64_t rows = spec["num_rows"].get<int64_t>();
    ASSERT_EQ(t.num_rows, rows);
    ASSERT_EQ(t.columns.size(), spec["columns"].size());
    for (size_t i = 0; i < t.columns.size(); ++i) expect_column(t.columns[i], spec["columns"][i], rows, name);
    // Schema-only read agrees with the full read.
    Table s = read_schema(path);
    EXPECT_EQ(s.num_rows, rows);
    ASSERT_EQ(s.columns.size(), t.columns.size());
    for (size_t i = 0; i < s.columns.size(); ++i) {
      EXPECT_EQ(s.columns[i].name, t.columns[i].name);
      EXPECT_EQ(int(s.columns[i].shape), int(t.columns[i].shape));
      EXPECT_EQ(int(s.columns[i].elem), int(t.columns[i].elem));
    }
    if (spec.contains("projection")) {
      std::vector<std::string> cols = spec["projection"].get<std::vector<std::string>>();
      Table p = read_table(path, cols);
      ASSERT_EQ(p.columns.size(), cols.size());
      for (size_t i = 0; i < cols.size(); ++i) {
        for (const auto& cs : spec["columns"])
          if (cs["name"] == cols[i]) expect_column(p.columns[i], cs, rows, name + " (projected)");
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
  EXPECT_GE(errors, 1);
}

TEST(ParquetFixtures, FeatureCoverageOfTheFixtureSet) {
  // Guards the fixture set itself: the files must really exercise what the reader claims.
  std::ifstream in(fixture_dir() + "/expected.json");
  ASSERT_TRUE(in.good());
  json expected = json::parse(in);
  std::set<std::string> types;
  bool nulls = false;
  for (auto& [name, spec] : expected["files"].items()) {
    for (const auto& c : spec["columns"]) {
      types.insert(c["arrow_type"].get<std::string>());
      for (const auto& v : c["values"]) nulls = nulls || v.is_null();
    }
  }
  for (const char* t : {"bool", "int32", "int64", "float", "double", "string", "list<element: float>",
                        "large_list<element: double>", "fixed_size_list<element: float>[8]",
                        "fixed_size_list<element: double>[4]", "list<item: float>"})
    EXPECT_TRUE(types.count(t)) << t;
  EXPECT_TRUE(nulls);
  for (const char* f : {"all_none_plain_v1.parquet", "all_snappy_dict_v2.parquet", "all_zstd_dict_v1.parquet",
                        "all_gzip_plain_v2.parquet", "multi_rowgroup_pages.parquet",
                        "pandas_to_parquet.parquet", "byte_stream_split.parquet", "large_list.parquet"})
    EXPECT_TRUE(expected["files"].contains(f)) << f;
}

TEST(ParquetFixtures, RobotSimPickNPlaceDemoData) {
  const std::string root = groot::test::fixtures_dir() + "/gr00t_robot_sim_picknplace_v20";
  std::ifstream ep(root + "/meta/episodes.jsonl");
  ASSERT_TRUE(ep.good());
  std::vector<int64_t> lengths;
  for (std::string line; std::getline(ep, line);)
    if (!line.empty()) lengths.push_back(json::parse(line)["length"].get<int64_t>());
  ASSERT_EQ(lengths.size(), 5u);
  std::ifstream st(root + "/meta/stats.json");
  json stats = json::parse(st);

  int64_t global = 0;
  const size_t D = 44;
  std::vector<double> sum(D, 0.0), mn(D, INFINITY), mx(D, -INFINITY);
  double ts_min = INFINITY, ts_max = -INFINITY;
  int64_t done_count = 0;
  for (size_t e = 0; e < lengths.size(); ++e) {
    char name[64];
    std::snprintf(name, sizeof name, "/data/chunk-000/episode_%06zu.parquet", e);
    Table t = read_table(root + name);
    SCOPED_TRACE(name);
    ASSERT_EQ(t.num_rows, lengths[e]);
    EXPECT_EQ(t.find("frame_index"), nullptr);  // this dataset has none
    const Column& state = t.at("observation.state");
    EXPECT_EQ(state.elem, Elem::kFloat64);
    EXPECT_EQ(state.shape, Shape::kList);  // pandas wrote list<double>
    ASSERT_EQ(state.offsets.size(), size_t(t.num_rows) + 1);
    for (int64_t r = 0; r < t.num_rows; ++r) ASSERT_EQ(state.offsets[r + 1] - state.offsets[r], int64_t(D));
    EXPECT_EQ(t.at("action").offsets.back(), int64_t(D) * t.num_rows);
    for (int64_t r = 0; r < t.num_rows; ++r) {
      EXPECT_EQ(t.at("episode_index").i64[r], int64_t(e));
      EXPECT_EQ(t.at("index").i64[r], global + r);  // contiguous over the dataset
    }
    const Column& ts = t.at("timestamp");
    EXPECT_EQ(ts.elem, Elem::kFloat64);
    for (int64_t r = 0; r < t.num_rows; ++r) {
      EXPECT_NEAR(ts.f64[r], 0.05 * double(r + 1), 1e-4);  // 20 fps, starting at 0.05
      ts_min = std::min(ts_min, ts.f64[r]);
      ts_max = std::max(ts_max, ts.f64[r]);
    }
    const Column& done = t.at("next.done");
    EXPECT_EQ(done.elem, Elem::kBool);
    for (int64_t r = 0; r < t.num_rows; ++r) {
      done_count += done.b[r];
      EXPECT_EQ(done.b[r], r == t.num_rows - 1 ? 1 : 0) << r;
    }
    for (int64_t r = 0; r < t.num_rows; ++r)
      for (size_t d = 0; d < D; ++d) {
        double v = state.f64[size_t(r) * D + d];
        sum[d] += v;
        mn[d] = std::min(mn[d], v);
        mx[d] = std::max(mx[d], v);
      }
    global += t.num_rows;
  }
  EXPECT_EQ(global, 2096);
  EXPECT_EQ(done_count, 5);
  // stats.json was computed upstream in float32: min/max are the data's values cast to float.
  for (size_t d = 0; d < D; ++d) {
    EXPECT_EQ(float(mn[d]), float(stats["observation.state"]["min"][d].get<double>())) << d;
    EXPECT_EQ(float(mx[d]), float(stats["observation.state"]["max"][d].get<double>())) << d;
    double mean = stats["observation.state"]["mean"][d].get<double>();
    EXPECT_NEAR(sum[d] / double(global), mean, 1e-5 * std::max(1.0, std::abs(mean))) << d;
  }
  EXPECT_EQ(float(ts_min), float(stats["timestamp"]["min"][0].get<double>()));
  EXPECT_EQ(float(ts_max), float(stats["timestamp"]["max"][0].get<double>()));
}

TEST(ParquetFixtures, ArrowSchemaOfPyarrowFilesDecodes) {
  // pyarrow 19 (robot_sim, pandas) and pyarrow 25 (LeRobot-like): our flatbuffer reader sees the same
  // fields and schema metadata that pyarrow stored, which also validates the layout our writer uses.
  const std::string f = groot::test::fixtures_dir() + "/gr00t_robot_sim_picknplace_v20/data/chunk-000/episode_000000.parquet";
  Table t = read_schema(f);
  std::string b64, pandas;
  for (const auto& [k, v] : t.metadata) {
    if (k == "ARROW:schema") b64 = v;
    if (k == "pandas") pandas = v;
  }
  ASSERT_FALSE(b64.empty());
  std::vector<std::pair<std::string, std::string>> md;
  auto fields = groot::pq::detail::parse_arrow_schema_message(groot::pq::detail::base64_decode(b64), &md);
  ASSERT_EQ(fields.size(), 10u);
  EXPECT_EQ(fields[0].name, "observation.state");
  EXPECT_EQ(fields[0].type, groot::pq::detail::kA_LIST);
  ASSERT_EQ(fields[0].children.size(), 1u);
  EXPECT_EQ(fields[0].children[0].name, "item");
  EXPECT_EQ(fields[0].children[0].precision, 2);
  EXPECT_EQ(fields[9].name, "next.done");
  EXPECT_EQ(fields[9].type, groot::pq::detail::kA_BOOL);
  ASSERT_EQ(md.size(), 1u);
  EXPECT_EQ(md[0].first, "pandas");
  EXPECT_EQ(md[0].second, pandas);

  Table l = read_schema(fixture_dir() + "/lerobot_v21_like.parquet");
  for (const auto& [k, v] : l.metadata) {
    if (k != "ARROW:schema") continue;
    auto lf = groot::pq::detail::parse_arrow_schema_message(groot::pq::detail::base64_decode(v));
    ASSERT_EQ(lf.size(), 7u);
    EXPECT_EQ(lf[0].type, groot::pq::detail::kA_FIXED_SIZE_LIST);
    EXPECT_EQ(lf[0].list_size, 8);
    EXPECT_EQ(lf[3].bit_width, 64);
  }
}
