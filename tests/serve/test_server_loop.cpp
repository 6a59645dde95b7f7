// The ZeroMQ loop of the policy server (src/serve/server.h), in-process with the policy test double
// and REQ clients on 127.0.0.1 (ephemeral port).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "serve/server.h"
#include "serve_test_util.h"
#include "util/error.h"

using namespace groot;
using namespace groot::test;

namespace {

class Server {
 public:
  explicit Server(serve::ServerOptions opt, serve::Handlers h = double_handlers()) : h_(std::move(h)) {
    opt.host = "127.0.0.1";
    opt.port = 0;
    opt.handle_signals = false;
    opt.stop = &stop_;
    opt.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lk(mu_);
      lines_.push_back(line);
      cv_.notify_all();
    };
    thread_ = std::thread([this, opt] {
      try {
        stats_ = serve::run_server(h_, opt);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lk(mu_);
        lines_.push_back(std::string("THREW ") + e.what());
        cv_.notify_all();
      }
      done_ = true;
    });
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, std::chrono::seconds(10), [this] { return !lines_.empty(); });
    std::string first = lines_.empty() ? "" : lines_[0];
    size_t at = first.find("tcp://");
    size_t end = first.find(' ', at);
    if (at != std::string::npos) endpoint = first.substr(at, end - at);
  }
  ~Server() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void join() { thread_.join(); }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lk(mu_);
    return lines_;
  }
  std::string endpoint;
  serve::ServeStats stats_;
  std::atomic<bool> done_{false};

 private:
  serve::Handlers h_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

struct Client {
  zmq::context_t ctx;
  zmq::socket_t s{ctx, zmq::socket_type::req};
  explicit Client(const std::string& ep, int timeout_ms = 5000) {
    s.set(zmq::sockopt::rcvtimeo, timeout_ms);
    s.set(zmq::sockopt::linger, 0);
    s.connect(ep);
  }
  // Reply bytes, or "<timeout>".
  std::string call(const std::string& req) {
    (void)s.send(zmq::buffer(req), zmq::send_flags::none);
    zmq::message_t m;
    if (!s.recv(m)) return "<timeout>";
    return m.to_string();
  }
};

std::string error_of_reply(const std::string& bytes) {
  wire::Value v = wire::decode_msgpack(bytes);
  const wire::Value* e = v.find("error");
  return e ? std::string(e->bytes) : "";
}

bool is_pong(const std::string& bytes) {
  wire::Value v = wire::decode_msgpack(bytes);
  const wire::Value* s = v.find("status");
  return s && s->bytes == "ok";
}

}  // namespace

TEST(ServeLoop, ServesClientsInTurnAndStopsOnKill) {
  Server srv({});
  ASSERT_FALSE(srv.endpoint.empty());
  EXPECT_NE(srv.endpoint.find("tcp://127.0.0.1:"), std::string::npos);
  Client a(srv.endpoint), b(srv.endpoint);
  for (int round = 0; round < 2; ++round) {
    EXPECT_TRUE(is_pong(a.call(simple_request("ping"))));
    std::string bytes = b.call(get_action_request(2));  // the decoded tree refers to these bytes
    wire::Value r = wire::decode_msgpack(bytes);
    ASSERT_EQ(r.type, wire::Value::Type::kArray);
    EXPECT_EQ(wire::decode_ndarray(*r.items[0].find("arm"), "arm").shape, (std::vector<int64_t>{2, 4, 3}));
  }
  // a hostile request, then the server still answers
  EXPECT_NE(error_of_reply(a.call("\xc1")).find("invalid byte"), std::string::npos);
  EXPECT_TRUE(is_pong(a.call(simple_request("ping"))));
  EXPECT_EQ(wire::decode_msgpack(b.call(simple_request("kill"))).type, wire::Value::Type::kNil);
  srv.join();
  EXPECT_EQ(srv.stats_.stopped_by, "kill");
  EXPECT_EQ(srv.stats_.requests, 7);
  EXPECT_EQ(srv.stats_.errors, 1);
  // one log line per request: endpoint, batch, latency, outcome
  auto lines = srv.lines();
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_NE(lines[2].find("get_action B=2 "), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find(" ms ok"), std::string::npos) << lines[2];
  EXPECT_NE(lines[5].find("? "), std::string::npos) << lines[5];
  EXPECT_NE(lines[5].find("error: msgpack: invalid byte"), std::string::npos) << lines[5];
}

TEST(ServeLoop, OversizeRequestIsDroppedUnallocatedAndOthersAreServed) {
  serve::ServerOptions opt;
  opt.handle.limits.max_message_bytes = 4096;
  Server srv(opt);
  {
    Client big(srv.endpoint, 1000);
    std::string req = simple_request("ping");
    req.append(100000, '\0');  // over the limit: libzmq drops the connection, no reply
    EXPECT_EQ(big.call(req), "<timeout>");
  }
  Client c(srv.endpoint);
  EXPECT_TRUE(is_pong(c.call(simple_request("ping"))));
}

TEST(ServeLoop, MultipartRequestsAreRefused) {
  Server srv({});
  Client c(srv.endpoint);
  (void)c.s.send(zmq::buffer(simple_request("ping")), zmq::send_flags::sndmore);
  (void)c.s.send(zmq::buffer(simple_request("ping")), zmq::send_flags::none);
  zmq::message_t m;
  ASSERT_TRUE(c.s.recv(m));
  EXPECT_NE(error_of_reply(m.to_string()).find("multipart request (2 frames)"), std::string::npos);
  EXPECT_TRUE(is_pong(c.call(simple_request("ping"))));
}

TEST(ServeLoop, TokenAndBindErrors) {
  serve::ServerOptions opt;
  opt.handle.api_token = "tok";
  Server srv(opt);
  Client c(srv.endpoint);
  EXPECT_EQ(error_of_reply(c.call(simple_request("ping"))), "Unauthorized: Invalid API token");
  EXPECT_EQ(error_of_reply(c.call(simple_request("kill", "bad"))), "Unauthorized: Invalid API token");
  EXPECT_TRUE(is_pong(c.call(simple_request("ping", "tok"))));
  EXPECT_NE(srv.lines()[0].find("(API token required)"), std::string::npos);
  // binding the same port again fails with a message naming the address
  serve::ServerOptions o2;
  o2.host = "127.0.0.1";
  o2.port = std::stoi(srv.endpoint.substr(srv.endpoint.rfind(':') + 1));
  o2.handle_signals = false;
  o2.log = [](const std::string&) {};
  try {
    serve::run_server(double_handlers(), o2);
    FAIL() << "bound a port in use";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on tcp://127.0.0.1:" + std::to_string(o2.port)), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(serve::is_loopback("127.0.0.1"));
  EXPECT_TRUE(serve::is_loopback("localhost"));
  EXPECT_TRUE(serve::is_loopback("::1"));
  EXPECT_FALSE(serve::is_loopback("0.0.0.0"));
  EXPECT_FALSE(serve::is_loopback("*"));
  EXPECT_FALSE(serve::is_loopback("10.0.0.2"));
}
