// Request handling of the policy server (src/serve/protocol.h) against a test double of the policy.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "serve/protocol.h"
#include "serve_test_util.h"
#include "util/error.h"

using namespace groot;
using namespace groot::test;

namespace {

struct Reply {
  wire::Value v;
  std::string bytes;  // keeps the views alive
};

Reply call(const std::string& req, const serve::Handlers& h, const serve::HandleOptions& opt = {},
           serve::RequestLog* log_out = nullptr, bool* kill_out = nullptr) {
  serve::RequestLog log;
  bool kill = false;
  Reply r;
  r.bytes = serve::handle_request(req, h, opt, log, kill);
  r.v = wire::decode_msgpack(r.bytes);
  if (log_out) *log_out = log;
  if (kill_out) *kill_out = kill;
  return r;
}

std::string error_text(const Reply& r) {
  const wire::Value* e = r.v.find("error");
  return e && e->is_str() ? std::string(e->bytes) : "";
}

// A get_action request whose observation is produced by `obs`.
std::string with_observation(const std::function<void(Packer&)>& obs) {
  Packer p;
  p.map(2).str("endpoint").str("get_action").str("data").map(1).str("observation");
  obs(p);
  return p.bytes();
}

std::string f32(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * 4);
}

// Observation with every part valid except the one `mutate` replaces (key -> packer action).
std::string observation_with(const std::string& which, const std::function<void(Packer&)>& value) {
  return with_observation([&](Packer& p) {
    p.map(3);
    p.str("video").map(2);
    p.str("wrist");
    if (which == "wrist") value(p); else p.ndarray(npy("|u1", {1, 1, 2, 2, 3}, std::string(12, '\1')));
    p.str("table").ndarray(npy("|u1", {1, 1, 2, 2, 3}, std::string(12, '\1')));
    p.str("state").map(2);
    p.str("pos");
    if (which == "pos") value(p); else p.ndarray(npy("<f4", {1, 1, 3}, f32({1, 2, 3})));
    p.str("grip").ndarray(npy("<f4", {1, 1, 1}, f32({0})));
    p.str("language").map(1).str("task");
    if (which == "task") value(p); else p.array(1).array(1).str("go");
  });
}

}  // namespace

TEST(ServeProtocol, PingModalityConfigResetKill) {
  int resets = 0;
  serve::Handlers h = double_handlers(&resets);
  Reply r = call(simple_request("ping"), h);
  ASSERT_TRUE(r.v.is_map());
  EXPECT_EQ(r.v.find("status")->bytes, "ok");
  EXPECT_EQ(r.v.find("message")->bytes, "Server is running");

  r = call(simple_request("get_modality_config"), h);
  const wire::Value* video = r.v.find("video");
  ASSERT_TRUE(video && video->find("__ModalityConfig_class__"));
  EXPECT_TRUE(video->find("__ModalityConfig_class__")->boolean);
  const wire::Value* js = video->find("as_json");
  ASSERT_TRUE(js && js->is_map());
  EXPECT_EQ(js->find("modality_keys")->items[1].bytes, "table");
  EXPECT_EQ(js->find("sin_cos_embedding_keys")->type, wire::Value::Type::kNil);
  const wire::Value* ac = r.v.find("action")->find("as_json")->find("action_configs");
  ASSERT_EQ(ac->items.size(), 1u);
  EXPECT_EQ(ac->items[0].find("rep")->bytes, "RELATIVE");
  EXPECT_EQ(ac->items[0].find("state_key")->bytes, "pos");

  Packer p;
  p.map(2).str("endpoint").str("reset").str("data").map(1).str("options").nil();
  r = call(p.bytes(), h);
  EXPECT_TRUE(r.v.is_map() && r.v.entries.empty());
  EXPECT_EQ(resets, 1);

  bool kill = false;
  r = call(simple_request("kill"), h, {}, nullptr, &kill);
  EXPECT_TRUE(kill);
  EXPECT_EQ(r.v.type, wire::Value::Type::kNil);
}

