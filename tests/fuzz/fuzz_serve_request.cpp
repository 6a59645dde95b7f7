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
  // The low bits of the last byte (part of the message too) pick the server mode, so the token
  // check and upstream's flat-key (sim wrapper) layout are fuzzed as well: 1 = flat keys,
  // 2 = token "tok" required. The seeds end in nil / a key (0xc0, 'g', 'k') or a string.
  static const groot::serve::Handlers nested = groot::test::double_handlers();
  static const groot::serve::Handlers flat = [] {
    groot::serve::Handlers h = groot::test::double_handlers();
    h.spec.flat_keys = true;
    return h;
  }();
  static const groot::serve::HandleOptions open = [] {
    groot::serve::HandleOptions o;
    o.limits.max_message_bytes = size_t(1) << 20;
    return o;
  }();
  static const groot::serve::HandleOptions tokened = [] {
    groot::serve::HandleOptions o = open;
    o.api_token = "tok";
    return o;
  }();
  uint8_t mode = size ? data[size - 1] : 0;
  groot::serve::RequestLog log;
  bool kill = false;
  std::string reply = groot::serve::handle_request(std::string_view(reinterpret_cast<const char*>(data), size),
                                                   (mode & 1) ? flat : nested, (mode & 2) ? tokened : open, log, kill);
  // The reply must decode (it is what a client reads), and a failed request must say so.
  groot::wire::Value v = groot::wire::decode_msgpack(reply);
  if (!log.error.empty() && !v.find("error")) std::abort();
  return 0;
}
