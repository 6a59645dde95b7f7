// Requests and replies of Isaac-GR00T's policy server protocol (gr00t/policy/server_client.py,
// docs/reference/groot_n16_reference.md §8.2), decoded and checked without LibTorch or ZeroMQ.
//
// Request (msgpack map):  {"endpoint": str = "get_action", "data": map, "api_token": str}
// Endpoints and replies:
//   ping                 -> {"status": "ok", "message": "Server is running"}
//   get_action           data {"observation": obs, "options": map | nil}
//                        -> [ {action_key: float32 [B, T, D]}, {} ]   (msgpack array of 2)
//   reset                data {"options": map | nil} -> {}
//   get_modality_config  -> {modality: {"__ModalityConfig_class__": true, "as_json": {...}}}
//   kill                 -> nil, then the server stops
//   any failure          -> {"error": "<what is wrong>"}
//   wrong / missing token when the server has one -> {"error": "Unauthorized: Invalid API token"}
//
// Observation (numpy arrays as wire.h's ndarray maps):
//   {"video":    {cam: uint8 [B, T_video, H, W, 3]},   T_video = len(video delta_indices)
//    "state":    {key: float32 [B, T_state, D_key]},   raw, un-normalised, finite
//    "language": {lang_key: [[str]] * B}}              exactly one string per sample
// With ObservationSpec::flat_keys (upstream's sim wrapper) the same arrays come as one flat map
// {"video.<cam>": ..., "state.<key>": ..., <language key>: [str] * B} and actions go back as
// "action.<key>".
// Every key the modality config names must be present (extra keys are ignored, as upstream does);
// all arrays share the batch size B (1 <= B <= ObservationSpec::max_batch).
//
// handle_request() is the whole per-message logic of the server (envelope, token, dispatch,
// decoding, reply), pure and synchronous: the ZeroMQ loop (server.h), the unit tests and the fuzz
// target all go through it.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serve/wire.h"

namespace groot::serve {

using ojson = nlohmann::ordered_json;

// What get_action accepts, from the policy's modality config (and its statistics for the dims).
struct ObservationSpec {
  std::vector<std::string> video_keys;
  int64_t video_horizon = 1;
  std::vector<std::string> state_keys;
  int64_t state_horizon = 1;
  std::vector<int64_t> state_dims;  // one per state key; -1 = not checked here
  std::string language_key;
  int64_t max_batch = 256;
  // Upstream's Gr00tSimPolicyWrapper (run_gr00t_server.py --use-sim-policy-wrapper): flat keys
  // "video.<cam>", "state.<key>", the language key -> B strings; actions back as "action.<key>".
  bool flat_keys = false;
  size_t max_language_bytes = 16384;
};
struct Observation {
  int64_t batch = 0;
  std::vector<std::pair<std::string, wire::NdArray>> video;  // spec order, uint8 [B, T, H, W, 3]
  std::vector<std::pair<std::string, wire::NdArray>> state;  // spec order, float32 [B, T, D]
  std::vector<std::string> language;                         // B instructions
};

// Decodes and checks the "observation" value of a get_action request. Throws groot::Error
// naming the key and what is wrong with it.
Observation decode_observation(const wire::Value& obs, const ObservationSpec& spec);

// One returned action group: float32 [B, T, D], C order.
struct ActionArray {
  std::string key;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// The served policy, as the server sees it.
struct Handlers {
  ObservationSpec spec;
  // get_modality_config: {modality: {delta_indices, modality_keys, sin_cos_embedding_keys,
  // mean_std_embedding_keys, action_configs}} (upstream ModalityConfig fields, enums by name).
  ojson modality_config;
  std::function<std::vector<ActionArray>(const Observation&)> get_action;
  std::function<void()> reset;  // may be empty (a stateless policy)
};

struct RequestLog {
  std::string endpoint;  // "?" until known
  int64_t batch = -1;    // get_action only
  std::string error;     // empty on success
  std::string detail;    // --verbose: shapes of the observation
};

struct HandleOptions {
  std::string api_token;  // empty: no token required
  wire::Limits limits;
  bool verbose = false;
};

// Handles one request message and returns the reply bytes. Never throws for anything a client
// can send: decoding, checking and policy errors become {"error": ...} replies. `kill` is set when
// the request was an authorised `kill`.
std::string handle_request(std::string_view msg, const Handlers& h, const HandleOptions& opt,
                           RequestLog& log, bool& kill);

// Reply encoders (also used by tests).
std::string encode_error(std::string_view message);
std::string encode_actions(const std::vector<ActionArray>& actions);
// {modality: {"__ModalityConfig_class__": true, "as_json": fields}} (ModalityConfig objects for
// upstream's client).
std::string encode_modality_config(const ojson& modality_config);
// Any JSON value as msgpack (null -> nil, integers, floats, strings, arrays, maps).
void write_json(wire::Writer& w, const ojson& j);

}  // namespace groot::serve
