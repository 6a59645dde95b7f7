// `groot`: one binary, one verb per file in src/cli/. This file only dispatches.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/flags.h"
#include "cli/verb.h"
#include "util/text.h"
#include "util/error.h"
#include "util/interrupt.h"

namespace groot::cli {

std::vector<Verb>& verbs() {
  static std::vector<Verb> v;
  return v;
}

int run_app(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  if (std::optional<int> rc = parse(app, argc, argv)) return *rc;
  try {
    return body();
  } catch (const groot::Interrupted& e) {
    // The work stopped and its staging folders are gone (util/interrupt.h): die of the same signal.
    std::fprintf(stderr, "%s: %s; partial output removed\n", app.get_name().c_str(), e.what());
    std::fflush(nullptr);
    std::signal(e.signal(), SIG_DFL);
    std::raise(e.signal());
    return 128 + e.signal();
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), e.what());
    return kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", app.get_name().c_str(), e.what());
    return kExitError;
  }
}

static void usage(FILE* out) {
  auto v = verbs();
  std::sort(v.begin(), v.end(), [](const Verb& a, const Verb& b) { return a.order < b.order; });
  std::fprintf(out,
               "groot: native GR00T N1.6 data, fine-tuning and serving pipeline\n\n"
               "Usage: groot <command> [options]     (groot <command> --help for details)\n\n"
               "Commands:\n");
  for (const auto& x : v) std::fprintf(out, "  %-10s %s\n", x.name, x.summary);
  std::fprintf(out,
               "\nExamples:\n"
               "  groot synth --output demos.hdf5 --demos 20\n"
               "  groot convert --hdf5 demos.hdf5 --output datasets/mcx\n"
               "  groot stats datasets/mcx && groot validate datasets/mcx\n"
               "  groot --version\n");
}

}  // namespace groot::cli

int main(int argc, char** argv) {
  using namespace groot::cli;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    usage(stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  if (name == "--version" || name == "-V") name = "version";
  for (const auto& v : verbs()) {
    if (name == v.name) {
      std::string prog = std::string("groot ") + v.name;
      std::vector<char*> args;
      args.push_back(prog.data());
      for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
      return v.run(int(args.size()), args.data());
    }
  }
  std::vector<std::string> names;
  for (const auto& v : verbs()) names.push_back(v.name);
  std::string near = groot::nearest(name, names);
  std::fprintf(stderr, "groot: unknown command '%s'%s\n\n", argv[1],
               near.empty() ? "" : (" (did you mean '" + near + "'?)").c_str());
  usage(stderr);
  return kExitUsage;
}
