// Processor files next to a checkpoint (processor_config.json, statistics.json, embodiment_id.json):
// upstream schema, round trips, fixtures, and error handling; plus the embodiment table.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "modality_test_util.h"
#include "processor/embodiment.h"
#include "processor/processor_files.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using namespace groot;
using namespace groot::procfiles;
using groot::test::TempDir;

namespace {

std::string meta(const std::string& name) {
  return groot::test::fixtures_dir() + "/" + name + "/meta";
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

ProcessorConfig n16_config() {
  using data::ActionConfig;
  using groot::test::group;
  ProcessorConfig c;
  std::vector<int> h16;
  for (int i = 0; i < 16; i++) h16.push_back(i);
  ActionConfig rel{data::ActionRep::kRelative, data::ActionType::kNonEef, data::ActionFormat::kDefault, {}};
  ActionConfig abs{data::ActionRep::kAbsolute, data::ActionType::kNonEef, data::ActionFormat::kDefault, "gripper"};
  data::ModalityConfig em = groot::test::make_config(
      {{"video", group({0}, {"front", "wrist"})},
       {"state", group({0}, {"single_arm", "gripper"})},
       {"action", group(h16, {"single_arm", "gripper"}, {}, {"gripper"}, {rel, abs})},
       {"language", group({0}, {"annotation.human.task_description"})}});
  c.modality_configs = {{"new_embodiment", em}};
  c.color_jitter_params = img::ColorJitterParams{0.3, 0.4, 0.5, 0.08};
  return c;
}

void expect_same(const ProcessorConfig& a, const ProcessorConfig& b) {
  EXPECT_EQ(processor_config_json(a), processor_config_json(b));
  ASSERT_EQ(a.modality_configs.size(), b.modality_configs.size());
  EXPECT_EQ(a.max_action_horizon, b.max_action_horizon);
  EXPECT_EQ(a.use_relative_action, b.use_relative_action);
  EXPECT_EQ(a.extra_kwargs, b.extra_kwargs);
}

}  // namespace

// ---- embodiment ---------------------------------------------------------------------------------
TEST(Embodiment, UpstreamTable) {
  auto m = embodiment::EmbodimentMapping::defaults();
  EXPECT_EQ(m.slot("new_embodiment"), 10);
  EXPECT_EQ(m.slot("NEW_EMBODIMENT"), 10);
  EXPECT_EQ(m.slot("gr1"), 20);
  EXPECT_EQ(m.slot("robocasa_panda_omron"), 13);
  EXPECT_EQ(m.slot("behavior_r1_pro"), 24);
  EXPECT_EQ(m.slot("unitree_g1"), 8);
  EXPECT_EQ(m.slot("libero_panda"), 2);
  EXPECT_EQ(m.slot("oxe_google"), 0);
  EXPECT_EQ(m.slot("oxe_widowx"), 1);
  EXPECT_EQ(m.slot("oxe_droid"), 16);
  EXPECT_EQ(m.entries.size(), 9u);
  try {
    m.slot("so100");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("so100"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("new_embodiment"), std::string::npos);
  }
}

TEST(Embodiment, BaseFileIs148BytesAndFillsMissingTags) {
  // The base checkpoint's embodiment_id.json: 7 pretraining/post-train tags, indent=2, 148 bytes.
  embodiment::EmbodimentMapping base;
  base.entries = {{"robocasa_panda_omron", 13}, {"gr1", 20},       {"behavior_r1_pro", 24}, {"unitree_g1", 8},
                  {"libero_panda", 2},          {"oxe_google", 0}, {"oxe_widowx", 1}};
  const std::string text = embodiment::embodiment_ids_json(base);
  EXPECT_EQ(text.size(), 148u) << text;
  TempDir d;
  write_text(d / "embodiment_id.json", text);
  auto m = embodiment::load_for_checkpoint(d.path.string());
  ASSERT_EQ(m.entries.size(), 9u);  // oxe_droid and new_embodiment appended from the table
  EXPECT_EQ(m.entries[7].first, "oxe_droid");
  EXPECT_EQ(m.entries[8].first, "new_embodiment");
  EXPECT_EQ(m.slot("NEW_EMBODIMENT"), 10);
  // A checkpoint may remap a tag; the file wins over the table.
  write_text(d / "embodiment_id.json", "{\"new_embodiment\": 3, \"my_robot\": 11}");
  m = embodiment::load_for_checkpoint(d.path.string());
  EXPECT_EQ(m.slot("new_embodiment"), 3);
  EXPECT_EQ(m.slot("my_robot"), 11);
  EXPECT_EQ(m.slot("gr1"), 20);
  // Round trip through write (atomic) + read.
  embodiment::write_embodiment_ids((d / "out.json").string(), m);
  auto r = embodiment::read_embodiment_ids((d / "out.json").string());
  EXPECT_EQ(r.entries, m.entries);
  // No file -> the table.
  TempDir empty;
  EXPECT_EQ(embodiment::load_for_checkpoint(empty.path.string()).entries, embodiment::projector_table());
}

TEST(Embodiment, BadFilesAreRejected) {
  TempDir d;
  for (const char* bad : {"[1, 2]", "{\"a\": \"x\"}", "{\"a\": -1}", "{\"a\": 1.5}", "{not json"}) {
    write_text(d / "embodiment_id.json", bad);
    try {
      embodiment::read_embodiment_ids((d / "embodiment_id.json").string());
      FAIL() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("embodiment_id.json"), std::string::npos) << e.what();
    }
  }
}

