// Named-intermediate recording for the action head / DiT (parity bisection).
//
// A TraceRecorder installed with TraceScope captures every tensor passed to ah_trace(name, t)
// on this thread, under "<prefix><name>" (detached clones, so later in-place ops cannot alter
// them). Without an active recorder ah_trace() is a cheap no-op. Prefix scopes nest:
//   TraceRecorder rec;  TraceScope on(&rec);
//   { TracePrefix p("infer/step0/"); head->get_action(...); }   // -> "infer/step0/dit/temb", ...
// If model/trace.h (backbone branch) provides the project-wide hook, ah_trace() also forwards
// there, so one recorder sees backbone and action-head tensors.
#pragma once
#include <map>
#include <string>

#include "model/torch_compat.h"

namespace groot::model {

struct TraceRecorder {
  std::map<std::string, torch::Tensor> tensors;
  // If non-empty, only names listed here are kept (saves memory on big models).
  std::map<std::string, bool> only;
  bool wants(const std::string& name) const { return only.empty() || only.count(name) > 0; }
};

// Installs `rec` as this thread's recorder for the scope's lifetime (restores the previous one).
class TraceScope {
 public:
  explicit TraceScope(TraceRecorder* rec);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  TraceRecorder* prev_;
};

// Prepends `prefix` to every name recorded in this scope (nested prefixes concatenate).
class TracePrefix {
 public:
  explicit TracePrefix(const std::string& prefix);
  ~TracePrefix();
  TracePrefix(const TracePrefix&) = delete;
  TracePrefix& operator=(const TracePrefix&) = delete;

 private:
  size_t prev_len_;
};

bool ah_tracing();                                       // a recorder is active on this thread
void ah_trace(const std::string& name, const torch::Tensor& t);
// Records the already-recorded "<prefix><existing>" again as "<prefix><alias>" (no-op if absent).
void ah_trace_alias(const std::string& existing, const std::string& alias);

}  // namespace groot::model