TEST(ServeProtocol, GetActionReturnsThePolicysArrays) {
  serve::Handlers h = double_handlers();
  for (int64_t B : {1, 3}) {
    serve::RequestLog log;
    Reply r = call(get_action_request(B), h, {}, &log);
    ASSERT_EQ(r.v.type, wire::Value::Type::kArray) << error_text(r);
    ASSERT_EQ(r.v.items.size(), 2u);
    EXPECT_TRUE(r.v.items[1].is_map() && r.v.items[1].entries.empty());  // info {}
    wire::NdArray a = wire::decode_ndarray(*r.v.items[0].find("arm"), "arm");
    ASSERT_EQ(a.dtype, wire::DType::kFloat32);
    ASSERT_EQ(a.shape, (std::vector<int64_t>{B, 4, 3}));
    for (int64_t b = 0; b < B; ++b)
      for (int t = 0; t < 4; ++t)
        for (int d = 0; d < 3; ++d) {
          float v;
          std::memcpy(&v, a.data() + 4 * ((b * 4 + t) * 3 + d), 4);
          EXPECT_EQ(v, double_expected(b, t, d)) << b << " " << t << " " << d;
        }
    EXPECT_EQ(log.endpoint, "get_action");
    EXPECT_EQ(log.batch, B);
    EXPECT_TRUE(log.error.empty());
  }
  // endpoint defaults to get_action (upstream)
  Packer p;
  p.map(1).str("data").map(1).str("observation");
  pack_observation(p, 1);
  EXPECT_EQ(call(p.bytes(), h).v.type, wire::Value::Type::kArray);
}

TEST(ServeProtocol, TokenIsRequiredWhenSet) {
  serve::Handlers h = double_handlers();
  serve::HandleOptions opt;
  opt.api_token = "s3cret";
  EXPECT_EQ(error_text(call(simple_request("ping"), h, opt)), "Unauthorized: Invalid API token");
  EXPECT_EQ(error_text(call(simple_request("ping", "wrong"), h, opt)), "Unauthorized: Invalid API token");
  EXPECT_EQ(error_text(call(simple_request("ping", "s3cre"), h, opt)), "Unauthorized: Invalid API token");
  bool kill = true;
  serve::RequestLog log;
  EXPECT_EQ(error_text(call(simple_request("kill"), h, opt, &log, &kill)), "Unauthorized: Invalid API token");
  EXPECT_FALSE(kill);
  EXPECT_EQ(log.endpoint, "kill");  // a refused request is logged with its endpoint
  EXPECT_EQ(log.error, "Unauthorized: Invalid API token (none sent)");
  Packer p;
  p.map(2).str("endpoint").str("ping").str("api_token").i(5);
  EXPECT_EQ(error_text(call(p.bytes(), h, opt)), "Unauthorized: Invalid API token");
  EXPECT_EQ(call(simple_request("ping", "s3cret"), h, opt).v.find("status")->bytes, "ok");
  EXPECT_EQ(call(get_action_request(2, "s3cret"), h, opt).v.type, wire::Value::Type::kArray);
}