// ---- processor_config.json -----------------------------------------------------------------------
TEST(ProcessorConfigFile, WritesUpstreamSchema) {
  ProcessorConfig c = n16_config();
  const auto j = nlohmann::ordered_json::parse(processor_config_json(c));
  EXPECT_EQ(j["processor_class"], "Gr00tN1d6Processor");
  const auto& kw = j["processor_kwargs"];
  // Every N1.6 save_pretrained key, in upstream order.
  const std::vector<std::string> keys = {"modality_configs",
                                         "image_crop_size",
                                         "image_target_size",
                                         "use_albumentations",
                                         "random_rotation_angle",
                                         "color_jitter_params",
                                         "shortest_image_edge",
                                         "crop_fraction",
                                         "model_name",
                                         "model_type",
                                         "formalize_language",
                                         "max_state_dim",
                                         "max_action_dim",
                                         "max_action_horizon",
                                         "use_percentiles",
                                         "clip_outliers",
                                         "apply_sincos_state_encoding",
                                         "use_relative_action"};
  std::vector<std::string> got;
  for (auto it = kw.begin(); it != kw.end(); ++it) got.push_back(it.key());
  EXPECT_EQ(got, keys);
  const auto& act = kw["modality_configs"]["new_embodiment"]["action"];
  EXPECT_EQ(act["action_configs"][0]["rep"], "RELATIVE");
  EXPECT_EQ(act["action_configs"][0]["type"], "NON_EEF");
  EXPECT_EQ(act["action_configs"][0]["format"], "DEFAULT");
  EXPECT_TRUE(act["action_configs"][0]["state_key"].is_null());
  EXPECT_EQ(act["action_configs"][1]["state_key"], "gripper");
  EXPECT_EQ(act["mean_std_embedding_keys"][0], "gripper");
  EXPECT_TRUE(act["sin_cos_embedding_keys"].is_null());
  EXPECT_TRUE(kw["modality_configs"]["new_embodiment"]["video"]["action_configs"].is_null());
  EXPECT_EQ(kw["max_action_horizon"], 50);
  EXPECT_EQ(kw["shortest_image_edge"], 256);
  EXPECT_EQ(kw["crop_fraction"], 0.95);
  EXPECT_TRUE(kw["image_crop_size"].is_null());
  EXPECT_EQ(kw["color_jitter_params"]["hue"], 0.08);
  EXPECT_EQ(kw["model_name"], "nvidia/Eagle-Block2A-2B-v2");
}

TEST(ProcessorConfigFile, RoundTripAndDerivedRuntimeConfig) {
  TempDir d;
  ProcessorConfig c = n16_config();
  c.random_rotation_angle = 5;
  write_processor_config((d / "processor_config.json").string(), c);
  ProcessorConfig r = read_processor_config((d / "processor_config.json").string());
  expect_same(c, r);
  const data::ModalityConfig* em = r.find("new_embodiment");
  ASSERT_NE(em, nullptr);
  const auto& act = em->at("action");
  ASSERT_EQ(act.action_configs.size(), 2u);
  EXPECT_EQ(act.action_configs[0].rep, data::ActionRep::kRelative);
  EXPECT_EQ(act.action_configs[1].state_key, "gripper");
  EXPECT_EQ(act.delta_indices.size(), 16u);
  img::ImageTransformConfig ic = image_transform_config(r);
  EXPECT_EQ(ic.shortest_image_edge, 256);
  EXPECT_DOUBLE_EQ(ic.crop_fraction, 0.95);
  EXPECT_TRUE(ic.letterbox);
  ASSERT_TRUE(ic.color_jitter.has_value());
  EXPECT_DOUBLE_EQ(ic.color_jitter->contrast, 0.4);
  EXPECT_DOUBLE_EQ(*ic.random_rotation_angle, 5.0);
  proc::PaddingConfig pc = padding_config(r);
  EXPECT_EQ(pc.max_action_horizon, 50);
  EXPECT_EQ(pc.max_state_dim, 128);
}

