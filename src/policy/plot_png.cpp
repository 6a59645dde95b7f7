// Trajectory PNG plots with cairo: see plot_png.h.
#include "policy/plot_png.h"

#include "groot/build_config.h"
#include "util/error.h"

#if GROOT_HAVE_CAIRO
#include <cairo.h>

#include "policy/chart.h"
#endif

namespace groot::policy::plot {

#if GROOT_HAVE_CAIRO

bool have_cairo() { return true; }
std::string cairo_version() { return cairo_version_string(); }

namespace {

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void rgb(cairo_t* cr, unsigned hex) {
  cairo_set_source_rgb(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0, (hex & 255) / 255.0);
}

void text(cairo_t* cr, double x, double y, const std::string& s, double size, double align_x = 0) {
  cairo_set_font_size(cr, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - align_x * e.x_advance, y);
  cairo_show_text(cr, s.c_str());
}

}  // namespace

std::string trajectory_png(const EvalResult& r, const TrajResult& t) {
  const int W = 900, panel_h = 230, title_h = 48;
  const int D = t.dims;
  const int Hpx = title_h + panel_h * std::max(1, D);
  cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, Hpx);
  cairo_t* cr = cairo_create(surf);
  rgb(cr, 0xffffff);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  std::string keys_s, keys_a;
  for (const auto& k : r.state_keys) keys_s += (keys_s.empty() ? "" : ", ") + k;
  for (const auto& k : r.action_keys) keys_a += (keys_a.empty() ? "" : ", ") + k;
  rgb(cr, 0x1f3fbf);
  text(cr, W / 2.0, 22, "Trajectory " + std::to_string(t.traj_id) + " - State: " + keys_s + " | Action: " + keys_a, 16,
       0.5);
  rgb(cr, 0x333333);
  text(cr, W / 2.0, 40,
       "MSE " + chart::label(t.mse) + "   MAE " + chart::label(t.mae) + "   (" + std::to_string(t.steps) +
           " steps, inference every " + std::to_string(r.options.action_horizon) + ")",
       12, 0.5);
  const bool with_state = t.state_dims == t.dims;
  const double ml = 64, mr = 16, mt = 26, mb = 30;
  for (int d = 0; d < D; ++d) {
    const double y0 = title_h + d * panel_h;
    const double px0 = ml, px1 = W - mr, py0 = y0 + mt, py1 = y0 + panel_h - mb;
    std::vector<double> gt(size_t(t.steps)), pr(size_t(t.steps)), st;
    for (int s = 0; s < t.steps; ++s) {
      gt[size_t(s)] = t.gt[size_t(s) * D + d];
      pr[size_t(s)] = t.pred[size_t(s) * D + d];
    }
    if (with_state)
      for (int s = 0; s < t.steps; ++s) st.push_back(t.state[size_t(s) * t.state_dims + d]);
    const chart::Range yr = chart::value_range({&gt, &pr, &st});
    const double xmax = std::max(1, t.steps - 1);
    auto X = [&](double s) { return px0 + (px1 - px0) * s / xmax; };
    auto Y = [&](double v) { return py1 - (py1 - py0) * (v - yr.lo) / (yr.hi - yr.lo); };
    // frame, grid, ticks
    cairo_set_line_width(cr, 1);
    rgb(cr, 0xe6e6e6);
    for (double v : chart::nice_ticks(yr.lo, yr.hi, 5)) {
      cairo_move_to(cr, px0, Y(v));
      cairo_line_to(cr, px1, Y(v));
    }
    cairo_stroke(cr);
    rgb(cr, 0x444444);
    cairo_rectangle(cr, px0, py0, px1 - px0, py1 - py0);
    cairo_stroke(cr);
    for (double v : chart::nice_ticks(yr.lo, yr.hi, 5)) text(cr, px0 - 6, Y(v) + 4, chart::label(v), 10, 1.0);
    for (double v : chart::nice_ticks(0, xmax, 8)) text(cr, X(v), py1 + 14, chart::label(v), 10, 0.5);
    const DimMetric& dm = t.per_dim[size_t(d)];
    rgb(cr, 0x111111);
    text(cr, (px0 + px1) / 2, py0 - 8,
         "Action " + std::to_string(d) + ": " + dm.name + "  (MSE " + chart::label(dm.mse) + ")", 12, 0.5);
    auto line = [&](const std::vector<double>& v, unsigned col, double width) {
      if (v.empty()) return;
      rgb(cr, col);
      cairo_set_line_width(cr, width);
      for (size_t s = 0; s < v.size(); ++s)
        (s ? cairo_line_to : cairo_move_to)(cr, X(double(s)), Y(v[s]));
      cairo_stroke(cr);
    };
    line(st, 0x2ca02c, 1.2);
    line(gt, 0x1f77b4, 1.6);
    line(pr, 0xff7f0e, 1.6);
    rgb(cr, 0xd62728);
    for (int s : t.inference_steps) {
      cairo_arc(cr, X(s), Y(gt[size_t(s)]), 3.2, 0, 6.2832);
      cairo_fill(cr);
    }
    // legend
    double lx = px1 - 330, ly = py0 + 12;
    struct Item {
      const char* name;
      unsigned col;
    };
    std::vector<Item> items;
    if (with_state) items.push_back({"state", 0x2ca02c});
    items.push_back({"gt action", 0x1f77b4});
    items.push_back({"pred action", 0xff7f0e});
    items.push_back({"inference point", 0xd62728});
    for (const auto& it : items) {
      rgb(cr, it.col);
      cairo_rectangle(cr, lx, ly - 7, 12, 6);
      cairo_fill(cr);
      rgb(cr, 0x222222);
      text(cr, lx + 16, ly, it.name, 10);
      lx += 18 + 7.0 * double(std::string(it.name).size());
    }
  }
  cairo_destroy(cr);
  std::string png;
  const cairo_status_t st = cairo_surface_write_to_png_stream(surf, append, &png);
  cairo_surface_destroy(surf);
  GROOT_CHECK(st == CAIRO_STATUS_SUCCESS, "cairo: PNG encoding failed: ", cairo_status_to_string(st));
  return png;
}

#else

bool have_cairo() { return false; }
std::string cairo_version() { return ""; }
std::string trajectory_png(const EvalResult&, const TrajResult&) {
  fail("this groot was built without cairo (install libcairo2-dev and rebuild) : no PNG plots; report.html has "
       "the same charts as SVG");
}

#endif

}  // namespace groot::policy::plot
