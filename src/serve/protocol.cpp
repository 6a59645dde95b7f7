#include "serve/protocol.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "util/error.h"

namespace groot::serve {

using wire::NdArray;
using wire::Value;

namespace {

// A client-supplied string made safe for a log line or an error message: printable ASCII kept,
// everything else escaped, at most `max` bytes shown.
std::string printable(std::string_view s, size_t max = 64) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    unsigned char c = uint8_t(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += char(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string keys_of(const Value& m) {
  if (m.entries.empty()) return "none";
  std::string s;
  size_t n = 0;
  for (const auto& [k, v] : m.entries) {
    if (n == 8) return s + ", ...";
    if (n++) s += ", ";
    s += "'" + printable(k, 32) + "'";
  }
  return s;
}

const Value& modality_map(const Value& obs, const char* name) {
  const Value* m = obs.find(name);
  if (!m) fail("observation has no \"", name, "\" (present: ", keys_of(obs), ")");
  if (!m->is_map()) fail("observation.", name, " must be a map of arrays, got a msgpack ", wire::type_name(m->type));
  return *m;
}

const Value& member(const Value& m, const std::string& modality, const std::string& key) {
  const Value* v = m.find(key);
  if (!v) fail("observation.", modality, " has no key '", key, "' (present: ", keys_of(m), ")");
  return *v;
}

// The names of the data arguments an endpoint accepts; anything else is an error (upstream calls
// handler(**data), which raises TypeError on an unexpected keyword).
void check_args(const Value* data, const std::string& endpoint, std::initializer_list<const char*> allowed) {
  if (!data) return;
  for (const auto& [k, v] : data->entries) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
      fail(endpoint, ": unexpected argument '", printable(k, 32), "' in \"data\" (accepted: ", list, ")");
    }
  }
}

void check_options(const Value* data, const std::string& endpoint) {
  const Value* o = data ? data->find("options") : nullptr;
  if (o && o->type != Value::Type::kNil && !o->is_map())
    fail(endpoint, ": \"options\" must be a map or nil, got a msgpack ", wire::type_name(o->type));
}

}  // namespace

Observation decode_observation(const Value& obs, const ObservationSpec& spec) {
  if (!obs.is_map())
    fail("observation must be a map ", spec.flat_keys ? "{\"video.<cam>\", \"state.<key>\", <language key>}"
                                                   : "{\"video\", \"state\", \"language\"}",
         ", got a msgpack ", wire::type_name(obs.type));
  // Nested: observation[modality][key]. Flat (upstream's Gr00tSimPolicyWrapper): observation
  // ["video.<cam>"], ["state.<key>"], [<language key>] (or "annotation.human.coarse_action" for
  // "task", as upstream's legacy patch).
  const Value* video = spec.flat_keys ? &obs : &modality_map(obs, "video");
  const Value* state = spec.flat_keys ? &obs : &modality_map(obs, "state");
  const Value* language = spec.flat_keys ? &obs : &modality_map(obs, "language");
  auto get = [&](const Value* m, const std::string& modality, const std::string& key) -> const Value& {
    if (!spec.flat_keys) return member(*m, modality, key);
    std::string flat = modality == "language" ? key : modality + "." + key;
    if (modality == "language" && key == "task" && m->find("annotation.human.coarse_action"))
      flat = "annotation.human.coarse_action";
    const Value* v = m->find(flat);
    if (!v) fail("observation has no key '", flat, "' (present: ", keys_of(*m), ")");
    return *v;
  };
  auto where = [&](const std::string& modality, const std::string& key) {
    return spec.flat_keys ? "observation." + (modality == "language" ? key : modality + "." + key)
                          : "observation." + modality + "." + key;
  };

  Observation out;
  std::string batch_from;
  auto batch = [&](int64_t b, const std::string& what) {
    if (batch_from.empty()) {
      if (b < 1 || b > spec.max_batch)
        fail(what, ": batch size ", b, " is out of range (1 to ", spec.max_batch, ")");
      out.batch = b;
      batch_from = what;
    } else if (b != out.batch) {
      fail(what, ": batch size ", b, " differs from ", out.batch, " (", batch_from, ")");
    }
  };

  for (const std::string& key : spec.video_keys) {
    std::string what = where("video", key);
    NdArray a = wire::decode_ndarray(get(video, "video", key), what);
    if (a.dtype != wire::DType::kUint8)
      fail(what, ": dtype ", wire::dtype_name(a.dtype), ", expected uint8 (RGB 0..255)");
    if (a.shape.size() != 5) fail(what, ": shape ", a.shape_str(), ", expected (B, T, H, W, 3)");
    batch(a.shape[0], what);
    if (a.shape[1] != spec.video_horizon)
      fail(what, ": shape ", a.shape_str(), " has ", a.shape[1], " frames, the policy takes ", spec.video_horizon);
    if (a.shape[4] != 3) fail(what, ": shape ", a.shape_str(), " has ", a.shape[4], " channels, expected 3 (RGB)");
    if (a.shape[2] < 1 || a.shape[3] < 1) fail(what, ": shape ", a.shape_str(), " has an empty image");
    out.video.emplace_back(key, std::move(a));
  }
  for (size_t k = 0; k < spec.state_keys.size(); ++k) {
    const std::string& key = spec.state_keys[k];
    std::string what = where("state", key);
    NdArray a = wire::decode_ndarray(get(state, "state", key), what);
    if (a.dtype != wire::DType::kFloat32) fail(what, ": dtype ", wire::dtype_name(a.dtype), ", expected float32");
    if (a.shape.size() != 3) fail(what, ": shape ", a.shape_str(), ", expected (B, T, D)");
    batch(a.shape[0], what);
    if (a.shape[1] != spec.state_horizon)
      fail(what, ": shape ", a.shape_str(), " has ", a.shape[1], " steps, the policy takes ", spec.state_horizon);
    int64_t d = k < spec.state_dims.size() ? spec.state_dims[k] : -1;
    if (d >= 0 && a.shape[2] != d) fail(what, ": shape ", a.shape_str(), " has D = ", a.shape[2], ", the policy's '", key, "' has ", d);
    if (a.shape[2] < 1) fail(what, ": shape ", a.shape_str(), " is empty");
    const char* p = a.data();
    for (int64_t i = 0; i < a.numel(); ++i) {
      float x;
      std::memcpy(&x, p + 4 * i, 4);
      if (!std::isfinite(x)) {
        int64_t dd = a.shape[2], t = a.shape[1];
        fail(what, ": value ", x, " at [", i / (t * dd), ", ", (i / dd) % t, ", ", i % dd, "] is not finite");
      }
    }
    out.state.emplace_back(key, std::move(a));
  }
  {
    const std::string& key = spec.language_key;
    std::string what = where("language", key);
    const Value& v = get(language, "language", key);
    const char* expected = spec.flat_keys ? "a list of B strings" : "a list of B lists of one string";
    if (v.type != Value::Type::kArray)
      fail(what, ": expected ", expected, ", got a msgpack ", wire::type_name(v.type),
           wire::is_ndarray(v) ? " (a numpy array; send lists of str)" : "");
    batch(int64_t(v.items.size()), what);
    for (size_t b = 0; b < v.items.size(); ++b) {
      const Value& item = v.items[b];
      std::string at = what + "[" + std::to_string(b) + "]";
      const Value* s = &item;
      if (!spec.flat_keys) {
        if (item.type != Value::Type::kArray || item.items.size() != 1)
          fail(at, ": expected a list of exactly one string, got ",
               item.type == Value::Type::kArray ? "a list of " + std::to_string(item.items.size()) + " items"
                                                : std::string("a msgpack ") + wire::type_name(item.type));
        s = &item.items[0];
        at += "[0]";
      }
      if (!s->is_str()) fail(at, ": expected a string, got a msgpack ", wire::type_name(s->type));
      if (s->bytes.size() > spec.max_language_bytes)
        fail(at, ": instruction of ", s->bytes.size(), " bytes is over the limit of ", spec.max_language_bytes);
      out.language.emplace_back(s->bytes);
    }
  }
  if (batch_from.empty()) fail("observation: the policy takes no inputs");
  return out;
}

std::string encode_error(std::string_view message) {
  wire::Writer w;
  w.map(1);
  w.str("error");
  w.str(message);
  return w.take();
}

std::string encode_actions(const std::vector<ActionArray>& actions) {
  wire::Writer w;
  w.array(2);
  w.map(uint32_t(actions.size()));
  for (const auto& a : actions) {
    int64_t n = 1;
    for (int64_t d : a.shape) n *= d;
    GROOT_CHECK(n == int64_t(a.values.size()), "action '", a.key, "': shape holds ", n, " values, ",
                a.values.size(), " given");
    w.str(a.key);
    w.ndarray(wire::write_npy(wire::DType::kFloat32, a.shape, a.values.data()));
  }
  w.map(0);  // info
  return w.take();
}

void write_json(wire::Writer& w, const ojson& j) {
  switch (j.type()) {
    case ojson::value_t::null: w.nil(); break;
    case ojson::value_t::boolean: w.boolean(j.get<bool>()); break;
    case ojson::value_t::number_integer: w.integer(j.get<int64_t>()); break;
    case ojson::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      GROOT_CHECK(u <= uint64_t(INT64_MAX), "write_json: integer ", u, " out of range");
      w.integer(int64_t(u));
      break;
    }
    case ojson::value_t::number_float: w.number(j.get<double>()); break;
    case ojson::value_t::string: w.str(j.get_ref<const std::string&>()); break;
    case ojson::value_t::array:
      w.array(uint32_t(j.size()));
      for (const auto& x : j) write_json(w, x);
      break;
    case ojson::value_t::object:
      w.map(uint32_t(j.size()));
      for (const auto& [k, v] : j.items()) {
        w.str(k);
        write_json(w, v);
      }
      break;
    default: fail("write_json: unsupported JSON value ", j.dump());
  }
}

