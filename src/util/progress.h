// Progress reporting: a live single line (\r) on a terminal, plain periodic lines otherwise
// (logs, CI). Thread-safe: workers call add(); the reporter prints at most every `interval`.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace groot {

class Progress {
 public:
  // total_items: e.g. episodes; unit: "episodes". stream: stderr.
  Progress(std::string label, int64_t total_items, std::string unit, bool quiet = false);
  ~Progress();
  // Adds finished items and secondary counters (frames, bytes).
  void add(int64_t items, int64_t frames = 0, int64_t bytes = 0);
  void finish();  // prints the final summary line
  double elapsed_s() const;
  int64_t frames() const { return frames_.load(); }
  int64_t bytes() const { return bytes_.load(); }

 private:
  void print(bool final_line);
  std::string label_, unit_;
  int64_t total_;
  bool quiet_, tty_, finished_ = false;
  std::atomic<int64_t> items_{0}, frames_{0}, bytes_{0};
  std::chrono::steady_clock::time_point start_, last_print_;
  std::mutex mu_;
};

}  // namespace groot
