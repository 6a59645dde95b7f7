// Verb registry for the `groot` binary. Each verb lives in its own src/cli/<verb>.cpp, parses
// its own flags with CLI11 and the helpers of cli/flags.h (range checks, switches, usage errors,
// help with true defaults), and registers itself:
//
//   static int run(int argc, char** argv) {
//     CLI::App app{"Convert Isaac Lab HDF5 demos to a LeRobot v2.1 dataset", "groot convert"};
//     app.add_option("--fps", o.fps, "frame rate")->check(groot::cli::in_range(1, 1000));
//     ... app.footer("Examples:\n  groot convert --hdf5 demos.hdf5 --output ds\n");
//     return groot::cli::run_app(app, argc, argv, [&] { ...; return 0; });
//   }
//   GROOT_VERB(convert, 20, "HDF5 teleop demos -> LeRobot v2.1 dataset", run);
//
// The number orders `groot --help`. Errors: throw groot::Error (util/error.h); run_app prints
// "groot <verb>: error: <message>" and returns 1. Usage errors (cli/flags.h parse) return 2.
// groot::Interrupted (util/interrupt.h) ends the process by the signal that caused it.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace groot::cli {

struct Verb {
  const char* name;
  int order;
  const char* summary;
  int (*run)(int argc, char** argv);
};

std::vector<Verb>& verbs();

struct VerbRegistrar {
  explicit VerbRegistrar(Verb v) { verbs().push_back(v); }
};

// Parses argv with `app` (cli/flags.h parse), runs `body`, converts exceptions into messages + exit codes.
int run_app(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

}  // namespace groot::cli

#define GROOT_VERB(name, order, summary, fn) \
  static ::groot::cli::VerbRegistrar groot_verb_registrar_##name({#name, order, summary, fn})
