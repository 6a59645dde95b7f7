// The one place for command-line parsing helpers over CLI11 (every verb parses through here).
//
//   CLI::App app{"...", "groot convert"};
//   app.add_option("--fps", o.fps, "frame rate [default: the mapping's fps, else 30]")->check(cli::above(0));
//   app.add_option("-j,--jobs", o.jobs, "workers")->check(cli::at_least(1));
//   cli::add_switch(app, "--gzip", "--no-gzip", o.gzip, "gzip-compressed datasets");
//   app.callback([&] { if (bad) cli::usage_error("--crf", "..."); });  // cross-flag checks
//   return cli::run_app(app, argc, argv, [&] { ...; return 0; });     // cli/verb.h
//
// parse() (called by run_app) gives every verb the same behaviour:
//  - usage errors (unknown flag, missing/extra value, value out of range, not a number, missing
//    required option) print "groot VERB: error: <message naming the flag>" plus, for an unknown
//    flag, "did you mean --fps?" (util/text.h nearest()), and exit 2 (kExitUsage);
//  - --help shows true defaults: every value option's default is captured from its variable just
//    before parsing and shown as "[default: X]" after its description; a description that already
//    says "[default: ...]" (defaults decided at run time: "[default: all cores]") is left alone;
//    a switch pair shows which of its two flags is the default; CLI11's "{false}" marks are gone.
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace groot::cli {

constexpr int kExitError = 1;  // the command ran and failed (groot::Error)
constexpr int kExitUsage = 2;  // the command line is wrong; nothing was done

// Range validators for numeric options, checked at parse time. The message names the flag, the
// value and the allowed range: "--fps: 0 is out of range (must be > 0)". A value that is not a
// number fails with "--fps: 'abc' is not a number".
CLI::Validator above(double lo);                // value > lo
CLI::Validator at_least(double lo);             // value >= lo
CLI::Validator in_range(double lo, double hi);  // lo <= value <= hi

// A pair of flags --on / --off bound to `value` (last one given wins); help shows
// "[default: --on]" or "[default: --off]" from value's current content.
CLI::Option* add_switch(CLI::App& app, const std::string& on, const std::string& off, bool& value,
                        const std::string& description);

// A usage error naming `flag` (exit 2). Throw it from app.callback() for checks that need
// several flags (e.g. --crf against --codec).
[[noreturn]] void usage_error(const std::string& flag, const std::string& message);

// Usage error unless 0 <= crf <= the codec's maximum (data/video.h max_crf: h264 51, av1 63).
void check_crf(int crf, const std::string& codec);

// Every option and flag name of `app` ("--fps", "-j", "--no-gzip", "--help"), for suggestions.
std::vector<std::string> flag_names(const CLI::App& app);

// Installs the help formatter, parses argv. Returns an exit code when the verb must stop now
// (0 after --help, kExitUsage after a usage error, already reported on stderr), nullopt to go on.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

}  // namespace groot::cli
