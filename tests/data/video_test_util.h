// Helpers shared by the video tests: synthetic smooth frames, image metrics, frame hashes and an
// "expect a groot::Error whose message contains ..." check.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "util/error.h"

namespace groot::test {

// H x W x 3 RGB frame t of a smooth synthetic scene: colour gradients, a soft-edged disc moving
// on a curve and a soft-edged square sliding right (soft edges keep it "smooth content" for codecs).
inline std::vector<uint8_t> synth_frame(int h, int w, int t) {
  std::vector<uint8_t> f(size_t(h) * w * 3);
  const float cx = w * (0.5f + 0.3f * std::sin(t * 0.15f)), cy = h * (0.5f + 0.25f * std::cos(t * 0.11f));
  const float radius = h / 6.0f;
  const float sx = float((t * 3) % w), sy = h * 0.2f, side = h / 5.0f;
  auto soft = [](float v) { return v < 0 ? 0.f : (v > 1 ? 1.f : v); };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      float r = 40 + 120.f * x / w, g = 60 + 100.f * y / h, b = 90 + 50.f * (x + y) / (w + h);
      float d = std::hypot(x - cx, y - cy);
      float a = soft((radius - d) / 6.f + 0.5f);
      r += a * (230 - r), g += a * (80 - g), b += a * (40 - b);
      float ex = std::min(x - sx, sx + side - x), ey = std::min(y - sy, sy + side - y);
      float s = soft(std::min(ex, ey) / 6.f + 0.5f);
      r += s * (30 - r), g += s * (200 - g), b += s * (120 - b);
      uint8_t* p = &f[(size_t(y) * w + x) * 3];
      p[0] = uint8_t(std::lround(r)), p[1] = uint8_t(std::lround(g)), p[2] = uint8_t(std::lround(b));
    }
  }
  return f;
}

inline double mean_abs_error(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  EXPECT_EQ(a.size(), b.size());
  double s = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) s += std::abs(int(a[i]) - int(b[i]));
  return a.empty() ? 0 : s / double(a.size());
}

inline double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  EXPECT_EQ(a.size(), b.size());
  double se = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    double d = double(a[i]) - double(b[i]);
    se += d * d;
  }
  double mse = se / double(a.size());
  return mse == 0 ? 100.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

inline uint64_t fnv1a(const std::vector<uint8_t>& v) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t c : v) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Runs fn, expects a groot::Error whose message contains every one of `parts`.
inline void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected a groot::Error containing '" << (parts.empty() ? "" : parts[0]) << "'";
  } catch (const groot::Error& e) {
    std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

}  // namespace groot::test
