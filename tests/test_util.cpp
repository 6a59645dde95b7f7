#include "test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>
#include <zstd.h>

#include "util/fs.h"

namespace groot::test {

static std::string source_dir() {
#ifdef GROOT_SOURCE_DIR
  return GROOT_SOURCE_DIR;
#else
  return ".";
#endif
}
std::string fixtures_dir() { return source_dir() + "/tests/fixtures"; }
std::string golden_root() { return source_dir() + "/tests/golden"; }
std::string tokenizer_dir() { return source_dir() + "/assets/eagle_tokenizer"; }

std::string read_test_file(const std::string& path) {
  if (std::filesystem::exists(path)) return groot::read_file(path);
  const std::string packed = groot::read_file(path + ".zst");
  const unsigned long long n = ZSTD_getFrameContentSize(packed.data(), packed.size());
  if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN) throw std::runtime_error(path + ".zst: bad zstd frame");
  std::string out(size_t(n), '\0');
  const size_t got = ZSTD_decompress(out.data(), out.size(), packed.data(), packed.size());
  if (ZSTD_isError(got) || got != n) throw std::runtime_error(path + ".zst: corrupt");
  return out;
}

std::string groot_binary() {
#ifdef GROOT_BINARY
  return GROOT_BINARY;
#else
  return "groot";
#endif
}

TempDir::TempDir() {
  // pid + per-process counter + clock: unique without any random source.
  static std::atomic<int> counter{0};
  const auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  path = std::filesystem::temp_directory_path() /
         ("groot-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(ns));
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  // Not std::filesystem::remove_all: see groot::remove_tree (crashes in LibTorch 2.x binaries).
  groot::remove_tree(path);
}

CmdResult run_cmd(const std::string& cmd) {
  CmdResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

CmdResult run_groot(const std::string& args) { return run_cmd(groot_binary() + " " + args); }

std::vector<std::string> mapped_libraries() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> seen;
  std::vector<std::string> out;
  std::string line;
  while (std::getline(maps, line)) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string name = path.substr(path.rfind('/') + 1);
    if (name.find(".so") == std::string::npos || !seen.insert(path).second) continue;
    out.push_back(path);
  }
  return out;
}

std::vector<std::string> mapped_libtorch() {
  std::vector<std::string> out;
  for (const std::string& path : mapped_libraries()) {
    const std::string name = path.substr(path.rfind('/') + 1);
    if (name.rfind("libtorch", 0) == 0 || name.rfind("libc10", 0) == 0) out.push_back(path);
  }
  return out;
}

}  // namespace groot::test
