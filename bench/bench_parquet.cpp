// bench_parquet [ROWS] [REPEATS]: write and read MB/s of groot's Parquet codec on a LeRobot-like
// table (observation.state float32[8], action float32[7], timestamp float32, 4 int64 columns;
// default 300000 rows = 28.8 MB of raw values) for each codec and page version. MB/s counts raw
// value bytes (1 MB = 1e6 bytes); times are the best of REPEATS runs, in memory (no disk IO).
// Both wall-clock and process-CPU rates are printed: the codec is single-threaded, so the CPU rate
// is the per-core throughput and stays meaningful on a loaded machine.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include "data/parquet.h"

using namespace groot::pq;

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::printf("usage: bench_parquet [ROWS=300000] [REPEATS=3]\n"
                "Writes and reads a LeRobot-like table (fixed-size float lists + scalars) with every codec.\n");
    return 0;
  }
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 300000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  if (rows <= 0 || repeats <= 0) {
    std::fprintf(stderr, "bench_parquet: ROWS and REPEATS must be positive integers\n");
    return 2;
  }
  Table t;
  t.num_rows = rows;
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  auto fixed = [&](const char* name, int d) {
    Column c;
    c.name = name;
    c.shape = Shape::kFixedList;
    c.list_size = d;
    c.f32.resize(size_t(rows) * size_t(d));
    // Smooth trajectories plus noise, like teleop data (not trivially compressible).
    for (int64_t r = 0; r < rows; ++r)
      for (int k = 0; k < d; ++k)
        c.f32[size_t(r) * size_t(d) + size_t(k)] = 0.001f * float(r % 500) * float(k + 1) + 0.01f * nd(rng);
    return c;
  };
  t.columns.push_back(fixed("observation.state", 8));
  t.columns.push_back(fixed("action", 7));
  Column ts;
  ts.name = "timestamp";
  for (int64_t r = 0; r < rows; ++r) ts.f32.push_back(float(r % 500) / 30.f);
  t.columns.push_back(ts);
  for (const char* n : {"frame_index", "episode_index", "index", "task_index"}) {
    Column c;
    c.name = n;
    c.elem = Elem::kInt64;
    std::string s = n;
    for (int64_t r = 0; r < rows; ++r)
      c.i64.push_back(s == "frame_index" ? r % 500 : s == "episode_index" ? r / 500 : s == "index" ? r : 0);
    t.columns.push_back(c);
  }
  const double raw_mb = double(rows) * (15 * 4 + 4 + 4 * 8) / 1e6;
  std::printf("bench_parquet: %lld rows, %.1f MB raw values, best of %d\n", (long long)rows, raw_mb, repeats);
  std::printf("%-13s %-3s %8s %11s %11s %11s %11s %12s\n", "codec", "pg", "file MB", "write MB/s", "(CPU)",
              "read MB/s", "(CPU)", "proj 1 col");
  const char* names[] = {"UNCOMPRESSED", "SNAPPY", "ZSTD", "GZIP"};
  using clk = std::chrono::steady_clock;
  for (int ci = 0; ci < 4; ++ci) {
    for (bool v2 : {false, true}) {
      WriteOptions opt;
      opt.codec = Codec(ci);
      opt.data_page_v2 = v2;
      opt.row_group_rows = 1000;  // as HF datasets / LeRobot write
      double wbest = 1e30, rbest = 1e30, pbest = 1e30, wcpu = 1e30, rcpu = 1e30;
      std::string bytes;
      for (int i = 0; i < repeats; ++i) {
        auto t0 = clk::now();
        std::clock_t c0 = std::clock();
        bytes = write_table_to_string(t, opt);
        auto t1 = clk::now();
        std::clock_t c1 = std::clock();
        Table back = read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        auto t2 = clk::now();
        std::clock_t c2 = std::clock();
        wcpu = std::min(wcpu, double(c1 - c0) / CLOCKS_PER_SEC);
        rcpu = std::min(rcpu, double(c2 - c1) / CLOCKS_PER_SEC);
        Table proj =
            read_table_from_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), {"action"});
        auto t3 = clk::now();
        if (back.num_rows != rows || proj.columns.size() != 1) return 1;
        wbest = std::min(wbest, std::chrono::duration<double>(t1 - t0).count());
        rbest = std::min(rbest, std::chrono::duration<double>(t2 - t1).count());
        pbest = std::min(pbest, std::chrono::duration<double>(t3 - t2).count());
      }
      std::printf("%-13s %-3s %8.2f %11.0f %11.0f %11.0f %11.0f %9.1f ms\n", names[ci], v2 ? "v2" : "v1",
                  double(bytes.size()) / 1e6, raw_mb / wbest, raw_mb / wcpu, raw_mb / rbest, raw_mb / rcpu,
                  pbest * 1e3);
      if (ci == 1 && !v2) std::fflush(stdout);
    }
  }
  return 0;
}
