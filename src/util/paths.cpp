#include "util/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "groot/build_config.h"
#include "util/error.h"

namespace groot {
namespace fs = std::filesystem;

std::string executable_dir() {
  std::vector<char> buf(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return ".";
  return fs::path(std::string(buf.data(), size_t(n))).parent_path().string();
}

std::string assets_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("GROOT_ASSETS_DIR"); env && *env) return env;
  const fs::path exe = executable_dir();
  candidates.push_back(exe / "assets");
  candidates.push_back(exe / ".." / "share" / "groot" / "assets");
  candidates.push_back(fs::path(GROOT_SOURCE_DIR_DEFAULT) / "assets");
  std::string tried;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c / "eagle_tokenizer", ec)) return fs::weakly_canonical(c, ec).string();
    tried += "\n  " + c.string();
  }
  fail("cannot find groot's assets folder (with eagle_tokenizer/); looked in:", tried,
       "\nset GROOT_ASSETS_DIR to the assets/ folder of the groot source tree or install prefix");
}
}  // namespace groot
