// libFuzzer target for the Parquet reader: any input must either decode or throw groot::Error.
// Build (clang): CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DGROOT_BUILD_FUZZ=ON
//   -DGROOT_BUILD_TESTS=OFF && cmake --build build-fuzz --target fuzz_parquet -j2
// Run: ./build-fuzz/fuzz_parquet -max_total_time=600 -jobs=1 CORPUS_DIR tests/fuzz/corpus/parquet
// See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>

#include "data/parquet.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    groot::pq::Table t = groot::pq::read_table_from_memory(data, size, {}, "fuzz.parquet");
    // Touch the result so the decode cannot be optimised away.
    volatile int64_t n = t.num_rows;
    for (const auto& c : t.columns) n = n + c.num_values() + int64_t(c.offsets.size() + c.valid.size());
    (void)n;
  } catch (const groot::Error&) {
  }
  return 0;
}