std::string encode_modality_config(const ojson& modality_config) {
  GROOT_CHECK(modality_config.is_object(), "modality config must be a JSON object, got ", modality_config.dump());
  wire::Writer w;
  w.map(uint32_t(modality_config.size()));
  for (const auto& [name, fields] : modality_config.items()) {
    w.str(name);
    w.map(2);
    w.str("__ModalityConfig_class__");
    w.boolean(true);
    w.str("as_json");
    write_json(w, fields);
  }
  return w.take();
}

std::string handle_request(std::string_view msg, const Handlers& h, const HandleOptions& opt,
                           RequestLog& log, bool& kill) {
  kill = false;
  log = RequestLog{};
  log.endpoint = "?";
  try {
    Value root = wire::decode_msgpack(msg, opt.limits);
    if (!root.is_map())
      fail("request must be a msgpack map {\"endpoint\", \"data\", \"api_token\"}, got a msgpack ",
           wire::type_name(root.type));
    const Value* ep = root.find("endpoint");
    if (ep && ep->is_str()) log.endpoint = printable(ep->bytes);  // logged even when refused
    if (!opt.api_token.empty()) {
      const Value* t = root.find("api_token");
      if (!t || !t->is_str() || !wire::constant_time_equal(opt.api_token, t->bytes)) {
        log.error = t ? "Unauthorized: Invalid API token" : "Unauthorized: Invalid API token (none sent)";
        return encode_error("Unauthorized: Invalid API token");
      }
    }
    std::string endpoint = "get_action";  // upstream's default
    if (ep) {
      if (!ep->is_str()) fail("\"endpoint\" must be a string, got a msgpack ", wire::type_name(ep->type));
      endpoint = std::string(ep->bytes);
    }
    log.endpoint = printable(endpoint);
    const Value* data = root.find("data");
    if (data && data->type == Value::Type::kNil) data = nullptr;

    if (endpoint == "ping") {
      wire::Writer w;
      w.map(2);
      w.str("status");
      w.str("ok");
      w.str("message");
      w.str("Server is running");
      return w.take();
    }
    if (endpoint == "kill") {
      kill = true;
      wire::Writer w;
      w.nil();
      return w.take();
    }
    if (endpoint == "get_modality_config") return encode_modality_config(h.modality_config);
    if (endpoint != "get_action" && endpoint != "reset")
      fail("Unknown endpoint: ", printable(endpoint),
           " (known: ping, get_action, reset, get_modality_config, kill)");
    if (data && !data->is_map())
      fail(endpoint, ": \"data\" must be a map of arguments, got a msgpack ", wire::type_name(data->type));
    if (endpoint == "reset") {
      check_args(data, endpoint, {"options"});
      check_options(data, endpoint);
      if (h.reset) h.reset();
      wire::Writer w;
      w.map(0);
      return w.take();
    }
    // get_action
    check_args(data, endpoint, {"observation", "options"});
    check_options(data, endpoint);
    const Value* obs = data ? data->find("observation") : nullptr;
    if (!obs) fail("get_action: \"data\" has no \"observation\"");
    Observation o = decode_observation(*obs, h.spec);
    log.batch = o.batch;
    if (opt.verbose) {
      std::string d;
      for (const auto& [k, a] : o.video) d += " video." + k + a.shape_str();
      for (const auto& [k, a] : o.state) d += " state." + k + a.shape_str();
      d += " language[0]='" + printable(o.language[0], 80) + "'";
      log.detail = d;
    }
    std::vector<ActionArray> actions = h.get_action(o);
    if (h.spec.flat_keys)
      for (auto& a : actions) a.key = "action." + a.key;
    return encode_actions(actions);
  } catch (const Error& e) {
    log.error = e.what();
    return encode_error(e.what());
  } catch (const std::exception& e) {
    log.error = std::string("internal error: ") + e.what();
    return encode_error(log.error);
  }
}

}  // namespace groot::serve
