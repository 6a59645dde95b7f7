// Trace: named-intermediate hook shared by every model module (backbone, action head, parity).
//
// A module's forward takes `const Trace& trace` (empty = off) and reports tensors under the golden's
// names (tests/golden/tiny_v1/README.md appendix), e.g. "vision/post_ln", "llm/layer0_out",
// "backbone/features". `groot parity` and the parity tests record into a map and compare by name;
// any intermediate can be dumped to bisect a mismatch.
//
//   std::map<std::string, torch::Tensor> got;
//   Trace tr = record_into(got);            // stores detached clones
//   backbone->forward(in, tr);
//
// Reporting is free when the trace is empty: call trace_emit(trace, name, t), which checks first.
#pragma once
#include <functional>
#include <map>
#include <string>

#include <torch/torch.h>

namespace groot {

using Trace = std::function<void(const std::string& name, const torch::Tensor& t)>;

inline void trace_emit(const Trace& trace, const std::string& name, const torch::Tensor& t) {
  if (trace) trace(name, t);
}

// A Trace that stores detached copies into `out` (later reports of the same name overwrite).
inline Trace record_into(std::map<std::string, torch::Tensor>& out) {
  return [&out](const std::string& name, const torch::Tensor& t) { out[name] = t.detach().clone(); };
}

// A Trace that forwards to `inner` with `prefix` prepended to every name ("infer/step0/" + ...).
inline Trace prefixed(const Trace& inner, const std::string& prefix) {
  if (!inner) return Trace();
  return [inner, prefix](const std::string& name, const torch::Tensor& t) { inner(prefix + name, t); };
}

}  // namespace groot
