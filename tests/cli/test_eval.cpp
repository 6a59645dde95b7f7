// `groot eval` end to end on the tiny golden model: metrics.json against an independent
// recomputation from predictions.csv and the parquet ground truth, the CSV layout, report.html
// well-formed with every chart, PNG plots (cairo builds), camera frames (FFmpeg builds), errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "data/lerobot.h"
#include "groot/build_config.h"
#include "policy_test_util.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using groot::test::convert::q;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct EvalFixture {
  groot::test::TempDir tmp;
  fs::path ds, ckpt;
  EvalFixture() {
    ds = groot::test::make_tiny_dataset(tmp / "work", 2, 40, /*cameras=*/false);
    ckpt = tmp / "ckpt";
    groot::test::make_tiny_checkpoint(ckpt, ds);
  }
};
EvalFixture& fx() {
  static EvalFixture f;
  return f;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    rows.push_back(cells);
  }
  return rows;
}

// A strict XML well-formedness check of the HTML: balanced and properly nested elements,
// quoted attributes, known entities; <style> content is raw text. Returns "" or the problem.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  size_t i = 0;
  static const std::regex attr_re(R"(^\s*([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*"[^"<]*")");
  while (i < s.size()) {
    if (s[i] == '&') {
      size_t e = s.find(';', i);
      if (e == std::string::npos || e - i > 8) return "bad entity at " + std::to_string(i);
      const std::string ent = s.substr(i + 1, e - i - 1);
      if (ent != "amp" && ent != "lt" && ent != "gt" && ent != "quot" && ent[0] != '#')
        return "unknown entity &" + ent + ";";
      i = e + 1;
      continue;
    }
    if (s[i] != '<') {
      if (s[i] == '>') return "stray '>' at " + std::to_string(i);
      ++i;
      continue;
    }
    if (s.compare(i, 9, "<!DOCTYPE") == 0) {
      i = s.find('>', i) + 1;
      continue;
    }
    const size_t e = s.find('>', i);
    if (e == std::string::npos) return "unterminated tag at " + std::to_string(i);
    std::string tag = s.substr(i + 1, e - i - 1);
    i = e + 1;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> closes <" + (stack.empty() ? "nothing" : stack.back()) + ">";
      stack.pop_back();
      continue;
    }
    const bool self = tag.back() == '/';
    if (self) tag.pop_back();
    size_t n = 0;
    while (n < tag.size() && !std::isspace(static_cast<unsigned char>(tag[n]))) ++n;
    const std::string name = tag.substr(0, n);
    std::string rest = tag.substr(n);
    std::smatch m;
    while (!rest.empty() && !std::all_of(rest.begin(), rest.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
      if (!std::regex_search(rest, m, attr_re)) return "bad attributes in <" + name + ">: " + rest.substr(0, 60);
      rest = m.suffix();
    }
    if (self) continue;
    if (name == "style") {
      const size_t end = s.find("</style>", i);
      if (end == std::string::npos) return "unterminated <style>";
      i = end + 8;
      continue;
    }
    stack.push_back(name);
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

std::string fmt6(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

}  // namespace

TEST(EvalCli, MetricsEqualIndependentRecomputation) {
  EvalFixture& f = fx();
  const fs::path out = f.tmp / "eval1";
  auto r = groot::test::run_groot("eval " + q(f.ckpt) + " --dataset-path " + q(f.ds) +
                                  " --embodiment-tag NEW_EMBODIMENT --traj-ids 0 1 5 --steps 30 --action-horizon 8 "
                                  "--denoising-steps 2 --output " + q(out) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("trajectory 5 is out of range"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("report: "), std::string::npos) << r.output;
  const json m = json::parse(slurp(out / "metrics.json"));
  EXPECT_EQ(m["denoising_steps"], 2);
  EXPECT_EQ(m["action_horizon"], 8);
  EXPECT_EQ(m["skipped_traj_ids"], json::array({5}));
  ASSERT_EQ(m["trajectories"].size(), 2u);

  const auto csv = read_csv(out / "predictions.csv");
  ASSERT_GT(csv.size(), 1u);
  const auto& head = csv[0];
  ASSERT_EQ(head.size(), 4u + 2 * 7);
  EXPECT_EQ(head[4], "gt.arm.0");
  EXPECT_EQ(head[4 + 7], "pred.arm.0");
  EXPECT_EQ(head[4 + 7 + 6], "pred.gripper.0");

  // Independent recomputation: predictions from the CSV, ground truth from the parquet files.
  groot::data::Dataset ds = groot::data::open_dataset(f.ds);
  double sum_mse = 0, sum_mae = 0;
  std::vector<double> dim_mse(7, 0), dim_mae(7, 0);
  for (int traj = 0; traj < 2; ++traj) {
    auto t = groot::data::read_episode_table(ds, ds.episodes[size_t(traj)].episode_index, {"action"});
    auto A = groot::data::column_matrix_f64(t, "action", 7, "action");
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 1; i < csv.size(); ++i)
      if (csv[i][0] == std::to_string(traj)) rows.push_back(csv[i]);
    ASSERT_EQ(rows.size(), 30u) << "min(steps, length) rows";
    double se = 0, ae = 0;
    std::vector<double> dse(7, 0), dae(7, 0);
    for (size_t s = 0; s < rows.size(); ++s) {
      EXPECT_EQ(rows[s][2], std::to_string(s));
      EXPECT_EQ(rows[s][3], s % 8 == 0 ? "1" : "0") << "inference every --action-horizon steps";
      for (int d = 0; d < 7; ++d) {
        const double pred = float(std::stod(rows[s][size_t(4 + 7 + d)]));  // %.9g -> the float32 value
        const double gt = A.at(int64_t(s), d);
        EXPECT_EQ(float(std::stod(rows[s][size_t(4 + d)])), float(gt)) << "CSV ground truth = parquet";
        const double e = gt - pred;
        se += e * e, ae += std::abs(e);
        dse[size_t(d)] += e * e, dae[size_t(d)] += std::abs(e);
      }
    }
    const json& jt = m["trajectories"][size_t(traj)];
    EXPECT_EQ(jt["traj_id"], traj);
    EXPECT_EQ(jt["steps"], 30);
    EXPECT_EQ(jt["inference_points"], 4);
    const double mse = se / (30.0 * 7), mae = ae / (30.0 * 7);
    EXPECT_NEAR(jt["mse"].get<double>(), mse, 1e-12 * std::max(1.0, mse));
    EXPECT_NEAR(jt["mae"].get<double>(), mae, 1e-12 * std::max(1.0, mae));
    for (int d = 0; d < 7; ++d) {
      EXPECT_NEAR(jt["per_dim"][size_t(d)]["mse"].get<double>(), dse[size_t(d)] / 30, 1e-12);
      EXPECT_NEAR(jt["per_dim"][size_t(d)]["mae"].get<double>(), dae[size_t(d)] / 30, 1e-12);
      dim_mse[size_t(d)] += dse[size_t(d)] / 30 / 2, dim_mae[size_t(d)] += dae[size_t(d)] / 30 / 2;
    }
    sum_mse += mse / 2, sum_mae += mae / 2;
  }
  EXPECT_NEAR(m["average"]["mse"].get<double>(), sum_mse, 1e-12);
  EXPECT_NEAR(m["average"]["mae"].get<double>(), sum_mae, 1e-12);
  for (int d = 0; d < 7; ++d) {
    EXPECT_NEAR(m["per_dim_average"][size_t(d)]["mse"].get<double>(), dim_mse[size_t(d)], 1e-12);
    EXPECT_NEAR(m["per_dim_average"][size_t(d)]["mae"].get<double>(), dim_mae[size_t(d)], 1e-12);
  }
  EXPECT_EQ(m["per_dim_average"][6]["key"], "gripper");

  // The report: well-formed, every chart, numbers equal metrics.json, no network references.
  const std::string html = slurp(out / "report.html");
  EXPECT_EQ(xml_problem(html), "");
  for (int traj = 0; traj < 2; ++traj)
    for (int d = 0; d < 7; ++d)
      EXPECT_NE(html.find("id=\"chart-t" + std::to_string(traj) + "-d" + std::to_string(d) + "\""),
                std::string::npos)
          << traj << " " << d;
  EXPECT_NE(html.find("id=\"avg-mse\">" + fmt6(m["average"]["mse"].get<double>()) + "<"), std::string::npos);
  EXPECT_NE(html.find("id=\"avg-mae\">" + fmt6(m["average"]["mae"].get<double>()) + "<"), std::string::npos);
  for (const auto& jt : m["trajectories"])
    EXPECT_NE(html.find("MSE " + fmt6(jt["mse"].get<double>()) + ", MAE " + fmt6(jt["mae"].get<double>())),
              std::string::npos);
  {
    std::string no_ns = html;
    const std::string ns = "http://www.w3.org/2000/svg";
    for (size_t p = no_ns.find(ns); p != std::string::npos; p = no_ns.find(ns)) no_ns.erase(p, ns.size());
    EXPECT_EQ(no_ns.find("http"), std::string::npos) << "self-contained: no URL but the SVG namespace";
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("No training log found"), std::string::npos);
  // 4 inference points per trajectory and chart: a red dot each.
  size_t dots = 0;
  for (size_t p = html.find("class=\"inference\""); p != std::string::npos; p = html.find("class=\"inference\"", p + 1))
    ++dots;
  EXPECT_EQ(dots, 2u * 7 * 4);

  if (GROOT_HAVE_CAIRO) {
    for (int traj = 0; traj < 2; ++traj) {
      const std::string png = slurp(out / ("traj_" + std::to_string(traj) + ".png"));
      ASSERT_GT(png.size(), 1000u);
      EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    }
  } else {
    EXPECT_FALSE(fs::exists(out / "traj_0.png")) << "built without cairo: no PNG";
  }
}

TEST(EvalCli, ReportShowsTrainingLossAndDenoisingStepsMatter) {
  EvalFixture& f = fx();
  // A trainer_state.json next to the checkpoint (HF layout) -> the loss curve.
  json ts = {{"global_step", 3}, {"log_history", json::array()}};
  for (int s = 1; s <= 3; ++s) ts["log_history"].push_back({{"step", s}, {"loss", 1.0 / s}, {"learning_rate", 1e-4}});
  std::ofstream(f.ckpt / "trainer_state.json") << ts.dump();
  const fs::path out = f.tmp / "eval2";
  auto cmd = [&](int steps) {
    return "eval --model-path " + q(f.ckpt) + " --dataset-path " + q(f.ds) + " --steps 16 --denoising-steps " +
           std::to_string(steps) + " --output " + q(out) + " --overwrite -q";
  };
  auto r = groot::test::run_groot(cmd(4));
  fs::remove(f.ckpt / "trainer_state.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = slurp(out / "report.html");
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_NE(html.find("id=\"loss-curve\""), std::string::npos);
  EXPECT_NE(html.find("3 points; first 1, last 0.333333"), std::string::npos);
  const std::string p4 = slurp(out / "predictions.csv");
  r = groot::test::run_groot(cmd(1));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(slurp(out / "predictions.csv"), p4) << "--denoising-steps must change the predictions";
  r = groot::test::run_groot(cmd(4));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(slurp(out / "predictions.csv"), p4) << "same seed, same predictions";
}

TEST(EvalCli, ClearErrors) {
  EvalFixture& f = fx();
  auto base = "eval " + q(f.ckpt) + " --dataset-path " + q(f.ds) + " -q --output " + q(f.tmp / "bad");
  auto r = groot::test::run_groot(base + " --action-horizon 17");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--action-horizon 17 exceeds the policy's action chunk of 16 steps"), std::string::npos)
      << r.output;
  r = groot::test::run_groot(base + " --embodiment-tag gr1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no modality config for embodiment tag 'gr1'"), std::string::npos) << r.output;
  r = groot::test::run_groot(base + " --traj-ids 9");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no valid trajectory id"), std::string::npos) << r.output;
  r = groot::test::run_groot(base + " --modality-keys wrist");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--modality-keys 'wrist' is not an action key of the checkpoint's new_embodiment config (arm, "
                          "gripper)"),
            std::string::npos)
      << r.output;
  r = groot::test::run_groot(base + " --steps 0");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--steps"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(f.tmp / "bad"));
}

