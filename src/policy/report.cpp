// report.html of `groot eval`: one self-contained file (no network, no JavaScript), well-formed
// (every element closed, attributes quoted, text escaped) so that it also parses as XML.
// Charts are inline SVG; camera frames are embedded PNG (png.h) data: URIs.
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "groot/build_config.h"
#include "policy/chart.h"
#include "policy/eval.h"
#include "policy/png.h"

namespace groot::policy {

namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string f1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1240px;color:#1d2330;background:#fafbfc;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
.sub{color:#5a6475;margin:0 0 16px}
table{border-collapse:collapse;font-size:13px;background:#fff}
td,th{border:1px solid #dde2ea;padding:4px 8px;text-align:right}th{background:#eef1f6}
td.l,th.l{text-align:left}
table.kv td:first-child{text-align:left;color:#5a6475}table.kv td{text-align:left}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0 4px}
.card{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:10px 16px;min-width:140px}
.card .v{font-size:22px;font-weight:600}.card .k{font-size:12px;color:#5a6475}
.grid{display:flex;flex-wrap:wrap;gap:10px}
figure{margin:0;background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:6px}
figcaption{font-size:12px;color:#333;padding:2px 4px}
.frames{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0 12px}
.frames img{display:block;border-radius:3px;image-rendering:auto}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.sw{display:inline-block;width:14px;height:4px;margin-right:5px;vertical-align:middle}
.bar{display:inline-block;height:8px;background:#ff7f0e;vertical-align:middle;margin-left:6px}
.note{color:#5a6475;font-size:13px}
)";

// A line chart as inline SVG. Series: {values, colour, dashed}. Dots: x positions on `dots_on`.
struct Series {
  const std::vector<double>* v;
  const char* colour;
  bool dashed;
};

std::string svg_chart(const std::string& id, const std::vector<Series>& series, const std::vector<int>& dots,
                      const std::vector<double>* dots_on, const std::vector<double>* xs, int w, int h,
                      const std::string& xlabel) {
  const double ml = 52, mr = 10, mt = 10, mb = 30;
  std::vector<const std::vector<double>*> all;
  size_t n = 0;
  for (const auto& s : series) all.push_back(s.v), n = std::max(n, s.v->size());
  const chart::Range yr = chart::value_range(all);
  const double x_lo = xs && !xs->empty() ? xs->front() : 0;
  const double x_hi = xs && !xs->empty() ? std::max(xs->back(), x_lo + 1) : double(std::max<size_t>(n, 2) - 1);
  auto X = [&](double x) { return ml + (w - ml - mr) * (x - x_lo) / (x_hi - x_lo); };
  auto Y = [&](double v) { return h - mb - (h - mt - mb) * (v - yr.lo) / (yr.hi - yr.lo); };
  std::ostringstream o;
  o << "<svg id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\" role=\"img\">";
  o << "<g font-size=\"10\" fill=\"#555\">";
  for (double v : chart::nice_ticks(yr.lo, yr.hi, 4)) {
    o << "<line x1=\"" << f1(ml) << "\" x2=\"" << f1(w - mr) << "\" y1=\"" << f1(Y(v)) << "\" y2=\"" << f1(Y(v))
      << "\" stroke=\"#eceff3\"/>";
    o << "<text x=\"" << f1(ml - 4) << "\" y=\"" << f1(Y(v) + 3) << "\" text-anchor=\"end\">" << chart::label(v)
      << "</text>";
  }
  for (double v : chart::nice_ticks(x_lo, x_hi, 6))
    o << "<text x=\"" << f1(X(v)) << "\" y=\"" << f1(h - mb + 13) << "\" text-anchor=\"middle\">" << chart::label(v)
      << "</text>";
  o << "<text x=\"" << f1(ml + (w - ml - mr) / 2) << "\" y=\"" << (h - 3) << "\" text-anchor=\"middle\">"
    << esc(xlabel) << "</text>";
  o << "</g>";
  o << "<rect x=\"" << f1(ml) << "\" y=\"" << f1(mt) << "\" width=\"" << f1(w - ml - mr) << "\" height=\""
    << f1(h - mt - mb) << "\" fill=\"none\" stroke=\"#9aa3b2\"/>";
  for (const auto& s : series) {
    if (s.v->empty()) continue;
    o << "<polyline fill=\"none\" stroke=\"" << s.colour << "\" stroke-width=\"1.5\""
      << (s.dashed ? " stroke-dasharray=\"4 3\"" : "") << " points=\"";
    for (size_t i = 0; i < s.v->size(); ++i)
      o << (i ? " " : "") << f1(X(xs ? (*xs)[i] : double(i))) << "," << f1(Y((*s.v)[i]));
    o << "\"/>";
  }
  if (dots_on)
    for (int d : dots)
      if (d >= 0 && size_t(d) < dots_on->size())
        o << "<circle class=\"inference\" cx=\"" << f1(X(d)) << "\" cy=\"" << f1(Y((*dots_on)[size_t(d)]))
          << "\" r=\"2.8\" fill=\"#d62728\"/>";
  o << "</svg>";
  return o.str();
}

}  // namespace

std::string report_html(const EvalResult& r) {
  const EvalOptions& o = r.options;
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
    << "<title>groot eval: " << esc(o.checkpoint) << "</title><style>" << kStyle << "</style></head>\n<body>\n";
  h << "<h1>Open-loop evaluation</h1>\n<p class=\"sub\">" << esc(o.checkpoint) << " on " << esc(o.dataset)
    << " (" << esc(o.embodiment_tag) << ")</p>\n";
  // Summary cards + settings.
  h << "<section id=\"summary\"><div class=\"cards\">"
    << "<div class=\"card\"><div class=\"v\" id=\"avg-mse\">" << num(r.avg_mse)
    << "</div><div class=\"k\">average MSE (unnormalised)</div></div>"
    << "<div class=\"card\"><div class=\"v\" id=\"avg-mae\">" << num(r.avg_mae)
    << "</div><div class=\"k\">average MAE (unnormalised)</div></div>"
    << "<div class=\"card\"><div class=\"v\">" << r.trajs.size() << "</div><div class=\"k\">trajectories</div></div>"
    << "<div class=\"card\"><div class=\"v\">" << num(r.mean_latency_ms)
    << " ms</div><div class=\"k\">mean policy call (" << r.queries << " calls)</div></div></div>\n";
  h << "<table class=\"kv\">";
  auto kv = [&](const std::string& k, const std::string& v) {
    h << "<tr><td>" << esc(k) << "</td><td>" << esc(v) << "</td></tr>";
  };
  kv("checkpoint", o.checkpoint);
  kv("dataset", o.dataset);
  kv("embodiment tag", o.embodiment_tag);
  kv("device / dtype", r.device + " / " + r.dtype);
  kv("denoising steps", std::to_string(r.denoising_steps));
  kv("action horizon", std::to_string(o.action_horizon) + " of the policy's " + std::to_string(r.policy_horizon) +
                           "-step chunk (one policy call every " + std::to_string(o.action_horizon) + " steps)");
  kv("steps per trajectory", "up to " + std::to_string(o.steps));
  std::string keys;
  for (const auto& k : r.action_keys) keys += (keys.empty() ? "" : ", ") + k;
  kv("action keys", keys);
  if (!r.skipped_traj_ids.empty()) {
    std::string s;
    for (auto id : r.skipped_traj_ids) s += (s.empty() ? "" : ", ") + std::to_string(id);
    kv("skipped (out of range)", s);
  }
  h << "</table></section>\n";

  // Metric tables.
  h << "<section id=\"metrics\"><h2>Metrics</h2>\n<table id=\"traj-metrics\"><tr><th>trajectory</th><th>episode</th>"
       "<th>steps</th><th>policy calls</th><th class=\"l\">task</th><th>MSE</th><th>MAE</th></tr>";
  for (const auto& t : r.trajs)
    h << "<tr><td>" << t.traj_id << "</td><td>" << t.episode_index << "</td><td>" << t.steps << "</td><td>"
      << t.inference_steps.size() << "</td><td class=\"l\">" << esc(t.task) << "</td><td>" << num(t.mse)
      << "</td><td>" << num(t.mae) << "</td></tr>";
  h << "<tr><th class=\"l\" colspan=\"5\">average</th><th>" << num(r.avg_mse) << "</th><th>" << num(r.avg_mae)
    << "</th></tr></table>\n";
  double max_mse = 0;
  for (const auto& d : r.dims) max_mse = std::max(max_mse, d.mse);
  h << "<h3>Per action dimension (average over trajectories)</h3>\n<table id=\"dim-metrics\"><tr><th>#</th>"
       "<th class=\"l\">key</th><th class=\"l\">name</th><th class=\"l\">MSE</th><th>MAE</th></tr>";
  for (size_t i = 0; i < r.dims.size(); ++i) {
    const DimMetric& d = r.dims[i];
    const int bar = max_mse > 0 ? int(120.0 * d.mse / max_mse + 0.5) : 0;
    h << "<tr><td>" << i << "</td><td class=\"l\">" << esc(d.key) << "[" << d.index << "]</td><td class=\"l\">"
      << esc(d.name) << "</td><td class=\"l\">" << num(d.mse) << "<span class=\"bar\" style=\"width:" << bar
      << "px\"></span></td><td>" << num(d.mae) << "</td></tr>";
  }
  h << "</table></section>\n";

  // Training loss.
  h << "<section id=\"training\"><h2>Training loss</h2>\n";
  if (!r.loss_curve.empty()) {
    std::vector<double> xs, ys;
    for (const auto& p : r.loss_curve) xs.push_back(p.step), ys.push_back(p.loss);
    h << "<figure>" << svg_chart("loss-curve", {{&ys, "#1f77b4", false}}, {}, nullptr, &xs, 760, 240, "step")
      << "<figcaption>loss from " << esc(r.loss_source) << " (" << r.loss_curve.size() << " points; first "
      << num(ys.front()) << ", last " << num(ys.back()) << ")</figcaption></figure>\n";
  } else {
    h << "<p class=\"note\">No training log found (trainer_state.json next to the checkpoint or in its parent "
         "folder).</p>\n";
  }
  h << "</section>\n";

  // Per trajectory: frames + one chart per action dimension.
  for (const auto& t : r.trajs) {
    h << "<section id=\"traj-" << t.traj_id << "\"><h2>Trajectory " << t.traj_id << " (episode " << t.episode_index
      << "): MSE " << num(t.mse) << ", MAE " << num(t.mae) << "</h2>\n";
    if (!t.frames.empty()) {
      h << "<div class=\"frames\">";
      for (const auto& f : t.frames) {
        const std::string png = png::encode_rgb(f.rgb.data(), f.width, f.height);
        h << "<figure><img src=\"data:image/png;base64," << png::base64(png) << "\" width=\"" << f.width
          << "\" height=\"" << f.height << "\" alt=\"" << esc(f.camera) << " at step " << f.step
          << "\"/><figcaption>" << esc(f.camera) << ", step " << f.step << "</figcaption></figure>";
      }
      h << "</div>\n";
    }
    const bool with_state = t.state_dims == t.dims;
    h << "<p class=\"legend\">";
    if (with_state) h << "<span><i class=\"sw\" style=\"background:#2ca02c\"></i>state</span>";
    h << "<span><i class=\"sw\" style=\"background:#1f77b4\"></i>ground truth</span>"
      << "<span><i class=\"sw\" style=\"background:#ff7f0e\"></i>prediction</span>"
      << "<span><i class=\"sw\" style=\"background:#d62728\"></i>inference point (policy call)</span></p>\n";
    h << "<div class=\"grid\">";
    for (int d = 0; d < t.dims; ++d) {
      std::vector<double> gt, pr, st;
      for (int s = 0; s < t.steps; ++s) {
        gt.push_back(t.gt[size_t(s) * t.dims + d]);
        pr.push_back(t.pred[size_t(s) * t.dims + d]);
        if (with_state) st.push_back(t.state[size_t(s) * t.state_dims + d]);
      }
      const DimMetric& dm = t.per_dim[size_t(d)];
      const std::string id = "chart-t" + std::to_string(t.traj_id) + "-d" + std::to_string(d);
      h << "<figure>"
        << svg_chart(id, {{&st, "#2ca02c", true}, {&gt, "#1f77b4", false}, {&pr, "#ff7f0e", false}},
                     t.inference_steps, &gt, nullptr, 390, 190, "step")
        << "<figcaption>" << d << ": " << esc(dm.key) << "[" << dm.index << "] " << esc(dm.name) << ", MSE "
        << num(dm.mse) << ", MAE " << num(dm.mae) << "</figcaption></figure>";
    }
    h << "</div></section>\n";
  }
  h << "<p class=\"note\">groot " << GROOT_VERSION << " &#183; files: ";
  for (size_t i = 0; i < r.files.size(); ++i) h << (i ? ", " : "") << esc(r.files[i]);
  h << "</p>\n</body></html>\n";
  return h.str();
}

}  // namespace groot::policy
