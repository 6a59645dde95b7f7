#include "data/frame_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "data/parallel.h"
#include "data/video.h"
#include "util/error.h"
#include "util/progress.h"

namespace groot::data {
namespace {

constexpr char kMagic[8] = {'G', 'R', 'F', 'R', 'A', 'M', 'E', '1'};
constexpr uint32_t kHeaderSize = 4096;

template <typename T>
void put(std::string& h, size_t off, T v) {
  std::memcpy(&h[off], &v, sizeof v);
}
template <typename T>
T get(const uint8_t* p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof v);
  return v;
}

struct Header {
  int w = 0, h = 0;
  int64_t frames = 0;
  FrameSource src;
};

// Parses the header from the first bytes of a file; "" on success, else the problem.
std::string parse_header(const uint8_t* p, size_t n, Header& out) {
  if (n < 50 || std::memcmp(p, kMagic, 8) != 0) return "not a groot frame file (bad magic)";
  if (get<uint32_t>(p, 8) != kHeaderSize) return "unknown header size";
  out.w = int(get<uint32_t>(p, 12));
  out.h = int(get<uint32_t>(p, 16));
  if (get<uint32_t>(p, 20) != 3) return "not RGB (channels != 3)";
  out.frames = get<int64_t>(p, 24);
  out.src.size = get<int64_t>(p, 32);
  out.src.mtime_ns = get<int64_t>(p, 40);
  uint16_t len = get<uint16_t>(p, 48);
  if (50 + size_t(len) > kHeaderSize || 50 + size_t(len) > n) return "corrupt header (source path length)";
  out.src.rel_path.assign(reinterpret_cast<const char*>(p + 50), len);
  if (out.w <= 0 || out.h <= 0 || out.w > 65536 || out.h > 65536 || out.frames < 0 || out.frames > (int64_t(1) << 32))
    return "corrupt header (sizes)";
  return "";
}

std::string check_against(const Header& hd, uint64_t file_size, const FrameSource& expect) {
  uint64_t want = uint64_t(kHeaderSize) + uint64_t(hd.frames) * uint64_t(hd.w) * uint64_t(hd.h) * 3u;
  if (file_size != want)
    return "truncated or padded: " + std::to_string(file_size) + " bytes, the header says " + std::to_string(want);
  if (hd.src.rel_path != expect.rel_path) return "made for another video (" + hd.src.rel_path + ")";
  if (hd.src.size != expect.size || hd.src.mtime_ns != expect.mtime_ns) {
    if (expect.size < 0) return "made from " + hd.src.rel_path + ", which no longer exists";
    if (hd.src.size < 0) return "made without a video file, but " + expect.rel_path + " exists now";
    return "made for another version of " + expect.rel_path + " (size/mtime " + std::to_string(hd.src.size) + "/" +
           std::to_string(hd.src.mtime_ns) + ", now " + std::to_string(expect.size) + "/" +
           std::to_string(expect.mtime_ns) + ")";
  }
  return "";
}

std::string episode_file(int64_t episode_index) {
  char b[64];
  std::snprintf(b, sizeof b, "episode_%06lld.frames", static_cast<long long>(episode_index));
  return b;
}

}  // namespace

fs::path default_frame_cache_dir(const Dataset& ds) { return ds.root / ".groot_frames"; }

fs::path frame_file_path(const fs::path& cache_dir, const std::string& video_key, int64_t episode_index) {
  return cache_dir / video_key / episode_file(episode_index);
}

FrameSource current_source(const Dataset& ds, const std::string& video_key, int64_t episode_index) {
  FrameSource s;
  fs::path p = ds.video_path(video_key, episode_index);
  s.rel_path = fs::relative(p, ds.root).generic_string();
  struct stat st;
  if (::stat(p.c_str(), &st) == 0) {
    s.size = int64_t(st.st_size);
    s.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + int64_t(st.st_mtim.tv_nsec);
  }
  return s;
}

