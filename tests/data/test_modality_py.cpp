// The Python modality-config reader (data/modality_py.h): the seed's file shape equals its YAML twin,
// upstream's other shapes are read, and every refused construct names file, line and construct.
#include <gtest/gtest.h>

#include "data/modality_config.h"
#include "data/modality_py.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

using namespace groot::data;

namespace {

std::string examples(const std::string& f) { return std::string(GROOT_SOURCE_DIR) + "/examples/modality/" + f; }

// Error message of parsing `text` as a .py config ("" when it parses).
std::string py_error(const std::string& text) {
  try {
    groot::test::TempDir d;
    auto p = d / "cfg.py";
    groot::write_file_atomic(p, text);
    load_modality_config(p);
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "";
}

const char* kHeader =
    "from gr00t.data.types import ActionConfig, ActionFormat, ActionRepresentation, ActionType, ModalityConfig\n"
    "from gr00t.data.embodiment_tags import EmbodimentTag\n";

std::string config_with_action(const std::string& action) {
  return std::string(kHeader) +
         "cfg = {\n"
         "  'video': ModalityConfig(delta_indices=[0], modality_keys=['ego_view']),\n"
         "  'state': ModalityConfig(delta_indices=[0], modality_keys=['left_arm', 'waist']),\n"
         "  'action': " + action + ",\n"
         "  'language': ModalityConfig(delta_indices=[0], modality_keys=['annotation.human.action.task_description']),\n"
         "}\n"
         "register_modality_config(cfg, embodiment_tag=EmbodimentTag.NEW_EMBODIMENT)\n";
}

}  // namespace

TEST(ModalityPy, SeedFileEqualsYamlTwin) {
  ModalityConfig py = load_modality_config(examples("franka_mcx_config.py"));
  ModalityConfig yaml = load_modality_config(examples("franka_mcx.yaml"));
  EXPECT_EQ(modality_config_to_json(py).dump(), modality_config_to_json(yaml).dump());
  // And the content is the seed's (seed_pipeline.md), not just "the same as the YAML".
  EXPECT_EQ(py.embodiment_tag, "new_embodiment");
  EXPECT_EQ(py.video.modality_keys, (std::vector<std::string>{"wrist", "table"}));
  EXPECT_EQ(py.state.modality_keys, (std::vector<std::string>{"eef_pos", "eef_quat", "gripper"}));
  ASSERT_EQ(py.action.delta_indices.size(), 16u);
  EXPECT_EQ(py.action.delta_indices.front(), 0);
  EXPECT_EQ(py.action.delta_indices.back(), 15);
  EXPECT_EQ(py.action_horizon(), 16);
  ASSERT_EQ(py.action.action_configs.size(), 2u);
  EXPECT_EQ(py.action.action_configs[0].rep, ActionRep::kAbsolute);
  EXPECT_EQ(py.language.modality_keys, (std::vector<std::string>{"annotation.human.task_description"}));
}

TEST(ModalityPy, UpstreamSo100ShapeWithRelativeActions) {
  // Upstream examples/SO100/so100_config.py layout: explicit multi-line delta list, a RELATIVE key,
  // module-qualified names, range(a, b), a docstring, comments and trailing commas.
  std::string text =
      "\"\"\"Config docstring.\"\"\"\n"
      "import gr00t.data.types as types\n" + std::string(kHeader) +
      "from gr00t.configs.data.embodiment_configs import (\n    register_modality_config,\n)\n\n"
      "horizon = list(range(0, 16))  # chunk\n"
      "so100 = {\n"
      "    \"video\": ModalityConfig(delta_indices=[0], modality_keys=[\"front\", \"wrist\"]),\n"
      "    \"state\": ModalityConfig(\n        delta_indices=[\n            0,\n        ],\n"
      "        modality_keys=['single_arm', 'gripper'],\n        mean_std_embedding_keys=['gripper'],\n    ),\n"
      "    \"action\": types.ModalityConfig(\n        delta_indices=horizon,\n"
      "        modality_keys=['single_arm', 'gripper'],\n        action_configs=[\n"
      "            ActionConfig(rep=ActionRepresentation.RELATIVE, type=ActionType.NON_EEF,\n"
      "                         format=ActionFormat.DEFAULT, state_key='single_arm'),\n"
      "            ActionConfig(ActionRepresentation.ABSOLUTE, ActionType.NON_EEF, ActionFormat.DEFAULT),\n"
      "        ],\n    ),\n"
      "    'language': ModalityConfig(delta_indices=[0], modality_keys=['annotation.human.task_description'],),\n"
      "}\n"
      "register_modality_config(config=so100, embodiment_tag=EmbodimentTag.SO100)\n";
  // SO100 is not an N1.6 tag: the registration parses, the tag check names it.
  auto regs = parse_modality_py(text, "so100_config.py");
  ASSERT_EQ(regs.size(), 1u);
  EXPECT_EQ(regs[0].config["embodiment_tag"], "so100");
  EXPECT_EQ(regs[0].line, 30);
  EXPECT_EQ(regs[0].config["action"]["delta_indices"].size(), 16u);
  EXPECT_EQ(regs[0].config["action"]["action_configs"][0]["rep"], "RELATIVE");
  EXPECT_EQ(regs[0].config["action"]["action_configs"][0]["state_key"], "single_arm");
  EXPECT_EQ(regs[0].config["state"]["mean_std_embedding_keys"], ojson::array({"gripper"}));
  groot::test::TempDir d;
  std::string t2 = text;
  t2.replace(t2.find("EmbodimentTag.SO100"), 19, "EmbodimentTag.NEW_EMBODIMENT");
  groot::write_file_atomic(d / "so100_config.py", t2);
  ModalityConfig c = load_modality_config(d / "so100_config.py", "NEW_EMBODIMENT");
  EXPECT_EQ(c.relative_action_keys(), (std::vector<std::string>{"single_arm"}));
  EXPECT_EQ(c.action_config("single_arm").state_key, "single_arm");
  EXPECT_EQ(c.state.mean_std_embedding_keys, (std::vector<std::string>{"gripper"}));
  try {
    load_modality_config(d / "so100_config.py", "gr1");
    ADD_FAILURE() << "no error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no config for embodiment tag \"gr1\""), std::string::npos) << e.what();
  }
}

