// Upstream-style trajectory plot of `groot eval` as PNG (open_loop_eval.py plot_trajectory_results:
// one panel per action dimension with the state curve when state and action dims match, ground
// truth, prediction and red dots at the inference points). Rendered with cairo, which is optional
// at build time like FFmpeg: without it have_cairo() is false and eval writes no PNG (the HTML
// report's SVG charts need no library).
#pragma once
#include <string>

#include "policy/eval.h"

namespace groot::policy::plot {

bool have_cairo();
std::string cairo_version();  // "" without cairo
// PNG bytes. Throws groot::Error when built without cairo.
std::string trajectory_png(const EvalResult& r, const TrajResult& t);

}  // namespace groot::policy::plot