void write_frame_file(const fs::path& path, const FrameSource& src, int width, int height, int64_t frames,
                      const std::function<void(uint8_t* dst)>& next) {
  if (width <= 0 || height <= 0 || frames < 0) fail(path.string(), ": bad frame geometry");
  if (src.rel_path.size() > kHeaderSize - 64) fail(path.string(), ": source path too long");
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) fail(path.parent_path().string(), ": cannot create the cache folder: ", ec.message());
  std::string h(kHeaderSize, '\0');
  std::memcpy(&h[0], kMagic, 8);
  put<uint32_t>(h, 8, kHeaderSize);
  put<uint32_t>(h, 12, uint32_t(width));
  put<uint32_t>(h, 16, uint32_t(height));
  put<uint32_t>(h, 20, 3);
  put<int64_t>(h, 24, frames);
  put<int64_t>(h, 32, src.size);
  put<int64_t>(h, 40, src.mtime_ns);
  put<uint16_t>(h, 48, uint16_t(src.rel_path.size()));
  std::memcpy(&h[50], src.rel_path.data(), src.rel_path.size());
  static std::atomic<int> counter{0};
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) fail(tmp.string(), ": cannot write: ", std::strerror(errno));
  bool ok = std::fwrite(h.data(), 1, h.size(), f) == h.size();
  std::vector<uint8_t> buf(size_t(width) * size_t(height) * 3);
  try {
    for (int64_t i = 0; ok && i < frames; ++i) {
      next(buf.data());
      ok = std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
    }
  } catch (...) {
    std::fclose(f);
    ::unlink(tmp.c_str());
    throw;
  }
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    ::unlink(tmp.c_str());
    fail(path.string(), ": write failed (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail(path.string(), ": rename failed: ", std::strerror(e));
  }
}

std::string frame_file_problem(const fs::path& path, const FrameSource& expect) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "missing";
  struct stat st;
  uint8_t head[kHeaderSize];
  ssize_t n = ::fstat(fd, &st) == 0 ? ::pread(fd, head, sizeof head, 0) : -1;
  ::close(fd);
  if (n < 0) return "unreadable";
  Header hd;
  std::string p = parse_header(head, size_t(n), hd);
  return p.empty() ? check_against(hd, uint64_t(st.st_size), expect) : p;
}

FrameFile::FrameFile(const fs::path& path, const FrameSource& expect) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path.string(), ": frame cache file missing (run `groot cache DATASET`)");
  struct stat st;
  if (::fstat(fd, &st) != 0 || st.st_size < 50) {
    ::close(fd);
    fail(path.string(), ": stale frame cache file: truncated header (run `groot cache DATASET` to rebuild)");
  }
  map_size_ = size_t(st.st_size);
  void* m = ::mmap(nullptr, map_size_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) fail(path.string(), ": mmap failed: ", std::strerror(errno));
  base_ = static_cast<const uint8_t*>(m);
  Header hd;
  std::string p = parse_header(base_, map_size_, hd);
  if (p.empty()) p = check_against(hd, map_size_, expect);
  if (!p.empty()) {
    ::munmap(const_cast<uint8_t*>(base_), map_size_);
    base_ = nullptr;
    fail(path.string(), ": stale frame cache file: ", p, " (run `groot cache DATASET` to rebuild)");
  }
  w_ = hd.w;
  h_ = hd.h;
  n_ = hd.frames;
  offset_ = kHeaderSize;
}

FrameFile::~FrameFile() {
  if (base_) ::munmap(const_cast<uint8_t*>(base_), map_size_);
}

const uint8_t* FrameFile::frame(int64_t i) const {
  if (i < 0 || i >= n_) fail(path_.string(), ": frame ", i, " out of range (", n_, " frames)");
  return base_ + offset_ + size_t(i) * frame_bytes();
}