TEST(ModalityPy, RefusedConstructsNameFileLineAndConstruct) {
  struct Case {
    std::string text;
    std::string construct;
    int line;
  };
  std::string h(kHeader);  // 2 lines
  std::vector<Case> cases = {
      {h + "for i in range(3):\n    pass\n", "a 'for' statement", 3},
      {h + "import os\nx = os.environ['A']\n", "the attribute os.environ", 4},
      {h + "x = f'{1}'\n", "an f-string", 3},
      {h + "x = [i for i in range(3)]\n", "a comprehension", 3},
      {h + "x = make_config()\n", "the call make_config()", 3},
      {h + "x = 1 + 2\n", "the operator '+'", 3},
      {h + "x = y\n", "the name 'y'", 3},
      {h + "def f():\n    return 1\n", "a 'def' statement", 3},
      {h + "x = [1,\n  2][0]\n", "a subscript", 4},
      {h + "print('hi')\n", "a 'print' statement", 3},
      {h + "x = 1; y = 2\n", "';'", 3},
      {h + "x = {**a}\n", "unpacking (**x)", 3},
      {h + "x = list(range(3))\nif x:\n  pass\n", "a 'if' statement", 4},
      {h + "x = 1 if True else 2\n", "a conditional expression", 3},
  };
  for (const auto& c : cases) {
    std::string e = py_error(c.text);
    EXPECT_NE(e.find("cfg.py:" + std::to_string(c.line) + ": " + c.construct), std::string::npos)
        << "case:\n" << c.text << "\nerror: " << e;
    EXPECT_NE(e.find("franka_mcx.yaml"), std::string::npos) << e;  // the pointer to the YAML form
  }
}