TEST(ServeProtocol, HostileRequestsGetNamedErrors) {
  serve::Handlers h = double_handlers();
  std::string deep(100, '\x91');
  deep += '\xc0';
  struct Case {
    std::string name, request, expect;
  } cases[] = {
      {"empty", "", "empty message"},
      {"not msgpack", "\xc1\xc1", "invalid byte 0xc1"},
      {"truncated", simple_request("ping").substr(0, 5), "truncated"},
      {"trailing bytes", simple_request("ping") + "\x01", "trailing bytes"},
      {"top-level list", Packer().array(1).str("ping").bytes(), "request must be a msgpack map"},
      {"endpoint int", Packer().map(1).str("endpoint").i(3).bytes(), "\"endpoint\" must be a string"},
      {"unknown endpoint", simple_request("get_actions"), "Unknown endpoint: get_actions"},
      {"endpoint control chars", simple_request("x\n\x1b[2J"), "Unknown endpoint: x\\x0a\\x1b[2J"},
      {"data a list", Packer().map(2).str("endpoint").str("get_action").str("data").array(0).bytes(),
       "\"data\" must be a map"},
      {"no observation", Packer().map(1).str("endpoint").str("get_action").bytes(), "has no \"observation\""},
      {"unexpected argument", Packer().map(2).str("endpoint").str("get_action").str("data").map(1).str("obs").nil().bytes(),
       "unexpected argument 'obs'"},
      {"options a string",
       Packer().map(2).str("endpoint").str("reset").str("data").map(1).str("options").str("x").bytes(),
       "\"options\" must be a map or nil"},
      {"observation a list", with_observation([](Packer& p) { p.array(0); }), "observation must be a map"},
      {"no video", with_observation([](Packer& p) { p.map(0); }), "observation has no \"video\""},
      {"video a list", with_observation([](Packer& p) { p.map(1).str("video").array(0); }),
       "observation.video must be a map"},
      {"missing camera", with_observation([](Packer& p) {
         p.map(3).str("video").map(1).str("wirst").nil().str("state").map(0).str("language").map(0);
       }), "observation.video has no key 'wrist' (present: 'wirst')"},
      {"video float32", observation_with("wrist", [](Packer& p) { p.ndarray(npy("<f4", {1, 1, 1, 1, 3}, f32({1, 2, 3}))); }),
       "observation.video.wrist: dtype float32, expected uint8"},
      {"video 4-D", observation_with("wrist", [](Packer& p) { p.ndarray(npy("|u1", {1, 2, 2, 3}, std::string(12, '\0'))); }),
       "expected (B, T, H, W, 3)"},
      {"video RGBA", observation_with("wrist", [](Packer& p) { p.ndarray(npy("|u1", {1, 1, 1, 3, 4}, std::string(12, '\0'))); }),
       "4 channels, expected 3"},
      {"video 2 frames", observation_with("wrist", [](Packer& p) { p.ndarray(npy("|u1", {1, 2, 1, 2, 3}, std::string(12, '\0'))); }),
       "has 2 frames, the policy takes 1"},
      {"video batch 0", observation_with("wrist", [](Packer& p) { p.ndarray(npy("|u1", {0, 1, 2, 2, 3}, "")); }),
       "batch size 0 is out of range"},
      {"batch over max", observation_with("wrist", [](Packer& p) { p.ndarray(npy("|u1", {17, 1, 1, 1, 3}, std::string(51, '\0'))); }),
       "batch size 17 is out of range (1 to 16)"},
      {"video not ndarray", observation_with("wrist", [](Packer& p) { p.array(0); }),
       "observation.video.wrist: expected a numpy array"},
      {"state float64", observation_with("pos", [](Packer& p) { p.ndarray(npy("<f8", {1, 1, 3}, std::string(24, '\0'))); }),
       "observation.state.pos: dtype float64, expected float32"},
      {"state wrong D", observation_with("pos", [](Packer& p) { p.ndarray(npy("<f4", {1, 1, 2}, f32({1, 2}))); }),
       "has D = 2, the policy's 'pos' has 3"},
      {"state NaN", observation_with("pos", [](Packer& p) { p.ndarray(npy("<f4", {1, 1, 3}, f32({1, NAN, 3}))); }),
       "at [0, 0, 1] is not finite"},
      {"state batch 2", observation_with("pos", [](Packer& p) { p.ndarray(npy("<f4", {2, 1, 3}, f32({1, 2, 3, 4, 5, 6}))); }),
       "batch size 2 differs from 1 (observation.video.wrist)"},
      {"language flat list", observation_with("task", [](Packer& p) { p.array(1).str("go"); }),
       "expected a list of exactly one string"},
      {"language two strings", observation_with("task", [](Packer& p) { p.array(1).array(2).str("a").str("b"); }),
       "a list of 2 items"},
      {"language bytes", observation_with("task", [](Packer& p) { p.array(1).array(1).bin("go"); }),
       "expected a string, got a msgpack bin"},
      {"language non-UTF-8", observation_with("task", [](Packer& p) { p.array(1).array(1).raw("\xa2\xff\xfe"); }),
       "language.task[0][0] is not valid UTF-8"},
      {"language ndarray", observation_with("task", [](Packer& p) { p.ndarray(npy("|u1", {1}, "a")); }),
       "(a numpy array; send lists of str)"},
      {"npy bad magic", observation_with("pos", [](Packer& p) { p.ndarray("NUMPY!!!!!!!"); }), "no \\x93NUMPY magic"},
      {"npy version 7", observation_with("pos", [](Packer& p) { p.ndarray(std::string("\x93NUMPY\x07\x00\x00\x00", 10)); }),
       "unsupported .npy version 7.0"},
      {"npy huge shape", observation_with("pos", [](Packer& p) {
         p.ndarray(npy("<f4", {1000000000, 1000000000, 3}, f32({1, 2, 3})));
       }), "needs 12000000000000000000 bytes of data, 12 present"},
      {"npy string dtype", observation_with("pos", [](Packer& p) { p.ndarray(npy("<U3", {1, 1, 1}, std::string(12, 'a'))); }),
       "unsupported .npy dtype '<U3'"},
      {"npy header past end", observation_with("pos", [](Packer& p) {
         p.ndarray(std::string("\x93NUMPY\x01\x00\xff\xff", 10) + "{");
       }), "header declares 65535 bytes"},
      {"as_npy a string", observation_with("pos", [](Packer& p) {
         p.map(2).str("__ndarray_class__").boolean(true).str("as_npy").str("x");
       }), "\"as_npy\" must be binary"},
      {"map of 2^32-1", std::string("\x81\xa8" "endpoint\xdf\xff\xff\xff\xff", 15), "declares more than"},
      {"array of 2^32-1", std::string("\xdd\xff\xff\xff\xff", 5), "declares more than"},
      {"bin of 4 GiB", std::string("\xc6\xff\xff\xff\xff\x00", 6), "truncated"},
      {"deep nesting", deep, "nesting deeper than"},
      {"duplicate key", Packer().map(2).str("endpoint").str("ping").str("endpoint").str("kill").bytes(), "duplicate map key"},
      {"int map key", Packer().map(1).i(1).str("ping").bytes(), "map key is not a string"},
  };
  EXPECT_GE(std::size(cases), 40u);
  for (const auto& c : cases) {
    serve::RequestLog log;
    bool kill = false;
    Reply r = call(c.request, h, {}, &log, &kill);
    std::string e = error_text(r);
    EXPECT_NE(e.find(c.expect), std::string::npos) << c.name << ": expected '" << c.expect << "' in '" << e << "'";
    EXPECT_EQ(log.error, e) << c.name;
    EXPECT_FALSE(kill) << c.name;
  }
}

