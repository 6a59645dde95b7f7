// groot serve CHECKPOINT --embodiment-tag T: the policy server Isaac-GR00T's clients talk to
// unchanged (ZeroMQ REP + msgpack, gr00t/policy/server_client.py protocol; serve/server.h).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/flags.h"
#include "cli/serve_policy.h"
#include "cli/verb.h"
#include "groot/build_config.h"
#include "util/error.h"

#if GROOT_HAVE_ZMQ
#include "serve/server.h"
#endif

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Serve a checkpoint's policy over ZeroMQ (Isaac-GR00T's server protocol)", "groot serve"};
  groot::cli::ServeSetup s;
  std::string host = "127.0.0.1", token, token_file;
  int port = 5555;
  double max_request_mb = 64;
  bool verbose = false;
  app.add_option("checkpoint", s.checkpoint, "checkpoint folder (config.json, safetensors, processor files)");
  app.add_option("--model-path", s.checkpoint, "same as CHECKPOINT (upstream's flag name) [default: none]");
  app.add_option("--embodiment-tag", s.embodiment_tag, "embodiment tag (NEW_EMBODIMENT or new_embodiment)");
  app.add_option("--host", host, "address to bind; 0.0.0.0 or * exposes the server to the network");
  app.add_option("--port", port, "TCP port (0: any free port, printed on the 'listening on' line)")
      ->check(groot::cli::in_range(0, 65535));
  auto* tok = app.add_option("--api-token", token, "require this token in every request (visible in ps: prefer --api-token-file) [default: none]");
  app.add_option("--api-token-file", token_file, "read the token from this file (first line) [default: none]")->excludes(tok);
  app.add_option("--device", s.device, "auto, cpu, cuda or cuda:N [default: auto = cuda when available]");
  app.add_option("--dtype", s.dtype, "float32 or bfloat16 [default: bfloat16 on CUDA, float32 on CPU]");
  app.add_option("--denoising-steps", s.denoising_steps, "flow-matching Euler steps [default: the checkpoint's, 4]")
      ->check(groot::cli::at_least(1));
  app.add_option("--seed", s.seed, "initial-noise seed");
  app.add_option("--max-batch", s.max_batch, "largest batch a request may carry")->check(groot::cli::in_range(1, 65536));
  app.add_option("--max-request-mb", max_request_mb, "largest request in MiB (larger ones are dropped unread)")
      ->check(groot::cli::in_range(0.001, 4095));
  app.add_flag("--use-sim-policy-wrapper", s.sim_wrapper,
               "flat keys as upstream's Gr00tSimPolicyWrapper: video.<cam>, state.<key>, the language key -> B "
               "strings; actions as action.<key>");
  app.add_flag("-v,--verbose", verbose, "log each request's array shapes and instruction too");
  app.footer(
      "Endpoints: ping, get_action, reset, get_modality_config, kill (upstream's PolicyClient works as is;\n"
      "tools/groot_client.py is a client with timeouts). Stops cleanly on kill, SIGTERM or Ctrl-C (exit 0).\n\n"
      "Examples:\n"
      "  groot serve out/finetune/checkpoint-300 --embodiment-tag NEW_EMBODIMENT --device cuda\n"
      "  groot serve ckpt --embodiment-tag new_embodiment --host 0.0.0.0 --port 5555 --api-token-file token.txt\n"
      "  python3 tools/groot_client.py --port 5555 act --batch 1\n");
  return groot::cli::run_app(app, argc, argv, [&]() -> int {
#if !GROOT_HAVE_ZMQ
    throw groot::Error(
        "the policy server was not compiled in: this build found no ZeroMQ / cppzmq / msgpack-cxx "
        "(Debian: libzmq3-dev cppzmq-dev libmsgpack-cxx-dev; scripts/setup.sh installs them), then rebuild");
#else
    if (s.checkpoint.empty()) throw groot::Error("give the checkpoint folder (CHECKPOINT or --model-path)");
    if (!token_file.empty()) {
      std::ifstream f(token_file);
      if (!f) groot::fail("--api-token-file ", token_file, ": cannot read it");
      std::getline(f, token);
      while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
      if (token.empty()) groot::fail("--api-token-file ", token_file, ": the first line is empty");
    }
    if (app.count("--api-token") && token.empty()) throw groot::Error("--api-token: the token is empty");
    if (!groot::serve::is_loopback(host) && token.empty())
      std::fprintf(stderr,
                   "groot serve: warning: binding %s without an API token: anyone who can reach this port can "
                   "drive the policy and stop the server (kill); pass --api-token-file\n",
                   host.c_str());

    auto t0 = std::chrono::steady_clock::now();
    groot::cli::ServedPolicy served = groot::cli::load_served_policy(s);
    double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "groot serve: %s (%s) loaded in %.1f s: %s\n", s.checkpoint.c_str(),
                 served.description.c_str(), load_s, served.inputs.c_str());

    groot::serve::ServerOptions opt;
    opt.host = host;
    opt.port = port;
    opt.handle.api_token = token;
    opt.handle.limits.max_message_bytes = size_t(max_request_mb * 1024 * 1024);
    opt.handle.verbose = verbose;
    opt.log = [](const std::string& line) {
      std::fprintf(stderr, "groot serve: %s\n", line.c_str());
      std::fflush(stderr);
    };
    groot::serve::ServeStats st = groot::serve::run_server(served.handlers, opt);
    std::fprintf(stderr, "groot serve: stopped by %s after %lld requests (%lld errors)\n", st.stopped_by.c_str(),
                 (long long)st.requests, (long long)st.errors);
    return 0;
#endif
  });
}

}  // namespace

GROOT_VERB(serve, 65, "serve a checkpoint's policy to Isaac-GR00T clients (ZeroMQ + msgpack)", run);
