// LeRobot v2 meta files and the modality config (data/lerobot.h, data/modality_config.h), on the
// real fixtures in tests/fixtures and on small hand-written inputs.
#include <gtest/gtest.h>

#include <fstream>

#include "data/lerobot.h"
#include "data/modality_config.h"
#include "data/stats.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using groot::test::error_of;

namespace {

using namespace groot::data;
namespace fsys = std::filesystem;

std::string fixture(const std::string& name) {
  return groot::test::fixtures_dir() + "/" + name;
}

#define EXPECT_ERROR_HAS(expr, needle)                                  \
  do {                                                                  \
    std::string _m = error_of([&] { (void)(expr); });                   \
    EXPECT_NE(_m.find(needle), std::string::npos) << "message: " << _m; \
  } while (0)

TEST(LeRobotMeta, PathTemplates) {
  const std::string data = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet";
  EXPECT_EQ(format_path_template(data, 0, 7), "data/chunk-000/episode_000007.parquet");
  EXPECT_EQ(format_path_template(data, 12, 12345), "data/chunk-012/episode_012345.parquet");
  EXPECT_EQ(format_path_template(data, 1, 1234567),
            "data/chunk-001/episode_1234567.parquet");  // wider than 6
  EXPECT_EQ(
      format_path_template("videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4", 0,
                           3, "observation.images.wrist"),
      "videos/chunk-000/observation.images.wrist/episode_000003.mp4");
  EXPECT_EQ(format_path_template("e{episode_index}_{{x}}", 0, 42), "e42_{x}");
  EXPECT_ERROR_HAS(format_path_template("{file_index:03d}", 0, 0), "unknown placeholder {file_index}");
  EXPECT_ERROR_HAS(format_path_template("{episode_index:x}", 0, 0), "unsupported format spec");
  EXPECT_ERROR_HAS(format_path_template("{episode_index", 0, 0), "unterminated");
}

TEST(LeRobotMeta, RobotSimFixtureV20) {
  Dataset ds = open_dataset(fixture("gr00t_robot_sim_picknplace_v20"));
  EXPECT_EQ(ds.info.codebase_version, "v2.0");
  EXPECT_EQ(ds.info.fps, 20.0);
  EXPECT_EQ(ds.info.robot_type, "GR1ArmsOnly");
  ASSERT_EQ(ds.episodes.size(), 5u);
  EXPECT_EQ(ds.total_frames(), 2096);
  EXPECT_EQ(ds.episodes[4].length, 328);
  EXPECT_EQ(ds.episodes[0].tasks.size(), 2u);
  EXPECT_EQ(ds.task_map.at(1), "valid");
  // feature order is the file's order, not alphabetical
  ASSERT_EQ(ds.info.features.size(), 12u);
  EXPECT_EQ(ds.info.features[0].key, "observation.images.egoview");
  EXPECT_EQ(ds.info.features[2].key, "observation.state");
  EXPECT_EQ(ds.info.features[2].dim(), 44);
  const Feature* cam = ds.info.find("observation.images.ego_view");
  ASSERT_TRUE(cam && cam->is_video());
  EXPECT_TRUE(cam->video.present);
  EXPECT_EQ(cam->video.source, "video_info");
  EXPECT_EQ(cam->video.codec, "h264");
  EXPECT_EQ(cam->video.fps, 20.0);
  EXPECT_EQ(ds.info.video_keys().size(), 2u);
  EXPECT_EQ(n16_stats_features(ds.info),
            (std::vector<std::string>{"observation.state", "action", "timestamp", "next.reward"}));
  EXPECT_EQ(ds.parquet_path(3),
            fsys::path(fixture("gr00t_robot_sim_picknplace_v20")) / "data/chunk-000/episode_000003.parquet");
  ASSERT_TRUE(ds.modality.has_value());
  const ModalityMeta& m = *ds.modality;
  ASSERT_EQ(m.state.size(), 8u);
  EXPECT_EQ(m.state[4].name, "right_arm");
  EXPECT_EQ(m.state[4].start, 22);
  EXPECT_EQ(m.state[4].end, 29);
  EXPECT_EQ(m.state[4].original_key, "observation.state");
  EXPECT_EQ(m.action[0].original_key, "action");
  EXPECT_EQ(m.video[0].original_key, "observation.images.ego_view");
  ASSERT_EQ(m.annotation.size(), 3u);
  EXPECT_EQ(m.annotation[0].original_key, "annotation.human.action.task_description");  // default
  EXPECT_EQ(m.annotation[2].name, "human.coarse_action");
  EXPECT_EQ(m.annotation[2].original_key, "annotation.human.action.task_description");
  ASSERT_TRUE(ds.stats.has_value());
  EXPECT_FALSE(ds.relative_stats.has_value());
}

TEST(LeRobotMeta, N16MetaFixturesParse) {
  Dataset c2b = open_dataset(fixture("gr00t_n16_meta_cube_to_bowl_5"));
  EXPECT_EQ(c2b.info.codebase_version, "v2.1");
  EXPECT_EQ(c2b.info.total_chunks, 0);
  const Feature* wrist = c2b.info.find("observation.images.wrist");
  ASSERT_TRUE(wrist);
  EXPECT_EQ(wrist->video.source, "info");
  EXPECT_EQ(wrist->video.codec, "av1");
  EXPECT_EQ(wrist->video.height, 480);
  EXPECT_EQ(wrist->video.width, 640);
  EXPECT_EQ(wrist->video.channels, 3);
  ASSERT_TRUE(c2b.modality);
  EXPECT_EQ(c2b.modality->annotation[0].original_key, "task_index");
  ASSERT_TRUE(c2b.relative_stats);
  EXPECT_EQ((*c2b.relative_stats)["single_arm"]["max"].size(), 16u);
  EXPECT_EQ((*c2b.relative_stats)["single_arm"]["max"][0].size(), 5u);
  EXPECT_TRUE(stats_complete(*c2b.stats, n16_stats_features(c2b.info)));

  Dataset gr1 = open_dataset(fixture("gr00t_n16_meta_gr1_picknplace"));
  ASSERT_TRUE(gr1.modality);
  EXPECT_EQ(gr1.modality->video[0].name, "ego_view_bg_crop_pad_res256_freq20");
  EXPECT_EQ(gr1.modality->video[0].original_key, "observation.images.ego_view");
  EXPECT_TRUE(stats_complete(*gr1.stats, n16_stats_features(gr1.info)));
  // The N1.6 stats.json has exactly the float features, in info.json order.
  std::vector<std::string> keys;
  for (auto it = gr1.stats->begin(); it != gr1.stats->end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, n16_stats_features(gr1.info));
}

// What stats.h writes has the structure (key order, nesting) of the N1.6 fixtures.
TEST(LeRobotMeta, StatsJsonStructureMatchesN16Fixtures) {
  Dataset gr1 = open_dataset(fixture("gr00t_n16_meta_gr1_picknplace"));
  FeatureStats f;
  f.key = "observation.state";
  f.dim = 2;
  f.mean = f.std = f.min = f.max = {1.f, 2.f};
  f.q01 = f.q99 = {1.0, 2.0};
  ojson j = stats_to_json({f});
  std::vector<std::string> ours, theirs;
  for (auto it = j["observation.state"].begin(); it != j["observation.state"].end(); ++it)
    ours.push_back(it.key());
  const ojson& fx = (*gr1.stats)["observation.state"];
  for (auto it = fx.begin(); it != fx.end(); ++it) theirs.push_back(it.key());
  EXPECT_EQ(ours, theirs);

  RelativeStats r;
  r.key = "left_arm";
  r.horizon = 2;
  r.dim = 3;
  r.max = r.min = r.mean = r.std = std::vector<float>(6, 0.5f);
  r.q01 = r.q99 = std::vector<double>(6, 0.5);
  ojson rj = relative_stats_to_json({r});
  ours.clear();
  theirs.clear();
  for (auto it = rj["left_arm"].begin(); it != rj["left_arm"].end(); ++it) ours.push_back(it.key());
  const ojson& rfx = (*gr1.relative_stats)["left_arm"];
  for (auto it = rfx.begin(); it != rfx.end(); ++it) theirs.push_back(it.key());
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(rj["left_arm"]["mean"].size(), 2u);
  EXPECT_EQ(rj["left_arm"]["mean"][0].size(), 3u);
  // json.dump(indent=4) layout: one number per line, 4-space indent
  std::string text = dump_stats_json(rj);
  EXPECT_NE(text.find("{\n    \"left_arm\": {\n        \"max\": [\n            [\n                0.5,"),
            std::string::npos)
      << text.substr(0, 200);
  r.mean[0] = NAN;
  EXPECT_ERROR_HAS(dump_stats_json(relative_stats_to_json({r})), "not finite");
}

TEST(LeRobotMeta, InfoErrorsArePrecise) {
  auto info = [](const std::string& s) { return parse_info(parse_json_text(s, "info.json"), "info.json"); };
  const std::string ok_tail =
      R"("chunks_size": 1000, "fps": 30, "data_path": "d/{episode_index}.parquet", "features": {})";
  EXPECT_NO_THROW(info(R"({"codebase_version": "v2.1", )" + ok_tail + "}"));
  EXPECT_ERROR_HAS(info(R"({"codebase_version": "v3.0", )" + ok_tail + "}"), "convert_v3_to_v2.py");
  EXPECT_ERROR_HAS(info(R"({"codebase_version": "v1.6", )" + ok_tail + "}"), "not supported");
  EXPECT_ERROR_HAS(info(R"({"codebase_version": "v2.1", "chunks_size": 1000, "fps": 30, "features": {}})"),
                   "missing field \"data_path\"");
  EXPECT_ERROR_HAS(
      info(
          R"({"codebase_version": "v2.1", "chunks_size": 1000, "fps": -1, "data_path": "x", "features": {}})"),
      "fps must be > 0");
  EXPECT_ERROR_HAS(
      info(
          R"({"codebase_version": "v2.1", "chunks_size": "many", "fps": 30, "data_path": "x", "features": {}})"),
      "\"chunks_size\" must be an integer");
  EXPECT_ERROR_HAS(info(R"({"codebase_version": "v2.1", "chunks_size": 1, "fps": 30, "data_path": "x",
                            "features": {"a": {"dtype": "float32", "shape": "6"}}})"),
                   "features[\"a\"]: \"shape\" must be a non-empty list");
  EXPECT_ERROR_HAS(info(R"({"codebase_version": "v2.1", "chunks_size": 1, "fps": 30, "data_path": "x",
                            "features": {"a/b": {"dtype": "float32", "shape": [1]}}})"),
                   "must not contain '/'");
  EXPECT_ERROR_HAS(parse_json_text("{\"a\": ", "meta/info.json"), "meta/info.json: invalid JSON");
}

