// groot convert on the command line: a file of another layout gets --mapping advice (with the
// datasets it has) before --skip-invalid; SIGTERM / SIGINT remove the staging folder.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "data/synth.h"
#include "data/video.h"
#include "convert_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
namespace h5 = groot::h5;
using groot::test::run_groot;
using groot::test::TempDir;

namespace {

using namespace groot::test::convert;

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

extern "C" char** environ;

// Starts `groot convert ...` (output to log), waits until the staging folder holds the first
// episode, sends `sig`, and returns the wait status.
int convert_and_signal(const fs::path& in, const fs::path& out, const fs::path& log, int sig, bool* seen) {
  std::vector<std::string> args = {groot::test::groot_binary(), "convert", "--jobs", "1", "--hdf5", in.string(),
                                   "--output", out.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;  // default SIGINT/SIGTERM even where the test runner ignores them
  posix_spawnattr_init(&attr);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGINT);
  sigaddset(&def, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  const fs::path staging = out.parent_path() / ("." + out.filename().string() + ".staging-" + std::to_string(pid));
  *seen = false;
  for (int i = 0; i < 6000 && !*seen; ++i) {
    *seen = fs::exists(staging / "data/chunk-000/episode_000000.parquet");
    if (!*seen) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_FALSE(fs::exists(staging)) << "the staging folder " << staging << " was left behind";
  return status;
}

}  // namespace

TEST(ConvertAdvice, MissingDatasetSuggestsMappingBeforeSkipInvalid) {
  TempDir tmp;
  // The Isaac Lab Franka stack recording has none of the built-in mapping's cameras.
  auto r = run_groot("convert --hdf5 " + q(fixture()) + " --output " + q(tmp / "ds"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "dataset is missing")) << r.output;
  // It lists what the demo has, with dtype and shape, so a mapping can be written from it.
  h5::File f = h5::File::open(fixture());
  auto joint = f.dataset_info("data/demo_0/obs/joint_pos");
  EXPECT_TRUE(has(r.output, "obs/joint_pos " + std::string(h5::type_name(joint.type)) + " " + h5::shape_str(joint.shape)))
      << r.output;
  EXPECT_TRUE(has(r.output, "actions ")) << r.output;
  EXPECT_FALSE(has(r.output, "initial_state/")) << r.output;  // one row each: not per-step data
  EXPECT_TRUE(has(r.output, "Camera-like datasets (uint8, (T, H, W, 3)): none")) << r.output;
  const size_t mapping = r.output.find("--mapping"), skip = r.output.find("--skip-invalid");
  ASSERT_NE(mapping, std::string::npos) << r.output;
  EXPECT_TRUE(skip == std::string::npos || mapping < skip) << r.output;
  // The example mapping files it names exist.
  std::smatch m;
  std::string rest = r.output;
  int named = 0;
  while (std::regex_search(rest, m, std::regex("([a-z_]+\\.(yaml|json))"))) {
    EXPECT_TRUE(fs::exists(src("examples/mappings/" + m[1].str()))) << m[1] << " named in:\n" << r.output;
    ++named;
    rest = m.suffix();
  }
  EXPECT_GE(named, 1) << r.output;
  EXPECT_FALSE(fs::exists(tmp / "ds"));

  // Following --skip-invalid anyway skips every demo; the error then says why.
  r = run_groot("convert --skip-invalid -q --hdf5 " + q(fixture()) + " --output " + q(tmp / "ds"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "no valid demos in the input (10 skipped); the first was skipped because: ")) << r.output;
  EXPECT_TRUE(has(r.output, "--mapping FILE")) << r.output;
}

TEST(ConvertAdvice, SigtermAndSigintRemoveTheStagingFolder) {
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video (this build has none)";
  TempDir tmp;
  fs::path in = tmp / "big.hdf5";
  groot::synth::Options so;  // in-process: each groot start loads LibTorch
  so.output = in.string();
  so.demos = 6;
  so.min_length = so.max_length = 100;
  so.height = 96;
  so.width = 128;
  so.seed = 3;
  so.quiet = true;
  groot::synth::write_file(so);
  for (int sig : {SIGTERM, SIGINT}) {
    fs::path out = tmp / ("ds_" + std::to_string(sig)), log = tmp / "log.txt";
    bool seen = false;
    int status = convert_and_signal(in, out, log, sig, &seen);
    EXPECT_TRUE(seen) << "the staging folder never held an episode";
    // Dies of the signal after cleaning up: a shell sees 128 + sig.
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_EQ(leftovers(tmp.path), 0);
    std::ifstream l(log);
    std::string text((std::istreambuf_iterator<char>(l)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(has(text, std::string("interrupted by ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                              "; partial output removed"))
        << text;
  }
}
