// Thread-local named-intermediate recorder (see ah_trace.h).
#include "model/ah_trace.h"

namespace groot::model {

namespace {
thread_local TraceRecorder* g_rec = nullptr;
thread_local std::string g_prefix;
}  // namespace

TraceScope::TraceScope(TraceRecorder* rec) : prev_(g_rec) { g_rec = rec; }
TraceScope::~TraceScope() { g_rec = prev_; }

TracePrefix::TracePrefix(const std::string& prefix) : prev_len_(g_prefix.size()) { g_prefix += prefix; }
TracePrefix::~TracePrefix() { g_prefix.resize(prev_len_); }

bool ah_tracing() { return g_rec != nullptr; }

void ah_trace(const std::string& name, const torch::Tensor& t) {
  if (!g_rec || !t.defined()) return;
  std::string full = g_prefix + name;
  if (!g_rec->wants(full)) return;
  g_rec->tensors[full] = t.detach().clone();
}

void ah_trace_alias(const std::string& existing, const std::string& alias) {
  if (!g_rec) return;
  auto it = g_rec->tensors.find(g_prefix + existing);
  if (it == g_rec->tensors.end()) return;
  if (!g_rec->wants(g_prefix + alias)) return;
  g_rec->tensors[g_prefix + alias] = it->second;
}

}  // namespace groot::model
