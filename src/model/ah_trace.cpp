// Thread-local trace sink for the action head (see ah_trace.h).
#include "model/ah_trace.h"

namespace groot::model {

namespace {
thread_local const groot::Trace* g_sink = nullptr;
thread_local std::string g_prefix;
}  // namespace

TraceScope::TraceScope(const groot::Trace& sink) : sink_(sink), prev_(g_sink), prev_prefix_(g_prefix) {
  g_sink = sink_ ? &sink_ : nullptr;
  g_prefix.clear();
}
TraceScope::TraceScope(TraceRecorder* rec)
    : sink_(groot::record_into(rec->tensors)), prev_(g_sink), prev_prefix_(g_prefix) {
  g_sink = &sink_;
  g_prefix.clear();
}
TraceScope::~TraceScope() {
  g_sink = prev_;
  g_prefix = prev_prefix_;
}

TracePrefix::TracePrefix(const std::string& prefix) : prev_len_(g_prefix.size()) { g_prefix += prefix; }
TracePrefix::~TracePrefix() { g_prefix.resize(prev_len_); }

bool ah_tracing() { return g_sink != nullptr; }

void ah_trace(const std::string& name, const torch::Tensor& t) {
  if (!g_sink || !t.defined()) return;
  (*g_sink)(g_prefix + name, t);
}

groot::Trace ah_current_trace() {
  if (!g_sink) return groot::Trace();
  return groot::prefixed(*g_sink, g_prefix);
}

}  // namespace groot::model