TEST(EvalCli, ModalityKeysSelectAndOrder) {
  EvalFixture& f = fx();
  const fs::path out = f.tmp / "eval_keys";
  auto r = groot::test::run_groot("eval " + q(f.ckpt) + " --dataset-path " + q(f.ds) +
                                  " --modality-keys gripper arm --steps 8 -q --output " + q(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto csv = read_csv(out / "predictions.csv");
  ASSERT_EQ(csv[0].size(), 4u + 2 * 7);
  EXPECT_EQ(csv[0][4], "gt.gripper.0");
  EXPECT_EQ(csv[0][5], "gt.arm.0");
  EXPECT_EQ(csv[0][11], "pred.gripper.0");
  const json m = json::parse(slurp(out / "metrics.json"));
  EXPECT_EQ(m["action_keys"], json::array({"gripper", "arm"}));
  groot::data::Dataset ds = groot::data::open_dataset(f.ds);
  auto t = groot::data::read_episode_table(ds, ds.episodes[0].episode_index, {"action"});
  auto A = groot::data::column_matrix_f32(t, "action", 7, "action");
  for (int s = 0; s < 8; ++s) {
    EXPECT_EQ(std::stof(csv[size_t(s) + 1][4]), A.at(s, 6)) << "gripper = action[6] first";
    EXPECT_EQ(std::stof(csv[size_t(s) + 1][5]), A.at(s, 0));
  }
}

TEST(EvalCli, CameraFramesInReport) {
  if (!GROOT_HAVE_FFMPEG) GTEST_SKIP() << "built without FFmpeg: datasets with cameras cannot be written or decoded";
  groot::test::TempDir tmp;
  const fs::path ds = groot::test::make_tiny_dataset(tmp / "work", 1, 20, /*cameras=*/true);
  groot::test::make_tiny_checkpoint(tmp / "ckpt", ds);
  const fs::path out = tmp / "eval";
  auto r = groot::test::run_groot("eval " + q(tmp / "ckpt") + " --dataset-path " + q(ds) + " --steps 20 --output " +
                                  q(out) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = slurp(out / "report.html");
  EXPECT_EQ(xml_problem(html), "");
  size_t imgs = 0;
  for (size_t p = html.find("<img src=\"data:image/png;base64,"); p != std::string::npos;
       p = html.find("<img src=\"data:image/png;base64,", p + 1))
    ++imgs;
  EXPECT_EQ(imgs, 2u * 2) << "2 inference points (0, 16) x 2 cameras";
  EXPECT_NE(html.find("alt=\"wrist at step 16\""), std::string::npos);
}