FrameCacheReport build_frame_cache(const Dataset& ds, const std::vector<std::string>& keys_in,
                                   const FrameCacheOptions& opt) {
  std::vector<std::string> keys = keys_in.empty() ? ds.info.video_keys() : keys_in;
  fs::path dir = opt.cache_dir.empty() ? default_frame_cache_dir(ds) : opt.cache_dir;
  struct Job {
    std::string key;
    int64_t episode;
    FrameSource src;
    fs::path path;
    int64_t bytes;
  };
  std::vector<Job> todo;
  FrameCacheReport rep;
  for (const auto& k : keys) {
    const Feature* f = ds.info.find(k);
    if (!f || !f->is_video()) fail(ds.root.string(), ": \"", k, "\" is not a video feature of meta/info.json");
    int64_t h = f->video.height > 0 ? f->video.height : (f->shape.size() == 3 ? f->shape[0] : 0);
    int64_t w = f->video.width > 0 ? f->video.width : (f->shape.size() == 3 ? f->shape[1] : 0);
    for (const auto& e : ds.episodes) {
      Job j{k, e.episode_index, current_source(ds, k, e.episode_index), frame_file_path(dir, k, e.episode_index), 0};
      j.bytes = int64_t(kHeaderSize) + e.length * h * w * 3;
      rep.videos++;
      rep.bytes_total += j.bytes;
      if (frame_file_problem(j.path, j.src).empty()) {
        rep.valid++;
        continue;
      }
      if (j.src.size < 0) fail(ds.root.string(), ": ", j.src.rel_path, " is missing and ", j.path.string(), " is not a valid frame file");
      rep.bytes_built += j.bytes;
      todo.push_back(std::move(j));
    }
  }
  if (!opt.quiet)
    std::fprintf(stderr, "frame cache %s: %lld videos, %.2f GB on disk (%lld to decode, %.2f GB)\n",
                 dir.string().c_str(), (long long)rep.videos, double(rep.bytes_total) / 1e9, (long long)todo.size(),
                 double(rep.bytes_built) / 1e9);
  if (todo.empty()) return rep;
  if (!video::available())
    fail(ds.root.string(), ": ", todo.size(), " videos need decoding into the frame cache (first: ", todo[0].src.rel_path,
         ") but this build has no FFmpeg: build the cache on a machine with FFmpeg (`groot cache DATASET`) and copy "
         "the dataset with its .groot_frames folder, preserving times (rsync -a)");
  Progress prog("caching frames", int64_t(todo.size()), "videos", opt.quiet);
  parallel_for(int64_t(todo.size()), opt.threads, [&](int64_t i) {
    const Job& j = todo[size_t(i)];
    video::Decoder dec(ds.video_path(j.key, j.episode).string(), 1);
    const auto& vi = dec.info();
    int64_t n = vi.num_frames;
    std::vector<uint8_t> rgb;
    write_frame_file(j.path, j.src, vi.width, vi.height, n, [&](uint8_t* dst) {
      if (!dec.next(rgb)) fail(j.src.rel_path, ": fewer frames than its ", n, " in the container");
      std::memcpy(dst, rgb.data(), rgb.size());
    });
    prog.add(1, n, j.bytes);
  });
  prog.finish();
  rep.built = int64_t(todo.size());
  return rep;
}

FrameCache::FrameCache(const Dataset& ds, const std::vector<std::string>& video_keys, const fs::path& cache_dir)
    : dir_(cache_dir.empty() ? default_frame_cache_dir(ds) : cache_dir) {
  files_.resize(video_keys.size());
  for (size_t c = 0; c < video_keys.size(); ++c)
    for (const auto& e : ds.episodes) {
      files_[c].push_back(std::make_unique<FrameFile>(frame_file_path(dir_, video_keys[c], e.episode_index),
                                                      current_source(ds, video_keys[c], e.episode_index)));
      if (files_[c].back()->frames() < e.length)
        fail(files_[c].back()->frames(), " cached frames for episode ", e.episode_index, " of ", video_keys[c],
             " but meta/episodes.jsonl says ", e.length, " (the dataset does not match its videos: run groot validate)");
    }
}

}  // namespace groot::data
