// `groot`: one binary, one verb per file in src/cli/. This file only dispatches.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/verb.h"
#include "util/error.h"

namespace groot::cli {

std::vector<Verb>& verbs() {
  static std::vector<Verb> v;
  return v;
}

int run_app(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return body();
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", app.get_name().c_str(), e.what());
    return 1;
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
  std::fprintf(stderr, "groot: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
