// Cooperative interruption of long work by SIGINT / SIGTERM, so that outputs staged in hidden
// folders (util/fs.h StagingDir) are removed before the process exits:
//
//   groot::InterruptGuard guard;     // the verb: SIGINT/SIGTERM now only set a flag
//   ... groot::throw_if_interrupted();   // the work, between blocks: throws groot::Interrupted
//   // unwinding removes the staging folder; the CLI (run_app) then prints a line and dies of the
//   // same signal, so the shell sees 128 + N (130 for Ctrl-C, 143 for SIGTERM).
//
// A second signal while the first is being handled kills the process at once (default action).
// Without a guard, throw_if_interrupted() never throws and signals keep their usual effect.
#pragma once
#include "util/error.h"

namespace groot {

class Interrupted : public Error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Installs the SIGINT/SIGTERM handlers for its lifetime (restores the previous ones after).
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// The signal received under a guard (SIGINT or SIGTERM), or 0.
int interrupt_signal();
// Throws Interrupted when a signal was received under a guard.
void throw_if_interrupted();

}  // namespace groot
