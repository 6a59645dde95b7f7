// Named-intermediate recording for the action head / DiT (parity bisection), on top of the
// project-wide hook model/trace.h.
//
// The action head's deep call chain (DiT blocks, encoders, the Euler loop) reports through the
// thread's current sink instead of threading a `const Trace&` through every call:
//   std::map<std::string, torch::Tensor> got;
//   groot::Trace tr = groot::record_into(got);
//   TraceScope on(tr);                    // installs tr for this thread (restored at scope exit)
//   backbone->forward(in, tr);            // backbone modules take the Trace explicitly
//   head->get_action(...);                // -> "ah/...", "dit/...", "infer/step0/..."
// TracePrefix prepends to every name reported in its scope (nested prefixes concatenate).
// Without an installed sink ah_trace() is a cheap no-op. TraceRecorder is a map-backed sink.
#pragma once
#include <map>
#include <string>

#include "model/torch_compat.h"
#include "model/trace.h"

namespace groot::model {

struct TraceRecorder {
  std::map<std::string, torch::Tensor> tensors;  // detached clones
};

// Installs a sink for this thread; names reported inside start with an empty prefix (the sink may
// carry its own, see groot::prefixed). Restores the previous sink and prefix at scope exit.
class TraceScope {
 public:
  explicit TraceScope(const groot::Trace& sink);
  explicit TraceScope(TraceRecorder* rec);  // records into rec->tensors
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  groot::Trace sink_;
  const groot::Trace* prev_;
  std::string prev_prefix_;
};

class TracePrefix {
 public:
  explicit TracePrefix(const std::string& prefix);
  ~TracePrefix();
  TracePrefix(const TracePrefix&) = delete;
  TracePrefix& operator=(const TracePrefix&) = delete;

 private:
  size_t prev_len_;
};

bool ah_tracing();  // a sink is installed on this thread
void ah_trace(const std::string& name, const torch::Tensor& t);
// The Trace to hand to modules that take one explicitly (current sink with the current prefix).
groot::Trace ah_current_trace();

}  // namespace groot::model