TEST(LeRobotMeta, JsonlErrorsNameTheLine) {
  auto eps = parse_episodes_jsonl(
      "{\"episode_index\": 0, \"tasks\": [\"a\"], \"length\": 3}\n\n"
      "{\"episode_index\": 1, \"length\": 5}\r\n",
      "episodes.jsonl");
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[1].length, 5);
  EXPECT_ERROR_HAS(parse_episodes_jsonl("{\"episode_index\": 0, \"length\": 3}\n{\"episode_index\": 1}\n",
                                        "episodes.jsonl"),
                   "episodes.jsonl:2: missing field \"length\"");
  EXPECT_ERROR_HAS(parse_episodes_jsonl("{\"episode_index\": 0, \"length\": 3}\nnot json\n", "e.jsonl"),
                   "e.jsonl:2: invalid JSON");
  EXPECT_ERROR_HAS(parse_tasks_jsonl("{\"task_index\": 0}\n", "tasks.jsonl"),
                   "tasks.jsonl:1: missing field \"task\"");
  EXPECT_ERROR_HAS(
      parse_modality_meta(parse_json_text(R"({"state": {"arm": {"start": 5, "end": 2}}})", "m"), "m"),
      "m: state.arm: invalid range [5:2)");
  EXPECT_ERROR_HAS(parse_modality_meta(parse_json_text(R"({"states": {}})", "m"), "m"),
                   "unknown top-level key \"states\"");
}

