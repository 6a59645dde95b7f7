// Corrupt and truncated input: every failure must be a groot::Error naming the file, never a
// crash, another exception type or an out-of-bounds read (run under ASan via the fuzz build for
// the memory part). Also the regression inputs found by fuzzing (tests/fuzz/corpus/parquet/crash-*).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "data/parquet.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using namespace groot::pq;

namespace {

std::string fixture(const std::string& name) {
  return groot::read_file(std::string(GROOT_SOURCE_DIR) + "/tests/fixtures/parquet/" + name);
}

std::string small_written_file(Codec codec, bool v2) {
  Table t;
  t.num_rows = 20;
  Column a;
  a.name = "a";
  a.shape = Shape::kFixedList;
  a.list_size = 3;
  for (int i = 0; i < 60; ++i) a.f32.push_back(float(i) * 0.5f);
  Column b;
  b.name = "b";
  b.elem = Elem::kInt64;
  b.valid.assign(20, 1);
  b.valid[4] = 0;
  for (int i = 0; i < 19; ++i) b.i64.push_back(i * 1000);
  Column c;
  c.name = "c";
  c.elem = Elem::kString;
  c.shape = Shape::kList;
  c.offsets = {0};
  for (int r = 0; r < 20; ++r) {
    for (int k = 0; k < r % 3; ++k) c.str.push_back("s" + std::to_string(r * k));
    c.offsets.push_back(int64_t(c.str.size()));
  }
  Column d;
  d.name = "d";
  d.elem = Elem::kBool;
  for (int r = 0; r < 20; ++r) d.b.push_back(r % 2);
  t.columns = {a, b, c, d};
  WriteOptions opt;
  opt.codec = codec;
  opt.data_page_v2 = v2;
  opt.row_group_rows = 8;
  opt.page_bytes = 40;
  return write_table_to_string(t, opt);
}

// Returns 1 if read, 0 if rejected with a groot::Error naming the input; fails the test otherwise.
int try_read(const std::string& bytes, const std::string& what) {
  try {
    read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), {}, "corrupt.parquet");
    return 1;
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt.parquet"), std::string::npos) << what << ": " << e.what();
    return 0;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": non-groot exception " << e.what();
    return 0;
  }
}

std::vector<std::pair<std::string, std::string>> inputs() {
  return {{"ours_snappy_v1", small_written_file(Codec::kSnappy, false)},
          {"ours_gzip_v2", small_written_file(Codec::kGzip, true)},
          {"ours_zstd_v1", small_written_file(Codec::kZstd, false)},
          {"ours_plain_v2", small_written_file(Codec::kUncompressed, true)},
          {"pyarrow_snappy_dict_v1", fixture("all_snappy_dict_v1.parquet")},
          {"pyarrow_zstd_dict_v2", fixture("all_zstd_dict_v2.parquet")},
          {"pyarrow_nulls_v1", fixture("nulls_v1.parquet")}};
}

}  // namespace

TEST(ParquetCorrupt, EveryTruncationIsRejected) {
  for (const auto& [name, bytes] : inputs()) {
    ASSERT_EQ(try_read(bytes, name), 1) << name;
    for (size_t len = 0; len < bytes.size(); ++len)
      EXPECT_EQ(try_read(bytes.substr(0, len), name + " truncated to " + std::to_string(len)), 0);
  }
}

TEST(ParquetCorrupt, CutOutDataWithIntactFooter) {
  // Remove a slice of the data region but keep the footer: offsets now point at wrong bytes.
  for (const auto& [name, bytes] : inputs()) {
    uint32_t flen;
    std::memcpy(&flen, bytes.data() + bytes.size() - 8, 4);
    size_t footer_start = bytes.size() - 8 - flen;
    size_t step = std::max<size_t>(1, footer_start / 400);
    for (size_t cut = 4; cut < footer_start; cut += step) {
      std::string b = bytes.substr(0, cut) + bytes.substr(std::min(footer_start, cut + 1 + cut % 13));
      try_read(b, name + " cut at " + std::to_string(cut));
    }
  }
}

