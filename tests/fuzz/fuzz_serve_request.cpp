// libFuzzer target for the policy server's request handling: arbitrary bytes go through
// serve::handle_request (msgpack decoding, envelope, token, .npy parsing, observation checks) with
// the policy test double behind it. Every input must produce a reply that is itself valid msgpack;
// a crash, an ASan report, an exception escaping, a hang or an allocation beyond libFuzzer's limit
// is a finding. See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "serve/protocol.h"
#include "serve/serve_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const groot::serve::Handlers h = groot::test::double_handlers();
  static const groot::serve::HandleOptions opt = [] {
    groot::serve::HandleOptions o;
    o.limits.max_message_bytes = size_t(1) << 20;
    return o;
  }();
  groot::serve::RequestLog log;
  bool kill = false;
  std::string reply = groot::serve::handle_request(
      std::string_view(reinterpret_cast<const char*>(data), size), h, opt, log, kill);
  // The reply must decode (it is what a client reads).
  groot::wire::Value v = groot::wire::decode_msgpack(reply);
  if (!log.error.empty() && !v.find("error")) std::abort();
  return 0;
}