TEST(LeRobotMeta, EpisodesStatsJsonl) {
  auto es = parse_episodes_stats_jsonl(
      "{\"episode_index\": 0, \"stats\": {\"action\": {\"min\": [0.0], \"max\": [1.0], \"mean\": [0.5], "
      "\"std\": [0.1], \"count\": [441]}}}\n",
      "episodes_stats.jsonl");
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].stats["action"]["count"][0].get<int>(), 441);
  EXPECT_ERROR_HAS(parse_episodes_stats_jsonl("{\"episode_index\": 0, \"stats\": {\"a\": {\"min\": [0]}}}\n", "es.jsonl"),
                   "es.jsonl:1: stats[\"a\"] has no \"max\"");
}

TEST(LeRobotMeta, OpenDatasetErrors) {
  groot::test::TempDir tmp;
  EXPECT_ERROR_HAS(open_dataset(tmp / "nope"), "not a directory");
  EXPECT_ERROR_HAS(open_dataset(tmp.path), "meta/info.json: missing");
  fsys::create_directories(tmp / "meta");
  groot::write_file_atomic(
      tmp / "meta/info.json",
      R"({"codebase_version": "v2.1", "chunks_size": 1000, "fps": 30, "data_path": "x", "features": {}})");
  EXPECT_ERROR_HAS(open_dataset(tmp.path), "episodes.jsonl: missing");
  groot::write_file_atomic(tmp / "meta/episodes.jsonl", "{\"episode_index\": 0, \"length\": 1}\n");
  groot::write_file_atomic(tmp / "meta/tasks.jsonl",
                           "{\"task_index\": 0, \"task\": \"a\"}\n{\"task_index\": 0, \"task\": \"b\"}\n");
  EXPECT_ERROR_HAS(open_dataset(tmp.path), "task_index 0 appears more than once");
  groot::write_file_atomic(tmp / "meta/tasks.jsonl", "{\"task_index\": 0, \"task\": \"a\"}\n");
  Dataset ds = open_dataset(tmp.path);
  EXPECT_FALSE(ds.modality);
  EXPECT_ERROR_HAS(ds.require_modality(), "modality.json: missing");
}

