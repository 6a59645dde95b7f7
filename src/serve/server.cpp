#include "serve/server.h"

#include <signal.h>

#include <memory>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <zmq.hpp>

#include "util/error.h"
#include "util/interrupt.h"

namespace groot::serve {

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

ServeStats run_server(const Handlers& h, const ServerOptions& opt) {
  auto log = opt.log ? opt.log : [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  zmq::context_t ctx(1);
  zmq::socket_t sock(ctx, zmq::socket_type::rep);
  sock.set(zmq::sockopt::linger, 0);
  sock.set(zmq::sockopt::maxmsgsize, int64_t(opt.handle.limits.max_message_bytes));
  sock.set(zmq::sockopt::sndtimeo, 5000);
  if (opt.host.find(':') != std::string::npos) sock.set(zmq::sockopt::ipv6, 1);
  std::string host = opt.host;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  std::string addr = "tcp://" + host + ":" + (opt.port == 0 ? std::string("*") : std::to_string(opt.port));
  try {
    sock.bind(addr);
  } catch (const zmq::error_t& e) {
    fail("cannot listen on ", addr, ": ", e.what(),
         e.num() == EADDRINUSE ? " (the port is in use: pick another with --port)" : "");
  }
  ServeStats st;
  st.endpoint = sock.get(zmq::sockopt::last_endpoint);
  log("listening on " + st.endpoint + (opt.handle.api_token.empty() ? " (no API token)" : " (API token required)"));

  // SIGINT / SIGTERM only set a flag (util/interrupt.h); the loop sees it within 100 ms, or after
  // the request in progress. A second signal kills the process at once.
  std::unique_ptr<InterruptGuard> signals;
  if (opt.handle_signals) signals = std::make_unique<InterruptGuard>();
  zmq::pollitem_t items[] = {{static_cast<void*>(sock), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    if (signals && interrupt_signal()) {
      st.stopped_by = interrupt_signal() == SIGINT ? "SIGINT" : "SIGTERM";
      break;
    }
    if (opt.stop && opt.stop->load()) {
      st.stopped_by = "stop";
      break;
    }
    try {
      if (zmq::poll(items, 1, std::chrono::milliseconds(100)) == 0) continue;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    zmq::message_t msg;
    try {
      if (!sock.recv(msg, zmq::recv_flags::dontwait)) continue;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR || e.num() == EAGAIN) continue;
      throw;
    }
    auto t0 = std::chrono::steady_clock::now();
    std::string reply;
    RequestLog rl;
    bool kill = false;
    if (msg.more()) {
      size_t parts = 1;
      while (msg.more()) {  // drain: REP must read the whole request before replying
        zmq::message_t part;
        (void)sock.recv(part);
        msg = std::move(part);
        ++parts;
      }
      rl.endpoint = "?";
      rl.error = "multipart request (" + std::to_string(parts) + " frames): send one msgpack message";
      reply = encode_error(rl.error);
    } else {
      reply = handle_request(std::string_view(static_cast<const char*>(msg.data()), msg.size()), h,
                             opt.handle, rl, kill);
    }
    msg = zmq::message_t();  // release the request before sending
    try {
      (void)sock.send(zmq::buffer(reply), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      log("could not send a reply: " + std::string(e.what()));
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++st.requests;
    if (!rl.error.empty()) ++st.errors;
    char tail[64];
    std::snprintf(tail, sizeof tail, " %.2f ms ", ms);
    std::string line = utc_now() + " " + rl.endpoint;
    if (rl.batch >= 0) line += " B=" + std::to_string(rl.batch);
    line += tail;
    line += rl.error.empty() ? "ok" : "error: " + rl.error;
    if (!rl.detail.empty()) line += " |" + rl.detail;
    log(line);
    if (kill) {
      st.stopped_by = "kill";
      break;
    }
  }
  sock.close();
  return st;
}

}  // namespace groot::serve