TEST(ServeProtocol, PolicyExceptionsBecomeErrorReplies) {
  serve::Handlers h = double_handlers();
  h.get_action = [](const serve::Observation&) -> std::vector<serve::ActionArray> { throw std::runtime_error("CUDA out of memory"); };
  EXPECT_EQ(error_text(call(get_action_request(1), h)), "internal error: CUDA out of memory");
  h.get_action = [](const serve::Observation&) -> std::vector<serve::ActionArray> { groot::fail("state 'pos' has D 4"); };
  EXPECT_EQ(error_text(call(get_action_request(1), h)), "state 'pos' has D 4");
}

// tests/fuzz/corpus/serve/ holds requests written by Python's msgpack + np.save (the seed corpus of
// fuzz_serve_request, plus any crasher the fuzzer finds, saved as crash-<sha>): every file must get
// a decodable reply, and the get_action seeds (numpy-written .npy, C and Fortran order) must work.
TEST(ServeProtocol, FuzzCorpusAndNumpyWrittenRequests) {
  namespace fs = std::filesystem;
  // The fuzz target's modes (low bits of the last byte): 1 = flat keys, 2 = token "tok" required.
  serve::Handlers nested = double_handlers(), flat = double_handlers();
  flat.spec.flat_keys = true;
  serve::HandleOptions open, tokened;
  tokened.api_token = "tok";
  fs::path dir = fs::path(GROOT_SOURCE_DIR) / "tests/fuzz/corpus/serve";
  int n = 0, actions = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream f(e.path(), std::ios::binary);
    std::string req((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    uint8_t mode = req.empty() ? 0 : uint8_t(req.back());
    Reply r = call(req, (mode & 1) ? flat : nested, (mode & 2) ? tokened : open);
    ++n;
    if (e.path().filename().string().rfind("get_action", 0) == 0) {
      ASSERT_EQ(r.v.type, wire::Value::Type::kArray) << e.path() << ": " << error_text(r);
      const wire::Value* arm = r.v.items[0].find((mode & 1) ? "action.arm" : "arm");
      ASSERT_NE(arm, nullptr) << e.path();
      wire::NdArray a = wire::decode_ndarray(*arm, "arm");
      EXPECT_EQ(a.shape[1], 4);
      ++actions;
    }
  }
  EXPECT_GE(n, 9);
  EXPECT_GE(actions, 4);
}

// Upstream's Gr00tSimPolicyWrapper layout (run_gr00t_server.py --use-sim-policy-wrapper).
TEST(ServeProtocol, SimWrapperFlatKeys) {
  serve::Handlers h = double_handlers();
  h.spec.flat_keys = true;
  auto flat = [](const std::string& lang_key, int64_t B) {
    Packer p;
    p.map(2).str("endpoint").str("get_action").str("data").map(1).str("observation").map(5);
    std::string wrist, pos;
    for (int64_t b = 0; b < B; ++b) wrist.append(12, char(b + 1));
    for (int64_t b = 0; b < B; ++b)
      for (int d = 0; d < 3; ++d) {
        float v = float(b) + 0.25f * d;
        pos.append(reinterpret_cast<const char*>(&v), 4);
      }
    p.str("video.wrist").ndarray(npy("|u1", {B, 1, 2, 2, 3}, wrist));
    p.str("video.table").ndarray(npy("|u1", {B, 1, 2, 2, 3}, std::string(B * 12, '\7')));
    p.str("state.pos").ndarray(npy("<f4", {B, 1, 3}, pos));
    p.str("state.grip").ndarray(npy("<f4", {B, 1, 1}, std::string(B * 4, '\0')));
    p.str(lang_key).array(uint32_t(B));
    for (int64_t b = 0; b < B; ++b) p.str("pick " + std::string(size_t(b), 'x'));
    return p.bytes();
  };
  for (const std::string& lang : {std::string("task"), std::string("annotation.human.coarse_action")}) {
    Reply r = call(flat(lang, 2), h);
    ASSERT_EQ(r.v.type, wire::Value::Type::kArray) << lang << ": " << error_text(r);
    const wire::Value* arm = r.v.items[0].find("action.arm");
    ASSERT_NE(arm, nullptr);
    wire::NdArray a = wire::decode_ndarray(*arm, "arm");
    float v;
    std::memcpy(&v, a.data() + 4 * ((1 * 4 + 2) * 3 + 1), 4);
    EXPECT_EQ(v, double_expected(1, 2, 1));
  }
  EXPECT_NE(error_text(call(flat("lang", 1), h)).find("observation has no key 'task'"), std::string::npos);
  // the nested layout is an error in this mode, naming the flat key
  EXPECT_NE(error_text(call(get_action_request(1), h)).find("observation has no key 'video.wrist' (present: 'video', 'state', 'language')"),
            std::string::npos)
      << error_text(call(get_action_request(1), h));
}
