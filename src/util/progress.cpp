#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace groot {

Progress::Progress(std::string label, int64_t total_items, std::string unit, bool quiet)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total_items), quiet_(quiet),
      tty_(::isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()), last_print_(start_) {}

Progress::~Progress() {
  if (tty_ && !finished_ && !quiet_) std::fputc('\n', stderr);
}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::add(int64_t items, int64_t frames, int64_t bytes) {
  items_ += items;
  frames_ += frames;
  bytes_ += bytes;
  if (quiet_) return;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lk(mu_);
  double since = std::chrono::duration<double>(now - last_print_).count();
  if (since >= (tty_ ? 0.2 : 5.0)) {
    last_print_ = now;
    print(false);
  }
}

void Progress::print(bool final_line) {
  double t = elapsed_s();
  int64_t it = items_.load(), fr = frames_.load();
  double fps = t > 0 ? fr / t : 0.0;
  double eta = (it > 0 && total_ > it) ? t * double(total_ - it) / double(it) : 0.0;
  char buf[256];
  if (final_line)
    std::snprintf(buf, sizeof buf, "%s: %lld/%lld %s, %lld frames in %.1f s (%.0f frames/s)",
                  label_.c_str(), (long long)it, (long long)total_, unit_.c_str(), (long long)fr, t, fps);
  else
    std::snprintf(buf, sizeof buf, "%s: %lld/%lld %s, %.0f frames/s, ETA %.0f s", label_.c_str(),
                  (long long)it, (long long)total_, unit_.c_str(), fps, eta);
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s%s", buf, final_line ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", buf);
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!quiet_) {
    std::lock_guard<std::mutex> lk(mu_);
    print(true);
  }
}

}  // namespace groot
