// Axis helpers shared by the SVG charts of report.html and the cairo PNG plots: padded value
// ranges, "nice" tick positions (1, 2, 5 x 10^k steps) and short number labels.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace groot::policy::chart {

struct Range {
  double lo = 0, hi = 1;
};

// min/max of the finite values of several series, padded by 5% (a flat series gets +-0.5 or
// +-5% of its magnitude).
inline Range value_range(const std::vector<const std::vector<double>*>& series) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* s : series)
    for (double v : *s)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) return {};
  if (hi - lo < 1e-12) {
    const double pad = std::abs(lo) > 1e-12 ? 0.05 * std::abs(lo) : 0.5;
    return {lo - pad, hi + pad};
  }
  const double pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

// Tick values inside [lo, hi], about `target` of them.
inline std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  std::vector<double> t;
  if (!(hi > lo)) return t;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) t.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
  return t;
}

inline std::string label(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

}  // namespace groot::policy::chart