// --- modality config ------------------------------------------------------------------------------

TEST(ModalityConfig, FrankaMcxExampleSaysWhatTheSeedSays) {
  ModalityConfig c =
      load_modality_config(std::string(GROOT_SOURCE_DIR) + "/examples/modality/franka_mcx.yaml");
  EXPECT_EQ(c.embodiment_tag, "new_embodiment");
  EXPECT_EQ(c.video.modality_keys, (std::vector<std::string>{"wrist", "table"}));
  EXPECT_EQ(c.video.delta_indices, std::vector<int>{0});
  EXPECT_EQ(c.state.modality_keys, (std::vector<std::string>{"eef_pos", "eef_quat", "gripper"}));
  EXPECT_EQ(c.state.delta_indices, std::vector<int>{0});
  EXPECT_EQ(c.action.modality_keys, (std::vector<std::string>{"arm", "gripper"}));
  ASSERT_EQ(c.action.delta_indices.size(), 16u);
  EXPECT_EQ(c.action.delta_indices.front(), 0);
  EXPECT_EQ(c.action.delta_indices.back(), 15);
  EXPECT_EQ(c.action_horizon(), 16);
  ASSERT_EQ(c.action.action_configs.size(), 2u);
  for (const auto& a : c.action.action_configs) {
    EXPECT_EQ(a.rep, ActionRep::kAbsolute);
    EXPECT_EQ(a.type, ActionType::kNonEef);
    EXPECT_EQ(a.format, ActionFormat::kDefault);
  }
  EXPECT_TRUE(c.relative_action_keys().empty());
  EXPECT_EQ(c.language.modality_keys, std::vector<std::string>{"annotation.human.task_description"});
  // JSON round trip gives the same config
  ModalityConfig c2 = parse_modality_config(modality_config_to_json(c), "roundtrip");
  EXPECT_EQ(modality_config_to_json(c2).dump(), modality_config_to_json(c).dump());
}

