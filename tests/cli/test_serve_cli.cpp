// `groot serve` driven by tools/groot_client.py (tests/cli/serve_check.py) on 127.0.0.1, with the
// tiny golden model behind it: actions equal to the policy's own, hostile requests, tokens, the
// size limit, two clients, kill and SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include "groot/build_config.h"
#include "policy/policy.h"
#include "policy_test_util.h"
#include "test_util.h"

#if GROOT_HAVE_ZMQ
#include "serve/wire.h"
#endif

namespace fs = std::filesystem;
using namespace groot;
using groot::test::TempDir;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A `groot serve` child process (its output in `log`), killed on destruction if still running.
struct ServeProcess {
  pid_t pid = -1;
  fs::path log;
  int port = 0;
  int status = -1;

  ServeProcess(const std::string& args, const fs::path& log_path) : log(log_path) {
    std::string cmd = "exec " + test::groot_binary() + " serve " + args + " >" + log.string() + " 2>&1";
    pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~ServeProcess() {
    if (pid > 0 && status < 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  // Waits for "listening on tcp://127.0.0.1:PORT"; false if the process exits or 120 s pass.
  bool wait_listening() {
    std::regex re("listening on tcp://127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 6000; ++i) {
      std::smatch m;
      std::string s = read_file(log);
      if (std::regex_search(s, m, re)) {
        port = std::stoi(m[1]);
        return true;
      }
      if (poll_exit()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  bool poll_exit() {
    if (status >= 0) return true;
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      status = st;
      return true;
    }
    return false;
  }
  // Exit code after waiting up to `seconds`; -1 when still running, 128 + N when killed by N.
  int wait_exit(int seconds) {
    for (int i = 0; i < seconds * 50 && !poll_exit(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (status < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// A Python 3 with zmq, msgpack and numpy (Debian's; scripts/setup.sh installs the modules).
std::string python() {
  for (const char* p : {"/usr/bin/python3", "python3"})
    if (test::run_cmd(std::string(p) + " -c 'import zmq, msgpack, numpy'").exit_code == 0) return p;
  return "";
}

std::string check_script() { return std::string(GROOT_SOURCE_DIR) + "/tests/cli/serve_check.py"; }

// The tiny golden model with the cube_to_bowl_5 embodiment (cameras front + wrist, state
// single_arm (5) + gripper (1)), made once per test binary run.
const fs::path& checkpoint() {
  static TempDir dir;
  static fs::path ckpt = [] {
    fs::path c = dir.path / "ckpt";
    test::make_tiny_checkpoint(c, fs::path(test::fixtures_dir()) / "gr00t_n16_meta_cube_to_bowl_5");
    return c;
  }();
  return ckpt;
}

}  // namespace

#if GROOT_HAVE_ZMQ

TEST(ServeCli, ClientSessionGetsThePolicysActionsAndSurvivesHostileRequests) {
  std::string py = python();
  ASSERT_FALSE(py.empty()) << "no python3 with zmq, msgpack and numpy (scripts/setup.sh installs them)";
  TempDir tmp;
  ServeProcess srv(checkpoint().string() + " --embodiment-tag new_embodiment --device cpu --port 0 --max-request-mb 1 --max-batch 8 --seed 3",
                   tmp / "serve.log");
  ASSERT_TRUE(srv.wait_listening()) << read_file(srv.log);
  test::CmdResult r = test::run_cmd("timeout 300 " + py + " " + check_script() + " --port " + std::to_string(srv.port) +
                                    " --pid " + std::to_string(srv.pid) +
                                    " --state-dims single_arm=5,gripper=1 --max-request-bytes 1048576 --kill --out " +
                                    tmp.path.string());
  EXPECT_EQ(r.exit_code, 0) << r.output << "\n--- server log:\n" << read_file(srv.log);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("OK hostile requests: ([0-9]+) error replies"))) << r.output;
  EXPECT_GE(std::stoi(m[1]), 20);
  EXPECT_NE(r.output.find("OK oversize request"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OK two clients in turn"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OK kill"), std::string::npos) << r.output;
  EXPECT_EQ(srv.wait_exit(30), 0) << read_file(srv.log);
  std::string log = read_file(srv.log);
  EXPECT_NE(log.find("stopped by kill"), std::string::npos) << log;
  // one line per request with endpoint, batch and latency
  EXPECT_TRUE(std::regex_search(log, std::regex("get_action B=2 [0-9.]+ ms ok"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("\\? [0-9.]+ ms error: msgpack: invalid byte 0xc1"))) << log;

  // The first get_action's reply equals the policy run in-process on the same observation, with
  // the same seed (its first call too): the server adds nothing and loses nothing.
  std::string req = read_file(tmp / "request.msgpack"), rep = read_file(tmp / "reply.msgpack");
  wire::Value rq = wire::decode_msgpack(req), rp = wire::decode_msgpack(rep);
  const wire::Value& obs = *rq.find("data")->find("observation");
  policy::Observation o;
  for (const char* mod : {"video", "state"})
    for (const auto& [k, v] : obs.find(mod)->entries) {
      wire::NdArray a = wire::decode_ndarray(v, k);
      policy::Array x;
      x.dtype = wire::dtype_name(a.dtype);
      x.shape = a.shape;
      x.data.assign(reinterpret_cast<const uint8_t*>(a.data()), reinterpret_cast<const uint8_t*>(a.data()) + a.nbytes());
      (std::string(mod) == "video" ? o.video : o.state)[std::string(k)] = x;
    }
  for (const auto& [k, v] : obs.find("language")->entries)
    for (const auto& item : v.items) o.language[std::string(k)].push_back({std::string(item.items[0].bytes)});
  policy::PolicyOptions po;
  po.device = "cpu";
  po.seed = 3;
  policy::Policy pol(checkpoint().string(), "new_embodiment", po);
  policy::ArrayMap expect = pol.get_action(o);
  ASSERT_EQ(rp.type, wire::Value::Type::kArray);
  const wire::Value& got = rp.items[0];
  ASSERT_EQ(got.entries.size(), expect.size());
  for (const auto& [k, e] : expect) {
    ASSERT_NE(got.find(k), nullptr) << k;
    wire::NdArray a = wire::decode_ndarray(*got.find(k), k);
    ASSERT_EQ(a.dtype, wire::DType::kFloat32) << k;
    ASSERT_EQ(a.shape, e.shape) << k;
    const float* ev = e.f32();
    double max_diff = 0, max_abs = 0;
    for (int64_t i = 0; i < e.numel(); ++i) {
      float g;
      std::memcpy(&g, a.data() + 4 * i, 4);
      max_diff = std::max(max_diff, double(std::fabs(g - ev[i])));
      max_abs = std::max(max_abs, double(std::fabs(ev[i])));
    }
    EXPECT_EQ(max_diff, 0.0) << k << ": server and in-process policy differ (max |x| " << max_abs << ")";
  }
}

TEST(ServeCli, TokenIsEnforcedAndSigtermStopsCleanly) {
  std::string py = python();
  ASSERT_FALSE(py.empty()) << "no python3 with zmq, msgpack and numpy (scripts/setup.sh installs them)";
  TempDir tmp;
  std::ofstream(tmp / "token.txt") << "t0k-3n\n";
  {
    ServeProcess srv(checkpoint().string() + " --embodiment-tag new_embodiment --device cpu --port 0 --api-token-file " +
                         (tmp / "token.txt").string(),
                     tmp / "token.log");
    ASSERT_TRUE(srv.wait_listening()) << read_file(srv.log);
    EXPECT_NE(read_file(srv.log).find("(API token required)"), std::string::npos);
    test::CmdResult r = test::run_cmd("timeout 120 " + py + " " + check_script() + " --port " +
                                      std::to_string(srv.port) + " --token-mode t0k-3n");
    EXPECT_EQ(r.exit_code, 0) << r.output << "\n--- server log:\n" << read_file(srv.log);
    for (const char* c : {"OK refused: missing token", "OK refused: wrong token", "OK refused: token prefix",
                          "OK accepted: right token", "OK kill with token"})
      EXPECT_NE(r.output.find(c), std::string::npos) << c << "\n" << r.output;
    EXPECT_EQ(srv.wait_exit(30), 0) << read_file(srv.log);
    EXPECT_NE(read_file(srv.log).find("Unauthorized: Invalid API token (none sent)"), std::string::npos);
  }
  {
    ServeProcess srv(checkpoint().string() + " --embodiment-tag new_embodiment --device cpu --port 0", tmp / "term.log");
    ASSERT_TRUE(srv.wait_listening()) << read_file(srv.log);
    test::CmdResult r = test::run_cmd("timeout 60 " + py + " " + std::string(GROOT_SOURCE_DIR) +
                                      "/tools/groot_client.py --port " + std::to_string(srv.port) + " ping");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("ok"), std::string::npos);
    kill(srv.pid, SIGTERM);
    EXPECT_EQ(srv.wait_exit(30), 0) << read_file(srv.log);
    EXPECT_NE(read_file(srv.log).find("stopped by SIGTERM after 1 requests"), std::string::npos) << read_file(srv.log);
  }
}

TEST(ServeCli, FlagErrorsAndExposureWarning) {
  TempDir tmp;
  test::CmdResult r = test::run_groot("serve /nonexistent/ckpt --host 0.0.0.0 --port 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("warning: binding 0.0.0.0 without an API token"), std::string::npos) << r.output;
  std::ofstream(tmp / "empty.txt") << "\n";
  r = test::run_groot("serve " + checkpoint().string() + " --api-token-file " + (tmp / "empty.txt").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("the first line is empty"), std::string::npos) << r.output;
  r = test::run_groot("serve " + checkpoint().string() + " --api-token a --api-token-file " + (tmp / "empty.txt").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("excludes"), std::string::npos) << r.output;
  r = test::run_groot("serve");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("give the checkpoint folder"), std::string::npos) << r.output;
}

#else

TEST(ServeCli, SaysItWasNotCompiledIn) {
  test::CmdResult r = test::run_groot("serve ckpt");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("the policy server was not compiled in"), std::string::npos) << r.output;
}

#endif
