// Filesystem helpers: atomic file writes (temp + rename) and staging directories that only
// become visible under their final name once complete.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace groot {

namespace fs = std::filesystem;

// Writes `data` to `path` through `path.tmp-<pid>` + fsync + rename. Throws groot::Error.
void write_file_atomic(const fs::path& path, std::string_view data);

// Removes a file or a directory tree (symlinks are removed, never followed). Returns false and
// leaves what could not be removed on error; a missing path is success.
// Use this, never std::filesystem::remove_all: PyTorch 2.x wheels export their own copy of
// remove_all from libtorch.so, which interposes on libstdc++'s and calls a null function
// pointer when it recurses (seen with PyTorch 2.11 on Ubuntu 24.04), so any binary linking
// LibTorch crashed when it cleaned up a folder.
bool remove_tree(const fs::path& path);

// Reads a whole file. Throws groot::Error naming the path.
std::string read_file(const fs::path& path);

// A directory built under a hidden sibling name (".<name>.staging-<pid>") and renamed onto
// `final_dir` by commit(). If destroyed without commit() (error, exception), the staging
// directory is removed. A killed process leaves only the hidden staging directory, which
// never looks like a finished output; stale ones are cleaned by the next run.
class StagingDir {
 public:
  // overwrite=false: final_dir must not exist or must be an empty directory.
  StagingDir(const fs::path& final_dir, bool overwrite);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const fs::path& path() const { return staging_; }
  const fs::path& final_path() const { return final_; }
  // Atomically replaces final_dir with the staging dir (an existing final_dir is moved aside
  // first and deleted only after the rename succeeded).
  void commit();

 private:
  fs::path final_;
  fs::path staging_;
  bool overwrite_;
  bool committed_ = false;
};

}  // namespace groot
