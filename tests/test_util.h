// Shared helpers for the GoogleTest suites.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace groot::test {

// Test data carried by the repository (README.md "Test data"):
std::string fixtures_dir();   // <source>/tests/fixtures: third-party datasets, parquet, tokenizer cases
std::string golden_root();    // <source>/tests/golden: upstream golden folders (tiny_v1, tiny_v1_train)
std::string tokenizer_dir();  // <source>/assets/eagle_tokenizer: the runtime tokenizer asset
// Bytes of PATH, or of its zstd-compressed twin PATH.zst (how tests/golden stores large files),
// decompressed here with libzstd directly (independent of groot's own safetensors reader).
std::string read_test_file(const std::string& path);
// Path of the built `groot` binary.
std::string groot_binary();

// A fresh temporary directory, removed on destruction.
struct TempDir {
  TempDir();
  ~TempDir();
  std::filesystem::path path;
  std::filesystem::path operator/(const std::string& s) const { return path / s; }
};

struct CmdResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};
// Runs a shell command, capturing stdout and stderr together.
CmdResult run_cmd(const std::string& cmd);
// Runs `groot <args>`.
CmdResult run_groot(const std::string& args);

// The message of the groot::Error that f() throws, or "<no groot::Error thrown>".
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "<no groot::Error thrown>";
}

// Shared objects mapped into this process (/proc/self/maps paths ending in .so or .so.N...).
std::vector<std::string> mapped_libraries();
// The mapped LibTorch libraries (libtorch*, libc10*): empty for the data and processor binaries.
std::vector<std::string> mapped_libtorch();

}  // namespace groot::test