TEST(ModalityConfig, JsonAndYamlSpellings) {
  groot::test::TempDir tmp;
  groot::write_file_atomic(tmp / "c.json", R"({
    "state": {"delta_indices": [0], "modality_keys": ["single_arm", "gripper"]},
    "action": {"delta_indices": [0,1,2,3], "modality_keys": ["single_arm", "gripper"],
               "action_configs": [{"rep": "RELATIVE", "type": "NON_EEF", "format": "DEFAULT"},
                                  {"rep": "absolute", "type": "non_eef", "format": "default"}]},
    "language": {"delta_indices": [0], "modality_keys": ["annotation.human.task_description"]}})");
  ModalityConfig c = load_modality_config(tmp / "c.json");
  EXPECT_EQ(c.relative_action_keys(), std::vector<std::string>{"single_arm"});
  EXPECT_EQ(c.action_horizon(), 4);
  EXPECT_FALSE(c.video.present);
  groot::write_file_atomic(
      tmp / "c.yaml",
      "action:\n  delta_indices: range(2, 8, 2)\n  modality_keys: [a]\n"
      "  action_configs:\n    - rep: RELATIVE\n      type: EEF\n      format: XYZ_ROT6D\n"
      "      state_key: 'eef'\n"
      "state: {delta_indices: [0], modality_keys: [eef], mean_std_embedding_keys: [eef]}\n");
  ModalityConfig y = load_modality_config(tmp / "c.yaml");
  EXPECT_EQ(y.action.delta_indices, (std::vector<int>{2, 4, 6}));
  EXPECT_EQ(y.action.action_configs[0].type, ActionType::kEef);
  EXPECT_EQ(y.action.action_configs[0].format, ActionFormat::kXyzRot6d);
  EXPECT_EQ(y.action.action_configs[0].state_key, "eef");
  EXPECT_EQ(y.state.mean_std_embedding_keys, std::vector<std::string>{"eef"});
  // missing action_configs -> ABSOLUTE per key (Config.validate)
  ModalityConfig d = parse_modality_config(
      parse_json_text(R"({"action": {"delta_indices": [0], "modality_keys": ["a", "b"]}})", "x"), "x");
  ASSERT_EQ(d.action.action_configs.size(), 2u);
  EXPECT_EQ(d.action.action_configs[1].rep, ActionRep::kAbsolute);
}

TEST(ModalityConfig, BadConfigsExplainThemselves) {
  auto parse = [](const std::string& s) {
    return parse_modality_config(parse_json_text(s, "cfg.json"), "cfg.json");
  };
  EXPECT_ERROR_HAS(parse(R"({"vision": {}})"), "unknown top-level key \"vision\"");
  EXPECT_ERROR_HAS(parse(R"({"state": {"delta_indices": [0]}})"), "cfg.json: state: missing modality_keys");
  EXPECT_ERROR_HAS(parse(R"({"state": {"delta_indices": [0], "modality_keys": ["a"], "delta": 1}})"),
                   "unknown field \"delta\"");
  EXPECT_ERROR_HAS(parse(R"({"language": {"delta_indices": [0], "modality_keys": ["a", "b"]}})"),
                   "language must have exactly one modality key");
  EXPECT_ERROR_HAS(parse(R"({"language": {"delta_indices": [0, 1], "modality_keys": ["a"]}})"),
                   "language.delta_indices must be [0]");
  EXPECT_ERROR_HAS(parse(R"({"action": {"delta_indices": [0], "modality_keys": ["a", "b"],
                                        "action_configs": [{"rep": "relative"}]}})"),
                   "action_configs has 1 entries but action has 2 modality_keys");
  EXPECT_ERROR_HAS(parse(R"({"action": {"delta_indices": [0], "modality_keys": ["a"],
                                        "action_configs": [{"rep": "relativ"}]}})"),
                   "cfg.json: action.action_configs[0].rep: unknown value \"relativ\"");
  EXPECT_ERROR_HAS(
      parse(R"({"state": {"delta_indices": [0], "modality_keys": ["a"], "sin_cos_embedding_keys": ["b"]}})"),
      "embedding key \"b\" is not one of its modality_keys");
  EXPECT_ERROR_HAS(parse(R"J({"action": {"delta_indices": "range(x)", "modality_keys": ["a"]}})J"),
                   "bad range expression");
  EXPECT_ERROR_HAS(parse(R"({"action": {"delta_indices": [-1, 0], "modality_keys": ["a"]}})"),
                   "negative delta index -1");
  EXPECT_ERROR_HAS(parse(R"({"embodiment_tag": "robot9000"})"),
                   "embodiment_tag \"robot9000\" is not a GR00T N1.6 tag");
  EXPECT_ERROR_HAS(load_modality_config("/nonexistent/cfg.yaml"), "file not found");
  groot::test::TempDir tmp;
  groot::write_file_atomic(tmp / "bad.yaml", "state: [unclosed\n");
  EXPECT_ERROR_HAS(load_modality_config(tmp / "bad.yaml"), "invalid YAML");
  // A .py config is read without Python (data/modality_py.h); one that registers nothing says so.
  groot::write_file_atomic(tmp / "cfg.py", "x = 1\n");
  EXPECT_ERROR_HAS(load_modality_config(tmp / "cfg.py"), "no register_modality_config(...) call");
}

