#include "util/fs.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace groot {

void write_file_atomic(const fs::path& path, std::string_view data) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot write ", tmp.string(), ": ", std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write ", tmp.string(), ": ", std::strerror(e));
    }
    off += size_t(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename ", tmp.string(), " to ", path.string(), ": ", std::strerror(e));
  }
}

static int remove_entry(const char* p, const struct stat*, int, struct FTW*) {
  return ::remove(p) == 0 || errno == ENOENT ? 0 : -1;
}

bool remove_tree(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT;
  if (!S_ISDIR(st.st_mode)) return ::unlink(path.c_str()) == 0 || errno == ENOENT;
  // Depth-first (children before their folder), physical walk (symlinks are not followed).
  return ::nftw(path.c_str(), remove_entry, 32, FTW_DEPTH | FTW_PHYS) == 0;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open ", path.string(), ": ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail("cannot read ", path.string());
  return ss.str();
}

static fs::path sibling(const fs::path& final_dir, const std::string& tag) {
  fs::path parent = final_dir.parent_path();
  if (parent.empty()) parent = ".";
  return parent / ("." + final_dir.filename().string() + "." + tag + "-" + std::to_string(::getpid()));
}

static bool pid_alive(const std::string& name) {
  auto dash = name.rfind('-');
  if (dash == std::string::npos) return false;
  try {
    int pid = std::stoi(name.substr(dash + 1));
    return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
  } catch (...) {
    return false;
  }
}

StagingDir::StagingDir(const fs::path& final_dir, bool overwrite)
    : final_(fs::absolute(final_dir).lexically_normal()), overwrite_(overwrite) {
  if (final_.filename().empty()) final_ = final_.parent_path();
  std::error_code ec;
  if (fs::exists(final_, ec)) {
    if (!fs::is_directory(final_, ec)) fail("output ", final_.string(), " exists and is not a directory");
    if (!overwrite_ && !fs::is_empty(final_, ec))
      fail("output ", final_.string(), " exists and is not empty (pass --overwrite to replace it)");
  }
  fs::path parent = final_.parent_path();
  fs::create_directories(parent, ec);
  if (ec) fail("cannot create ", parent.string(), ": ", ec.message());
  if (::access(parent.c_str(), W_OK) != 0)
    fail("output folder ", parent.string(), " is not writable: ", std::strerror(errno));
  // Remove staging leftovers of earlier killed runs (dead pids only).
  const std::string prefix = "." + final_.filename().string() + ".staging-";
  for (auto& e : fs::directory_iterator(parent, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0 && !pid_alive(n)) remove_tree(e.path());
  }
  staging_ = sibling(final_, "staging");
  remove_tree(staging_);
  fs::create_directories(staging_, ec);
  if (ec) fail("cannot create staging folder ", staging_.string(), ": ", ec.message());
}

StagingDir::~StagingDir() {
  if (!committed_) remove_tree(staging_);
}

void StagingDir::commit() {
  std::error_code ec;
  fs::path old;
  if (fs::exists(final_, ec)) {
    old = sibling(final_, "old");
    remove_tree(old);
    fs::rename(final_, old, ec);
    if (ec) fail("cannot move existing ", final_.string(), " aside: ", ec.message());
  }
  fs::rename(staging_, final_, ec);
  if (ec) {
    std::error_code ec2;
    if (!old.empty()) fs::rename(old, final_, ec2);
    fail("cannot rename ", staging_.string(), " to ", final_.string(), ": ", ec.message());
  }
  committed_ = true;
  if (!old.empty()) remove_tree(old);
}

}  // namespace groot