TEST(ProcessorConfigFile, ReadsEnumValuesAndKeepsUnknownKwargs) {
  // A file as a later upstream version writes it (extra kwargs), with enum values instead of names.
  const std::string text = R"({
  "processor_class": "Gr00tN1d6Processor",
  "processor_kwargs": {
    "modality_configs": {"gr1": {
      "state": {"delta_indices": [0], "modality_keys": ["left_arm"], "sin_cos_embedding_keys": ["left_arm"],
                "mean_std_embedding_keys": null, "action_configs": null},
      "action": {"delta_indices": [0, 1], "modality_keys": ["left_arm"], "sin_cos_embedding_keys": null,
                 "mean_std_embedding_keys": null,
                 "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default", "state_key": null}]}}},
    "image_crop_size": [230, 230], "image_target_size": [256, 256], "use_albumentations": true,
    "random_rotation_angle": null, "color_jitter_params": null, "shortest_image_edge": null,
    "crop_fraction": null, "letter_box_transform": false, "model_name": "nvidia/Eagle-Block2A-2B-v2",
    "model_type": "eagle", "formalize_language": true, "max_state_dim": 64, "max_action_dim": 32,
    "max_action_horizon": 40, "use_percentiles": true, "use_mean_std": false, "clip_outliers": false,
    "apply_sincos_state_encoding": false, "use_relative_action": false, "state_dropout_prob": 0.0
  }
})";
  ProcessorConfig c = parse_processor_config(text, "test.json");
  EXPECT_EQ(c.max_state_dim, 64);
  EXPECT_EQ(c.max_action_dim, 32);
  EXPECT_EQ(c.max_action_horizon, 40);
  EXPECT_TRUE(c.use_percentiles);
  EXPECT_FALSE(c.clip_outliers);
  EXPECT_FALSE(c.shortest_image_edge.has_value());
  ASSERT_EQ(c.extra_kwargs.size(), 3u);
  EXPECT_EQ(c.extra_kwargs[0].first, "letter_box_transform");
  EXPECT_EQ(c.extra_kwargs[2].first, "state_dropout_prob");
  const auto& act = c.find("gr1")->at("action");
  EXPECT_EQ(act.action_configs[0].rep, data::ActionRep::kRelative);
  // crop_fraction / shortest edge fall back to the sizes, letterbox follows letter_box_transform.
  img::ImageTransformConfig ic = image_transform_config(c);
  EXPECT_EQ(ic.shortest_image_edge, 256);
  EXPECT_DOUBLE_EQ(ic.crop_fraction, 230.0 / 256.0);
  EXPECT_FALSE(ic.letterbox);
  // Written back: names for enums, unknown kwargs preserved.
  ProcessorConfig r = parse_processor_config(processor_config_json(c), "rt.json");
  expect_same(c, r);
  const auto j = nlohmann::json::parse(processor_config_json(c));
  EXPECT_EQ(j["processor_kwargs"]["modality_configs"]["gr1"]["action"]["action_configs"][0]["rep"],
            "RELATIVE");
  EXPECT_EQ(j["processor_kwargs"]["state_dropout_prob"], 0.0);
  EXPECT_EQ(j["processor_kwargs"]["letter_box_transform"], false);
}

TEST(ProcessorConfigFile, BadFilesNameFileAndField) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    try {
      parse_processor_config(text, "cfg.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("cfg.json"), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
  };
  expect_error("{", "invalid JSON");
  expect_error("{\"processor_class\": \"X\"}", "processor_kwargs");
  expect_error(R"({"processor_kwargs": {"max_state_dim": "big"}})", "max_state_dim");
  expect_error(R"({"processor_kwargs": {"clip_outliers": 1}})", "clip_outliers");
  expect_error(R"({"processor_kwargs": {"modality_configs": {"t": {"audio": {}}}}})", "audio");
  expect_error(R"({"processor_kwargs": {"modality_configs": {"t": {"action": {"delta_indices": [0],
      "modality_keys": ["a", "b"], "action_configs": [{"rep": "RELATIVE"}]}}}}})",
               "action_configs");
  expect_error(R"({"processor_kwargs": {"modality_configs": {"t": {"action": {"delta_indices": [0],
      "modality_keys": ["a"], "action_configs": [{"rep": "SIDEWAYS"}]}}}}})",
               "SIDEWAYS");
  expect_error(R"({"processor_kwargs": {"modality_configs": {"t": {"state": {"modality_keys": ["a"],
      "bogus": 1}}}}})",
               "bogus");
}

