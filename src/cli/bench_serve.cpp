// groot bench serve CHECKPOINT: round-trip latency of `groot serve` over loopback (p50 / p99), per
// batch size, against the policy's own get_action time on the same observation (the difference is
// the server's cost: msgpack + .npy encode/decode, ZeroMQ, copies).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>
#include <thread>

#include "cli/bench.h"
#include "cli/flags.h"
#include "cli/serve_policy.h"
#include "groot/build_config.h"
#include "util/error.h"

#if GROOT_HAVE_ZMQ
#include <zmq.hpp>

#include "serve/server.h"
#endif

namespace {

#if GROOT_HAVE_ZMQ
using groot::serve::ObservationSpec;

// A get_action request for `spec` at batch B: random frames and states (fixed seed), one instruction.
std::string make_request(const ObservationSpec& spec, int64_t B, int64_t H, int64_t W, uint32_t seed) {
  std::mt19937 rng(seed);
  groot::wire::Writer w;
  w.map(2);
  w.str("endpoint");
  w.str("get_action");
  w.str("data");
  w.map(2);
  w.str("observation");
  w.map(3);
  w.str("video");
  w.map(uint32_t(spec.video_keys.size()));
  for (const auto& k : spec.video_keys) {
    std::vector<uint8_t> px(size_t(B * spec.video_horizon * H * W * 3));
    for (auto& p : px) p = uint8_t(rng() >> 24);
    w.str(k);
    w.ndarray(groot::wire::write_npy(groot::wire::DType::kUint8, {B, spec.video_horizon, H, W, 3}, px.data()));
  }
  w.str("state");
  w.map(uint32_t(spec.state_keys.size()));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (size_t i = 0; i < spec.state_keys.size(); ++i) {
    int64_t D = spec.state_dims[i] > 0 ? spec.state_dims[i] : 8;
    std::vector<float> v(size_t(B * spec.state_horizon * D));
    for (auto& x : v) x = u(rng);
    w.str(spec.state_keys[i]);
    w.ndarray(groot::wire::write_npy(groot::wire::DType::kFloat32, {B, spec.state_horizon, D}, v.data()));
  }
  w.str("language");
  w.map(1);
  w.str(spec.language_key);
  w.array(uint32_t(B));
  for (int64_t b = 0; b < B; ++b) {
    w.array(1);
    w.str("pick up the cube and place it in the bowl");
  }
  w.str("options");
  w.nil();
  return w.take();
}

double percentile(std::vector<double> v, double p) {  // nearest rank
  std::sort(v.begin(), v.end());
  size_t k = size_t(std::ceil(p / 100.0 * double(v.size())));
  return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
}
#endif

int run(int argc, char** argv) {
  CLI::App app{"Round-trip latency of groot serve over loopback (p50/p99 per batch size)", "groot bench serve"};
  groot::cli::ServeSetup s;
  std::vector<int64_t> batches{1, 8};
  int iterations = 50, warmup = 5;
  int64_t height = 224, width = 224;
  app.add_option("checkpoint", s.checkpoint, "checkpoint folder")->required();
  app.add_option("--embodiment-tag", s.embodiment_tag, "embodiment tag");
  app.add_option("--device", s.device, "auto, cpu, cuda or cuda:N [default: auto]");
  app.add_option("--dtype", s.dtype, "float32 or bfloat16 [default: bfloat16 on CUDA, float32 on CPU]");
  app.add_option("--denoising-steps", s.denoising_steps, "Euler steps [default: the checkpoint's, 4]")
      ->check(groot::cli::at_least(1));
  app.add_option("--batches", batches, "batch sizes")->delimiter(',')->check(groot::cli::in_range(1, 4096));
  app.add_option("--iterations", iterations, "timed requests per batch size")->check(groot::cli::at_least(1));
  app.add_option("--warmup", warmup, "untimed requests first")->check(groot::cli::at_least(0));
  app.add_option("--height", height, "camera frame height")->check(groot::cli::in_range(1, 4096));
  app.add_option("--width", width, "camera frame width")->check(groot::cli::in_range(1, 4096));
  app.footer(
      "Views = the checkpoint's video keys. Example (3B weights, GPU):\n"
      "  groot bench serve ckpt3b --embodiment-tag new_embodiment --device cuda --batches 1,8 --iterations 50\n");
  return groot::cli::run_app(app, argc, argv, [&]() -> int {
#if !GROOT_HAVE_ZMQ
    throw groot::Error("the policy server was not compiled in (no ZeroMQ / cppzmq / msgpack-cxx at build time)");
#else
    s.max_batch = *std::max_element(batches.begin(), batches.end());
    groot::cli::ServedPolicy sp = groot::cli::load_served_policy(s);
    const ObservationSpec& spec = sp.handlers.spec;
    std::printf("groot bench serve: %s (%s)\n  inputs: %s; frames %lldx%lld\n", s.checkpoint.c_str(),
                sp.description.c_str(), sp.inputs.c_str(), (long long)height, (long long)width);

    std::atomic<bool> stop{false};
    std::string endpoint;
    std::atomic<bool> ready{false};
    groot::serve::ServerOptions opt;
    opt.host = "127.0.0.1";
    opt.port = 0;
    opt.handle_signals = false;
    opt.stop = &stop;
    opt.handle.limits.max_message_bytes = size_t(1) << 31;
    opt.log = [&](const std::string& line) {
      if (!ready && line.rfind("listening on ", 0) == 0) {
        endpoint = line.substr(13, line.find(' ', 13) - 13);
        ready = true;
      } else if (line.find(" error: ") != std::string::npos) {
        std::fprintf(stderr, "  server: %s\n", line.c_str());
      }
    };
    std::string server_error;
    std::thread server([&] {
      try {
        groot::serve::run_server(sp.handlers, opt);
      } catch (const std::exception& e) {
        server_error = e.what();
        ready = true;
      }
    });
    while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!server_error.empty()) {
      server.join();
      throw groot::Error(server_error);
    }
    zmq::context_t ctx(1);
    zmq::socket_t sock(ctx, zmq::socket_type::req);
    sock.set(zmq::sockopt::linger, 0);
    sock.set(zmq::sockopt::rcvtimeo, 600000);
    sock.connect(endpoint);

    // Transport floor: ping round trips.
    std::vector<double> pings;
    std::string ping_req;
    {
      groot::wire::Writer w;
      w.map(1);
      w.str("endpoint");
      w.str("ping");
      ping_req = w.take();
    }
    for (int i = 0; i < warmup + iterations; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      (void)sock.send(zmq::buffer(ping_req), zmq::send_flags::none);
      zmq::message_t rep;
      if (!sock.recv(rep)) throw groot::Error("no ping reply from the server");
      if (i >= warmup) pings.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("  ping round trip p50 %.3f ms (transport floor)\n", percentile(pings, 50));
    std::printf("  %5s %5s %8s %10s %10s %10s %11s %12s\n", "batch", "views", "req MB", "rtt p50", "rtt p99",
                "rtt mean", "policy p50", "server p50");
    for (int64_t B : batches) {
      std::string req = make_request(spec, B, height, width, uint32_t(B));
      std::vector<double> rtt, pol, path;
      for (int i = 0; i < warmup + iterations; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        (void)sock.send(zmq::buffer(req), zmq::send_flags::none);
        zmq::message_t rep;
        if (!sock.recv(rep)) throw groot::Error("no reply from the server within 600 s");
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        groot::wire::Value v = groot::wire::decode_msgpack(std::string_view(static_cast<const char*>(rep.data()), rep.size()));
        if (const groot::wire::Value* e = v.find("error")) throw groot::Error("server error: " + std::string(e->bytes));
        if (i >= warmup) rtt.push_back(ms);
      }
      // The policy alone on the same observation (the server thread is idle meanwhile).
      groot::wire::Value root = groot::wire::decode_msgpack(req);
      groot::serve::Observation obs = groot::serve::decode_observation(*root.find("data")->find("observation"), spec);
      std::vector<groot::serve::ActionArray> last;
      for (int i = 0; i < std::max(1, iterations / 2); ++i) {
        auto t0 = std::chrono::steady_clock::now();
        last = sp.handlers.get_action(obs);
        pol.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      // The server's own path without the model: decode + checks + copy into the policy's
      // observation + reply encoding (handle_request with the last actions in place of inference).
      groot::serve::Handlers no_model = sp.handlers;
      groot::policy::Observation copied;  // kept outside the lambda: the copy is not optimised away
      no_model.get_action = [&](const groot::serve::Observation& o) {
        copied = groot::cli::to_policy_observation(o, spec.language_key);
        return last;
      };
      groot::serve::HandleOptions ho;
      ho.limits.max_message_bytes = opt.handle.limits.max_message_bytes;
      for (int i = 0; i < iterations; ++i) {
        groot::serve::RequestLog rl;
        bool kill = false;
        auto t0 = std::chrono::steady_clock::now();
        std::string out = groot::serve::handle_request(req, no_model, ho, rl, kill);
        path.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      double mean = 0;
      for (double x : rtt) mean += x / double(rtt.size());
      std::printf("  %5lld %5zu %8.2f %7.2f ms %7.2f ms %7.2f ms %8.2f ms %9.3f ms\n", (long long)B,
                  spec.video_keys.size(), double(req.size()) / (1 << 20), percentile(rtt, 50), percentile(rtt, 99), mean,
                  percentile(pol, 50), percentile(path, 50));
      std::fflush(stdout);
    }
    std::printf("  (%d timed requests per batch after %d warm-up; REQ/REP over tcp://127.0.0.1; policy = get_action\n"
                "   in-process on the same observation; server = decode + checks + copy + reply encoding, no model)\n",
                iterations, warmup);
    stop = true;
    server.join();
    return 0;
#endif
  });
}

}  // namespace

GROOT_BENCH(serve, "groot serve round trip over loopback: p50/p99 per batch size", run);
