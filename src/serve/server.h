// The policy server's ZeroMQ loop (no LibTorch): a REP socket bound to tcp://host:port answering
// one request at a time through protocol.h's handle_request().
//
// Safety (what upstream's PolicyServer lacks):
//   - binds 127.0.0.1 unless told otherwise; is_loopback() lets the CLI warn about an exposed,
//     tokenless server;
//   - ZMQ_MAXMSGSIZE = Limits::max_message_bytes: libzmq reads a frame's length from its header
//     and drops the connection of a client announcing a larger message before buffering it (that
//     client gets no reply; its receive times out) - the server never allocates it;
//   - multipart requests are drained and answered with an error; every other failure is an
//     {"error": ...} reply, and the loop goes on;
//   - SIGINT / SIGTERM (when handle_signals) and the `kill` endpoint stop it cleanly (linger 0).
// One log line per request: "<UTC time> <endpoint> [B=<batch>] <ms> ms ok|error: <message>".
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include "serve/protocol.h"

namespace groot::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5555;  // 0: an ephemeral port (the "listening on" line names it)
  HandleOptions handle;
  bool handle_signals = true;
  // Receives the "listening on tcp://..." line, then one line per request (default: stderr).
  std::function<void(const std::string&)> log;
  // Optional: set from another thread to stop the loop within ~100 ms.
  const std::atomic<bool>* stop = nullptr;
};

struct ServeStats {
  int64_t requests = 0;
  int64_t errors = 0;
  std::string endpoint;  // the bound endpoint, e.g. "tcp://127.0.0.1:5555"
  std::string stopped_by;  // "kill", "SIGTERM", "SIGINT", "stop"
};

// Serves until `kill`, a signal or *stop. Throws groot::Error when the address cannot be bound.
ServeStats run_server(const Handlers& h, const ServerOptions& opt);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

}  // namespace groot::serve