TEST(ModalityConfig, DefaultFromModalityJson) {
  Dataset ds = open_dataset(fixture("gr00t_robot_sim_picknplace_v20"));
  ModalityConfig c = default_modality_config(*ds.modality);
  EXPECT_EQ(c.video.modality_keys, std::vector<std::string>{"ego_view"});
  EXPECT_EQ(c.state.modality_keys.size(), 8u);
  EXPECT_EQ(c.state.delta_indices, std::vector<int>{0});
  EXPECT_EQ(c.action.modality_keys.size(), 8u);
  EXPECT_EQ(c.action_horizon(), 16);
  EXPECT_TRUE(c.relative_action_keys().empty());
  EXPECT_EQ(c.language.modality_keys, std::vector<std::string>{"annotation.human.action.task_description"});
  EXPECT_NO_THROW(validate_modality_config(c, *ds.modality, ds.info, "meta/modality.json"));
  Dataset c2b = open_dataset(fixture("gr00t_n16_meta_cube_to_bowl_5"));
  ModalityConfig c2 = default_modality_config(*c2b.modality);
  EXPECT_EQ(c2.language.modality_keys, std::vector<std::string>{"annotation.human.task_description"});
  EXPECT_EQ(c2.video.modality_keys, (std::vector<std::string>{"front", "wrist"}));
}

TEST(ModalityConfig, ValidationAgainstDataset) {
  Dataset ds = open_dataset(fixture("gr00t_robot_sim_picknplace_v20"));
  auto check = [&](const std::string& s) {
    validate_modality_config(parse_modality_config(parse_json_text(s, "cfg.json"), "cfg.json"), *ds.modality,
                             ds.info, "meta/modality.json");
  };
  EXPECT_ERROR_HAS(check(R"({"state": {"delta_indices": [0], "modality_keys": ["left_arm", "tail"]}})"),
                   "state key \"tail\" is not in meta/modality.json \"state\" (has: left_arm, left_hand");
  EXPECT_ERROR_HAS(check(R"({"video": {"delta_indices": [0], "modality_keys": ["wrist"]}})"),
                   "video key \"wrist\" is not in meta/modality.json \"video\" (has: ego_view)");
  EXPECT_ERROR_HAS(
      check(
          R"({"language": {"delta_indices": [0], "modality_keys": ["annotation.human.task_description"]}})"),
      "needs \"human.task_description\" in meta/modality.json \"annotation\"");
  EXPECT_ERROR_HAS(
      check(R"({"state": {"delta_indices": [0], "modality_keys": ["left_arm"]},
                            "action": {"delta_indices": [0, 1], "modality_keys": ["left_hand"],
                                       "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default"}]}})"),
      "action \"left_hand\" is RELATIVE to state \"left_hand\", which is not one of the state modality_keys");
  EXPECT_ERROR_HAS(check(R"({"state": {"delta_indices": [0], "modality_keys": ["left_arm"]},
                            "action": {"delta_indices": [0, 1], "modality_keys": ["left_hand"],
                                       "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default",
                                                           "state_key": "left_arm"}]}})"),
                   "RELATIVE action \"left_hand\" has 6 dims but its reference state \"left_arm\" has 7");
  EXPECT_ERROR_HAS(check(R"({"state": {"delta_indices": [0, 1], "modality_keys": ["left_arm"]},
                            "action": {"delta_indices": [0, 1], "modality_keys": ["left_arm"],
                                       "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default"}]}})"),
                   "state.delta_indices[-1] (1) == action.delta_indices[0] (0)");
  EXPECT_NO_THROW(check(R"J({"state": {"delta_indices": [0], "modality_keys": ["left_arm"]},
                           "action": {"delta_indices": "range(16)", "modality_keys": ["left_arm", "waist"],
                                      "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default"},
                                                         {"rep": "absolute", "type": "non_eef", "format": "default"}]},
                           "language": {"delta_indices": [0], "modality_keys": ["annotation.human.coarse_action"]}})J"));
  // A modality.json range past the column width is caught.
  ModalityMeta bad = *ds.modality;
  bad.state[7].end = 45;
  EXPECT_ERROR_HAS(validate_modality_config(default_modality_config(bad), bad, ds.info, "meta/modality.json"),
                   "state.waist range [41:45) exceeds \"observation.state\" which has 44 values per row");
}

}  // namespace