TEST(ParquetCorrupt, RandomByteFlipsNeverCrash) {
  std::mt19937 rng(12345);
  int rejected = 0, total = 0;
  for (const auto& [name, bytes] : inputs()) {
    for (int it = 0; it < 600; ++it) {
      std::string b = bytes;
      int flips = 1 + int(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        // Half the flips hit the footer (metadata), half anywhere.
        size_t pos = (it % 2) ? bytes.size() - 9 - rng() % std::min<size_t>(bytes.size() - 9, 400) : rng() % b.size();
        b[pos] = char(rng() & 0xFF);
      }
      rejected += 1 - try_read(b, name + " flip iteration " + std::to_string(it));
      ++total;
    }
  }
  EXPECT_GT(rejected, total / 10);  // the checks really fire
}

TEST(ParquetCorrupt, ClearMessagesForCommonProblems) {
  auto msg = [](const std::string& bytes, std::vector<std::string> cols = {}) -> std::string {
    try {
      read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), cols, "x.parquet");
    } catch (const groot::Error& e) {
      return e.what();
    }
    return "";
  };
  std::string good = small_written_file(Codec::kSnappy, false);
  EXPECT_NE(msg("hello world, not parquet").find("not a Parquet file"), std::string::npos);
  EXPECT_NE(msg("PAR1").find("too small"), std::string::npos);
  EXPECT_NE(msg(good.substr(0, good.size() - 1)).find("missing PAR1"), std::string::npos);
  std::string badlen = good;
  badlen[badlen.size() - 6] = char(0x7F);
  EXPECT_NE(msg(badlen).find("footer length"), std::string::npos);
  EXPECT_NE(msg(good, {"nope"}).find("no column 'nope' (columns: a, b, c, d)"), std::string::npos);
  EXPECT_NE(msg(good, {"a", "a"}).find("requested twice"), std::string::npos);
  std::string enc = good;
  std::memcpy(&enc[enc.size() - 4], "PARE", 4);
  EXPECT_NE(msg(enc).find("encrypted"), std::string::npos);
  // Missing file.
  try {
    read_table("/nonexistent/dir/x.parquet");
    ADD_FAILURE();
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/x.parquet"), std::string::npos);
  }
}

TEST(ParquetCorrupt, FuzzRegressionInputs) {
  // Inputs that once crashed or misbehaved (found by tests/fuzz/fuzz_parquet.cpp); each must now be
  // rejected cleanly or read.
  const std::string dir = std::string(GROOT_SOURCE_DIR) + "/tests/fuzz/corpus/parquet";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string bytes = groot::read_file(e.path());
    try_read(bytes, e.path().filename().string());
    ++n;
  }
  EXPECT_GT(n, 0);
}

TEST(ParquetCorrupt, ReadSchemaReadsOnlyTheFooterAndNamesBadFiles) {
  groot::test::TempDir dir;
  std::string good = small_written_file(Codec::kZstd, false);
  // Data pages destroyed, footer intact: the schema is still readable, the table is not.
  std::string broken = good;
  for (size_t i = 4; i < 200 && i < broken.size() - 100; ++i) broken[i] = char(0xEE);
  const std::string p1 = (dir / "broken.parquet").string();
  groot::write_file_atomic(p1, broken);
  Table s = read_schema(p1);
  EXPECT_EQ(s.num_rows, 20);
  ASSERT_EQ(s.columns.size(), 4u);
  EXPECT_EQ(s.columns[0].shape, Shape::kFixedList);
  EXPECT_EQ(s.columns[0].list_size, 3);
  EXPECT_THROW(read_table(p1), groot::Error);
  const std::string p2 = (dir / "short.parquet").string();
  groot::write_file_atomic(p2, good.substr(0, good.size() - 3));
  try {
    read_schema(p2);
    ADD_FAILURE();
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find(p2), std::string::npos) << e.what();
  }
  const std::string p3 = (dir / "tiny.parquet").string();
  groot::write_file_atomic(p3, "PAR1");
  EXPECT_THROW(read_schema(p3), groot::Error);
}
