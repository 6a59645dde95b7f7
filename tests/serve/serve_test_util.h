// Test helpers for the policy-server suites: request builders (msgpack-cxx packer, independent of
// the server's Writer) and a test double of the served policy (tests only).
#pragma once
#include <msgpack.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "serve/protocol.h"

namespace groot::test {

// .npy version 1.0 bytes written by hand (the layout numpy documents).
inline std::string npy(const std::string& descr, const std::vector<int64_t>& shape, const std::string& body) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  dict += shape.size() == 1 ? ",), }" : "), }";
  while ((10 + dict.size() + 1) % 64) dict += ' ';
  dict += '\n';
  std::string s("\x93NUMPY\x01\x00", 8);
  s += char(dict.size() & 0xff);
  s += char(dict.size() >> 8);
  return s + dict + body;
}

struct Packer {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  Packer& map(uint32_t n) { pk.pack_map(n); return *this; }
  Packer& array(uint32_t n) { pk.pack_array(n); return *this; }
  Packer& str(const std::string& s) { pk.pack_str(uint32_t(s.size())); pk.pack_str_body(s.data(), uint32_t(s.size())); return *this; }
  Packer& bin(const std::string& s) { pk.pack_bin(uint32_t(s.size())); pk.pack_bin_body(s.data(), uint32_t(s.size())); return *this; }
  Packer& i(int64_t v) { pk.pack_int64(v); return *this; }
  Packer& nil() { pk.pack_nil(); return *this; }
  Packer& ndarray(const std::string& npy_bytes) {
    return map(2).str("__ndarray_class__").boolean(true).str("as_npy").bin(npy_bytes);
  }
  Packer& boolean(bool b) { b ? pk.pack_true() : pk.pack_false(); return *this; }
  Packer& raw(const std::string& bytes) { buf.write(bytes.data(), bytes.size()); return *this; }
  std::string bytes() const { return std::string(buf.data(), buf.size()); }
};

// The double's modality config: cameras "wrist" and "table" (1 frame), state "pos" (3) and
// "grip" (1), action "arm" (T=4, D=3), language "task".
inline serve::ObservationSpec double_spec() {
  serve::ObservationSpec s;
  s.video_keys = {"wrist", "table"};
  s.video_horizon = 1;
  s.state_keys = {"pos", "grip"};
  s.state_horizon = 1;
  s.state_dims = {3, 1};
  s.language_key = "task";
  s.max_batch = 16;
  return s;
}

// Test double: action "arm" [B, 4, 3] with value = pos[b, 0, d] + 10 * t + 1000 * (mean pixel of
// wrist sample b) + instruction length, so a test can check that every input reached the policy.
inline serve::Handlers double_handlers(int* resets = nullptr) {
  serve::Handlers h;
  h.spec = double_spec();
  h.modality_config = serve::ojson::parse(R"({
    "video": {"delta_indices": [0], "modality_keys": ["wrist", "table"], "sin_cos_embedding_keys": null,
              "mean_std_embedding_keys": null, "action_configs": null},
    "state": {"delta_indices": [0], "modality_keys": ["pos", "grip"], "sin_cos_embedding_keys": null,
              "mean_std_embedding_keys": null, "action_configs": null},
    "action": {"delta_indices": [0, 1, 2, 3], "modality_keys": ["arm"], "sin_cos_embedding_keys": null,
               "mean_std_embedding_keys": null,
               "action_configs": [{"rep": "RELATIVE", "type": "NON_EEF", "format": "DEFAULT", "state_key": "pos"}]},
    "language": {"delta_indices": [0], "modality_keys": ["task"], "sin_cos_embedding_keys": null,
                 "mean_std_embedding_keys": null, "action_configs": null}})");
  h.get_action = [](const serve::Observation& o) {
    serve::ActionArray a{"arm", {o.batch, 4, 3}, {}};
    const auto& wrist = o.video[0].second;
    const auto& pos = o.state[0].second;
    int64_t per = wrist.numel() / o.batch;
    for (int64_t b = 0; b < o.batch; ++b) {
      double sum = 0;
      for (int64_t k = 0; k < per; ++k) sum += uint8_t(wrist.data()[b * per + k]);
      for (int t = 0; t < 4; ++t)
        for (int d = 0; d < 3; ++d) {
          float p;
          std::memcpy(&p, pos.data() + 4 * (b * 3 + d), 4);
          a.values.push_back(p + 10.0f * t + 1000.0f * float(sum / per) + float(o.language[b].size()));
        }
    }
    return std::vector<serve::ActionArray>{a};
  };
  if (resets) h.reset = [resets] { ++*resets; };
  return h;
}

// A valid get_action request for the double, batch B; wrist pixels of sample b = b + 1.
inline Packer& pack_observation(Packer& p, int64_t B) {
  std::string wrist, table(B * 2 * 2 * 3, '\x07'), pos, grip;
  for (int64_t b = 0; b < B; ++b) wrist.append(2 * 2 * 3, char(b + 1));
  for (int64_t b = 0; b < B; ++b)
    for (int d = 0; d < 3; ++d) {
      float v = float(b) + 0.25f * d;
      pos.append(reinterpret_cast<const char*>(&v), 4);
    }
  for (int64_t b = 0; b < B; ++b) {
    float v = 0.5f;
    grip.append(reinterpret_cast<const char*>(&v), 4);
  }
  p.map(3);
  p.str("video").map(2);
  p.str("wrist").ndarray(npy("|u1", {B, 1, 2, 2, 3}, wrist));
  p.str("table").ndarray(npy("|u1", {B, 1, 2, 2, 3}, table));
  p.str("state").map(2);
  p.str("pos").ndarray(npy("<f4", {B, 1, 3}, pos));
  p.str("grip").ndarray(npy("<f4", {B, 1, 1}, grip));
  p.str("language").map(1).str("task").array(uint32_t(B));
  for (int64_t b = 0; b < B; ++b) p.array(1).str("pick " + std::string(size_t(b), 'x'));
  return p;
}

inline std::string get_action_request(int64_t B, const std::string& token = "") {
  Packer p;
  p.map(token.empty() ? 2 : 3).str("endpoint").str("get_action").str("data").map(2).str("observation");
  pack_observation(p, B);
  p.str("options").nil();
  if (!token.empty()) p.str("api_token").str(token);
  return p.bytes();
}

inline std::string simple_request(const std::string& endpoint, const std::string& token = "") {
  Packer p;
  p.map(token.empty() ? 1 : 2).str("endpoint").str(endpoint);
  if (!token.empty()) p.str("api_token").str(token);
  return p.bytes();
}

// The value the double returns for the request above at [b, t, d].
inline float double_expected(int64_t b, int t, int d) {
  return float(b) + 0.25f * d + 10.0f * t + 1000.0f * float(b + 1) + float(5 + b);
}

}  // namespace groot::test
