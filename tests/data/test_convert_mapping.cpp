// Mapping files: the shipped examples parse, the built-in default equals the documented file, and
// mistakes are reported with the file and field.
#include <gtest/gtest.h>

#include "data/convert_mapping.h"
#include "util/error.h"

using namespace groot::convert;

namespace {

std::string src(const std::string& rel) { return std::string(GROOT_SOURCE_DIR) + "/" + rel; }

void expect_same_terms(const std::vector<Term>& a, const std::vector<Term>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].key, b[i].key);
    EXPECT_EQ(a[i].start, b[i].start);
    EXPECT_EQ(a[i].end, b[i].end);
    EXPECT_EQ(a[i].names, b[i].names);
  }
}

std::string error_of(const std::string& text, bool json = false) {
  try {
    parse_mapping(text, "m.yaml", json);
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "<no error>";
}

const char* kMinimal = "task: t\nstate:\n  - {name: s, key: obs/x}\naction:\n  - {name: a, key: actions}\n";

}  // namespace

TEST(Mapping, DefaultEqualsSeedDefaultFile) {
  Mapping d = default_mapping();
  Mapping f = load_mapping(src("examples/mappings/seed_default.yaml"));
  EXPECT_EQ(d.robot_type, f.robot_type);
  EXPECT_EQ(d.task, f.task);
  EXPECT_EQ(d.task, "pick up the blue block and insert it into the MCX card slot");
  EXPECT_EQ(d.fps, f.fps);
  expect_same_terms(d.state, f.state);
  expect_same_terms(d.action, f.action);
  ASSERT_EQ(d.video.size(), 2u);
  ASSERT_EQ(f.video.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(d.video[i].name, f.video[i].name);
    EXPECT_EQ(d.video[i].key, f.video[i].key);
  }
  // The seed's layout: state = eef_pos + eef_quat + gripper_pos[:, :1]; action arm [0,6) + gripper [6,7).
  EXPECT_EQ(d.state[2].key, "obs/gripper_pos");
  EXPECT_EQ(d.state[2].start, 0);
  EXPECT_EQ(d.state[2].end, 1);
  EXPECT_EQ(d.action[0].end, 6);
  EXPECT_EQ(d.action[1].start, 6);
}

TEST(Mapping, JsonAndYamlExamplesAgree) {
  Mapping y = load_mapping(src("examples/mappings/franka_stack.yaml"));
  Mapping j = load_mapping(src("examples/mappings/franka_stack.json"));
  EXPECT_EQ(y.task, "stack the cubes");
  EXPECT_EQ(y.fps, 20);
  EXPECT_EQ(j.fps, 20);
  EXPECT_TRUE(y.video.empty());
  expect_same_terms(y.state, j.state);
  expect_same_terms(y.action, j.action);
  EXPECT_EQ(y.state[3].key, "obs/joint_pos");
  EXPECT_EQ(y.state[3].end, 7);
}

TEST(Mapping, QuotedNumbersStayStrings) {
  Mapping m = parse_mapping("task: '42'\nstate:\n  - {name: s, key: obs/x}\naction:\n  - {name: a, key: actions}\n",
                            "m.yaml", false);
  EXPECT_EQ(m.task, "42");
}

TEST(Mapping, ErrorsNameFileAndField) {
  EXPECT_EQ(error_of(kMinimal), "<no error>");
  EXPECT_NE(error_of(std::string(kMinimal) + "viedo: []\n").find("m.yaml: unknown field 'viedo'"), std::string::npos);
  EXPECT_NE(error_of("task: t\naction:\n  - {name: a, key: actions}\n").find("missing required section 'state'"),
            std::string::npos);
  EXPECT_NE(error_of("state:\n  - {name: s, key: x, slice: [3, 3]}\naction:\n  - {name: a, key: actions}\n")
                .find("state[0]: 'slice' [3, 3) is empty"),
            std::string::npos);
  EXPECT_NE(error_of("state:\n  - {name: s, key: x, slice: [0]}\naction:\n  - {name: a, key: actions}\n")
                .find("'slice' must be [start, end)"),
            std::string::npos);
  EXPECT_NE(error_of("state:\n  - {name: s, key: x}\n  - {name: s, key: y}\naction:\n  - {name: a, key: actions}\n")
                .find("duplicate group name 's'"),
            std::string::npos);
  EXPECT_NE(error_of("state:\n  - {name: s, key: x, slice: [0, 2], names: [a]}\naction:\n  - {name: a, key: actions}\n")
                .find("'names' has 1 entries but slice [0, 2) has 2 columns"),
            std::string::npos);
  EXPECT_NE(error_of("state:\n  - {name: 'a/b', key: x}\naction:\n  - {name: a, key: actions}\n").find("must not contain"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "fps: 0\n").find("'fps' must be an integer in [1, 1000]"), std::string::npos);
  EXPECT_NE(error_of("{\"state\": [", true).find("m.yaml: invalid JSON"), std::string::npos);
  EXPECT_NE(error_of("state: [a, b\n").find("m.yaml: invalid YAML"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "video:\n  - {name: w}\n").find("video[0]: missing required field 'key'"),
            std::string::npos);
}
