// parquet_write_sample OUTDIR: writes small Parquet files with groot's writer plus a JSON sidecar
// per file (expected Arrow types and values) for tools/parquet_interop_check.py, which reads them
// with pyarrow/pandas on a machine that has them:
//   ./build/parquet_write_sample /tmp/pq_ours && python3 tools/parquet_interop_check.py /tmp/pq_ours
// Files: the LeRobot v2.1 episode layout of `groot convert` (with "huggingface" metadata), every
// element type x shape with nulls under each codec and data page v1/v2 with several row groups
// and pages, and an empty table.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "data/parquet.h"
#include "util/error.h"
#include "util/fs.h"

using namespace groot::pq;
using nlohmann::ordered_json;

namespace {

std::string arrow_type(const Column& c) {
  std::string e;
  switch (c.elem) {
    case Elem::kBool:
      e = "bool";
      break;
    case Elem::kInt32:
      e = "int32";
      break;
    case Elem::kInt64:
      e = "int64";
      break;
    case Elem::kFloat32:
      e = "float";
      break;
    case Elem::kFloat64:
      e = "double";
      break;
    case Elem::kString:
      e = "string";
      break;
  }
  if (c.shape == Shape::kFixedList) return "fixed_size_list<" + e + ">[" + std::to_string(c.list_size) + "]";
  if (c.shape == Shape::kList) return "list<" + e + ">";
  return e;
}

ordered_json value_at(const Column& c, size_t k) {
  switch (c.elem) {
    case Elem::kBool:
      return bool(c.b[k]);
    case Elem::kInt32:
      return c.i32[k];
    case Elem::kInt64:
      return c.i64[k];
    case Elem::kFloat32:
      return double(c.f32[k]);
    case Elem::kFloat64:
      return c.f64[k];
    case Elem::kString:
      return c.str[k];
  }
  return nullptr;
}

ordered_json sidecar(const Table& t, const WriteOptions& opt) {
  ordered_json cols = ordered_json::array();
  for (const auto& c : t.columns) {
    ordered_json vals = ordered_json::array();
    size_t k = 0;
    for (int64_t r = 0; r < t.num_rows; ++r) {
      bool valid = c.valid.empty() || c.valid[size_t(r)];
      if (!valid) {
        vals.push_back(nullptr);
        continue;
      }
      if (c.shape == Shape::kScalar) {
        vals.push_back(value_at(c, k++));
      } else {
        size_t n = c.shape == Shape::kFixedList ? size_t(c.list_size)
                                                : size_t(c.offsets[size_t(r) + 1] - c.offsets[size_t(r)]);
        ordered_json l = ordered_json::array();
        for (size_t i = 0; i < n; ++i) l.push_back(value_at(c, k++));
        vals.push_back(l);
      }
    }
    cols.push_back({{"name", c.name}, {"arrow_type", arrow_type(c)}, {"values", vals}});
  }
  int64_t groups = t.num_rows == 0 ? 0 : (t.num_rows + opt.row_group_rows - 1) / opt.row_group_rows;
  ordered_json j = {{"num_rows", t.num_rows}, {"num_row_groups", groups}, {"columns", cols}};
  if (opt.huggingface_metadata) j["huggingface"] = ordered_json::parse(huggingface_metadata_json(t));
  return j;
}

void write_pair(const std::string& dir, const std::string& name, const Table& t, const WriteOptions& opt) {
  write_table(dir + "/" + name + ".parquet", t, opt);
  groot::write_file_atomic(dir + "/" + name + ".json", sidecar(t, opt).dump());
}

Table lerobot_episode(int64_t T, int64_t episode, int64_t first_index) {
  Table t;
  t.num_rows = T;
  auto fixed = [&](const char* name, int d, float scale) {
    Column c;
    c.name = name;
    c.shape = Shape::kFixedList;
    c.list_size = d;
    for (int64_t r = 0; r < T; ++r)
      for (int k = 0; k < d; ++k) c.f32.push_back(scale * float(r) + 0.125f * float(k) - 1.0f / 3.0f);
    return c;
  };
  t.columns.push_back(fixed("observation.state", 8, 0.01f));
  t.columns.push_back(fixed("action", 7, -0.02f));
  Column ts;
  ts.name = "timestamp";
  for (int64_t r = 0; r < T; ++r) ts.f32.push_back(float(r) / 30.0f);
  t.columns.push_back(ts);
  for (const char* n : {"frame_index", "episode_index", "index", "task_index"}) {
    Column c;
    c.name = n;
    c.elem = Elem::kInt64;
    for (int64_t r = 0; r < T; ++r) {
      std::string s = n;
      c.i64.push_back(s == "frame_index" ? r : s == "episode_index" ? episode : s == "index" ? first_index + r : 0);
    }
    t.columns.push_back(c);
  }
  return t;
}

// Every element type x shape; `nulls`: every 5th row null (not in fixed-size lists: pyarrow cannot
// read null fixed_size_list rows back, whoever wrote them).
Table all_types(int64_t rows, bool nulls) {
  Table t;
  t.num_rows = rows;
  const Elem elems[] = {Elem::kBool, Elem::kInt32, Elem::kInt64, Elem::kFloat32, Elem::kFloat64, Elem::kString};
  const char* names[] = {"b", "i32", "i64", "f32", "f64", "s"};
  for (int e = 0; e < 6; ++e) {
    for (Shape s : {Shape::kScalar, Shape::kFixedList, Shape::kList}) {
      Column c;
      c.name = std::string(names[e]) + (s == Shape::kScalar ? "" : s == Shape::kFixedList ? "_fixed" : "_list");
      c.elem = elems[e];
      c.shape = s;
      if (s == Shape::kFixedList) c.list_size = 2 + e % 3;
      if (s == Shape::kList) c.offsets = {0};
      for (int64_t r = 0; r < rows; ++r) {
        bool valid = !(nulls && s != Shape::kFixedList && r % 5 == 2);
        if (nulls && s != Shape::kFixedList) c.valid.push_back(valid);
        int64_t n = !valid ? 0 : s == Shape::kScalar ? 1 : s == Shape::kFixedList ? c.list_size : r % 4;
        for (int64_t k = 0; k < n; ++k) {
          int64_t x = r * 7 + k - 20;
          switch (c.elem) {
            case Elem::kBool:
              c.b.push_back(uint8_t((r + k) % 3 == 0));
              break;
            case Elem::kInt32:
              c.i32.push_back(int32_t(x * 1001));
              break;
            case Elem::kInt64:
              c.i64.push_back(x * 100000000007LL);
              break;
            case Elem::kFloat32:
              c.f32.push_back(float(x) / 7.0f);
              break;
            case Elem::kFloat64:
              c.f64.push_back(double(x) / 3.0);
              break;
            case Elem::kString:
              c.str.push_back("v" + std::to_string(x) + std::string(size_t(k), 'z'));
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  try {
    const std::string dir = argv[1];
    std::filesystem::create_directories(dir);
    WriteOptions lr;
    lr.huggingface_metadata = true;
    write_pair(dir, "lerobot_episode", lerobot_episode(30, 3, 1000), lr);
    // Each codec once, alternating data page v1 / v2; several row groups and pages per chunk.
    const char* codec_names[] = {"none", "snappy", "zstd", "gzip"};
    for (int ci = 0; ci < 4; ++ci) {
      WriteOptions o;
      o.codec = Codec(ci);
      o.data_page_v2 = ci % 2 == 1;
      o.row_group_rows = 5;
      o.page_bytes = 40;
      write_pair(dir, std::string("all_types_") + codec_names[ci] + (o.data_page_v2 ? "_v2" : "_v1"),
                 all_types(12, ci >= 2), o);
    }
    write_pair(dir, "empty_table", all_types(0, false), WriteOptions{});
    std::printf("wrote interop samples to %s\n", dir.c_str());
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "parquet_write_sample: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