TEST(ModalityPy, ConfigErrorsNameTheKey) {
  // range() without list() is not a list: upstream's ModalityConfig rejects it too.
  EXPECT_NE(py_error(config_with_action("ModalityConfig(delta_indices=range(16), modality_keys=['left_arm'])"))
                .find("write list(range(...))"),
            std::string::npos);
  EXPECT_NE(py_error(config_with_action("ModalityConfig(delta_indices=[], modality_keys=['left_arm'])"))
                .find("delta_indices must not be empty"),
            std::string::npos);
  EXPECT_NE(py_error(config_with_action("ModalityConfig(delta_indices=list(range(3, 3)), modality_keys=['left_arm'])"))
                .find("delta_indices must not be empty"),
            std::string::npos);
  EXPECT_NE(py_error(config_with_action("ModalityConfig(delta_indices=[0], modality_keys=['left_arm'], extra=1)"))
                .find("no field \"extra\""),
            std::string::npos);
  EXPECT_NE(py_error(config_with_action(
                         "ModalityConfig(delta_indices=[0], modality_keys=['left_arm'], action_configs=["
                         "ActionConfig(rep=ActionType.EEF, type=ActionType.EEF, format=ActionFormat.DEFAULT)])"))
                .find("rep= must be an ActionRepresentation member"),
            std::string::npos);
  EXPECT_NE(py_error(std::string(kHeader) + "x = 1\n").find("no register_modality_config"), std::string::npos);

  // Against the dataset: a RELATIVE key without its state key, a key missing from meta/modality.json.
  Dataset ds = open_dataset(groot::test::fixtures_dir() + "/gr00t_robot_sim_picknplace_v20");
  auto check = [&](const std::string& action) -> std::string {
    groot::test::TempDir d;
    groot::write_file_atomic(d / "c.py", config_with_action(action));
    try {
      ModalityConfig c = load_modality_config(d / "c.py");
      validate_modality_config(c, *ds.modality, ds.info, "meta/modality.json");
    } catch (const groot::Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(check("ModalityConfig(delta_indices=list(range(16)), modality_keys=['left_arm'])"), "");
  std::string rel = check(
      "ModalityConfig(delta_indices=list(range(16)), modality_keys=['neck'], action_configs=["
      "ActionConfig(rep=ActionRepresentation.RELATIVE, type=ActionType.NON_EEF, format=ActionFormat.DEFAULT)])");
  EXPECT_NE(rel.find("action \"neck\" is RELATIVE to state \"neck\""), std::string::npos) << rel;
  std::string missing = check("ModalityConfig(delta_indices=list(range(16)), modality_keys=['left_arm', 'tail'])");
  EXPECT_NE(missing.find("\"tail\" is not in meta/modality.json"), std::string::npos) << missing;
}

TEST(ModalityPy, LiteralEdgeCases) {
  auto regs = parse_modality_py(
      "x = (1)\ny = (1,)\nz = -3\ns = 'a' \"b\" r'\\d'\nt = '''multi\nline'''\nl = [\n]\n"
      "c = {'video': ModalityConfig([0], ['a' , 'b'], None, None, None)}\n"
      "register_modality_config(c, EmbodimentTag.GR1)  # trailing comment\n",
      "edge.py");
  ASSERT_EQ(regs.size(), 1u);
  EXPECT_EQ(regs[0].line, 10);
  EXPECT_EQ(regs[0].config["video"]["modality_keys"], ojson::array({"a", "b"}));
  EXPECT_FALSE(regs[0].config["video"].contains("action_configs"));
  // Unterminated constructs are errors, not crashes.
  for (const char* bad : {"x = [1, 2\n", "x = 'abc\n", "x = '''abc", "x = )\n", "x = \\ y\n", "   x = 1\n"}) {
    EXPECT_THROW(parse_modality_py(bad, "bad.py"), groot::Error) << bad;
  }
}

// Fuzzer findings (tests/fuzz/corpus/modality_py, see docs/fuzzing.md) replayed: any input parses or
// throws groot::Error, nothing else. crash-ed9705bf...: invalid UTF-8 in a string reached a JSON dump in
// an error message (nlohmann type_error instead of groot::Error).
TEST(ModalityPy, FuzzCorpusReplays) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(std::string(GROOT_SOURCE_DIR) + "/tests/fuzz/corpus/modality_py")) {
    std::string text = groot::read_file(e.path());
    try {
      for (const auto& r : parse_modality_py(text, e.path().string())) {
        try {
          parse_modality_config(r.config, "x");
        } catch (const groot::Error&) {
        }
      }
    } catch (const groot::Error&) {
    }
    ++n;
  }
  EXPECT_GE(n, 4);
  std::string bad = "x = ['\xfe']\n";
  try {
    parse_modality_py(bad, "bad.py");
    ADD_FAILURE() << "no error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.py:1: invalid UTF-8 (byte 0xFE)"), std::string::npos) << e.what();
  }
  // The YAML path: a non-UTF-8 value in an error message is replaced, not thrown as a JSON error.
  EXPECT_THROW(parse_modality_config(yaml_to_json("state: {delta_indices: [0], modality_keys: [1, \"\xfe\"]}\n", "b.yaml"),
                                     "b.yaml"),
               groot::Error);
}
