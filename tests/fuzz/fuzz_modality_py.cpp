// libFuzzer target for the Python modality-config reader (data/modality_py.h): any input must parse
// into registrations (then into a ModalityConfig or a groot::Error) or throw groot::Error.
// Build (clang): CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DGROOT_BUILD_FUZZ=ON
//   -DGROOT_BUILD_TESTS=OFF && cmake --build build-fuzz --target fuzz_modality_py -j2
// Run: ./build-fuzz/fuzz_modality_py -max_total_time=600 -max_len=4096 CORPUS_DIR tests/fuzz/corpus/modality_py
// See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/modality_config.h"
#include "data/modality_py.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto regs = groot::data::parse_modality_py(text, "fuzz.py");
    for (const auto& r : regs) {
      try {
        groot::data::ModalityConfig c = groot::data::parse_modality_config(r.config, "fuzz.py");
        volatile size_t n = c.action.delta_indices.size() + c.video.modality_keys.size();
        (void)n;
      } catch (const groot::Error&) {
      }
    }
  } catch (const groot::Error&) {
  }
  return 0;
}