// ---- statistics.json ----------------------------------------------------------------------------
TEST(StatisticsFile, DatasetMetaToStatisticsRoundTrip) {
  proc::EmbodimentStats es = embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_cube_to_bowl_5"));
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].first, "state");
  EXPECT_EQ(es[1].first, "action");
  EXPECT_EQ(es[2].first, "relative_action");
  const proc::KeyStats* grip = proc::find_key_stats(es, "state", "gripper");
  ASSERT_NE(grip, nullptr);
  // observation.state max[5] = 63.46938705444336 (slice [5:6]).
  ASSERT_EQ(proc::find_stat(*grip, "max")->cols, 1);
  EXPECT_DOUBLE_EQ(proc::find_stat(*grip, "max")->v[0], 63.46938705444336);
  const proc::KeyStats* rel = proc::find_key_stats(es, "relative_action", "single_arm");
  ASSERT_NE(rel, nullptr);
  const proc::StatArray* rmax = proc::find_stat(*rel, "max");
  EXPECT_EQ(rmax->rows, 16);
  EXPECT_EQ(rmax->cols, 5);
  EXPECT_DOUBLE_EQ(rmax->v[0], 7.227047920227051);
  EXPECT_DOUBLE_EQ(rmax->v[5], 9.206897735595703);  // row 1, col 0

  proc::Statistics st{{"new_embodiment", es}};
  TempDir d;
  write_statistics((d / "statistics.json").string(), st);
  proc::Statistics r = read_statistics((d / "statistics.json").string());
  EXPECT_EQ(statistics_json(r), statistics_json(st));
  // Values survive bit-exactly (shortest round-trip float printing).
  const proc::StatArray* back =
      proc::find_stat(*proc::find_key_stats(r[0].second, "relative_action", "single_arm"), "q99");
  EXPECT_EQ(back->v, proc::find_stat(*rel, "q99")->v);
  // Upstream layout: tag -> modality -> key -> stat -> list (2-D for relative_action).
  const auto j = nlohmann::json::parse(statistics_json(st));
  EXPECT_TRUE(j["new_embodiment"]["state"]["single_arm"]["min"].is_array());
  EXPECT_EQ(j["new_embodiment"]["state"]["single_arm"]["min"].size(), 5u);
  EXPECT_EQ(j["new_embodiment"]["relative_action"]["single_arm"]["mean"].size(), 16u);
  EXPECT_EQ(j["new_embodiment"]["relative_action"]["single_arm"]["mean"][0].size(), 5u);
}

TEST(StatisticsFile, BadFiles) {
  auto expect_error = [](const std::string& text) {
    EXPECT_THROW(parse_statistics(text, "statistics.json"), Error) << text;
  };
  expect_error("[]");
  expect_error(R"({"t": {"state": {"a": {"min": "x"}}}})");
  expect_error(R"({"t": {"state": {"a": {"min": [[1, 2], [3]]}}}})");
  expect_error(R"({"t": {"state": {"a": {"min": [1, null]}}}})");
  TempDir d;
  fs::create_directories(d / "meta");
  write_text(d / "meta" / "stats.json", R"({"action": {"min": [0, 1]}})");
  write_text(d / "meta" / "modality.json", R"({"action": {"arm": {"start": 0, "end": 3}}})");
  EXPECT_THROW(embodiment_stats_from_dataset_meta((d / "meta").string()), Error);  // slice past the end
  write_text(d / "meta" / "modality.json", R"({"state": {"arm": {"start": 0, "end": 1}}})");
  EXPECT_THROW(embodiment_stats_from_dataset_meta((d / "meta").string()), Error);  // no observation.state
}

// ---- whole folder -------------------------------------------------------------------------------
TEST(ProcessorFolder, SaveLoadAndBuildProcessor) {
  TempDir d;
  ProcessorFiles f;
  f.config = n16_config();
  f.statistics = {
      {"new_embodiment", embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_cube_to_bowl_5"))}};
  const fs::path out = d / "ckpt";
  save_processor_files(out.string(), f);
  for (const char* name : {"processor_config.json", "statistics.json", "embodiment_id.json"})
    EXPECT_TRUE(fs::exists(out / name)) << name;
  ProcessorFiles r = load_processor_files(out.string());
  EXPECT_EQ(processor_config_json(r.config), processor_config_json(f.config));
  EXPECT_EQ(statistics_json(r.statistics), statistics_json(f.statistics));
  EXPECT_EQ(r.embodiment_ids.slot("new_embodiment"), 10);
  proc::StateActionProcessor p = make_state_action_processor(r);
  EXPECT_EQ(p.action_dim("new_embodiment"), 6);
  EXPECT_EQ(p.params("new_embodiment", "action", "single_arm").steps, 16);  // relative stats in use
  // No leftover temp files next to the outputs.
  int n = 0;
  for (const auto& e : fs::directory_iterator(out)) n += e.is_regular_file();
  EXPECT_EQ(n, 3);
  EXPECT_THROW(load_processor_files((d / "missing").string()), Error);
  fs::remove(out / "statistics.json");
  EXPECT_THROW(load_processor_files(out.string()), Error);
}
