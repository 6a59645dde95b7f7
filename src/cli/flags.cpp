#include "cli/flags.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "data/video.h"
#include "util/text.h"

namespace groot::cli {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A numeric validator: `ok(value)` decides, `rule` is the allowed range in words.
CLI::Validator numeric(std::function<bool(double)> ok, const std::string& rule, const std::string& short_rule) {
  return CLI::Validator(
      [ok, rule](std::string& s) -> std::string {
        const char* b = s.c_str();
        char* end = nullptr;
        double v = std::strtod(b, &end);
        if (s.empty() || end != b + s.size() || std::isnan(v)) return "'" + s + "' is not a number";
        if (!ok(v)) return s + " is out of range (must be " + rule + ")";
        return std::string();
      },
      short_rule);
}

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

// CLI11's formatter with true defaults (see flags.h).
class Formatter : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool positional) const override {
    if (positional) return opt->get_name(true, false);
    std::string names;
    for (const auto& s : opt->get_snames()) names += (names.empty() ? "-" : ", -") + s;
    for (const auto& l : opt->get_lnames()) names += (names.empty() ? "--" : ", --") + l;
    return names;
  }
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_type_size() == 0) return std::string();
    std::string out;
    if (!opt->get_type_name().empty()) out += " " + opt->get_type_name();
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
    if (opt->get_required()) out += " REQUIRED";
    return out;
  }
  std::string make_option_desc(const CLI::Option* opt) const override {
    std::string d = opt->get_description();
    if (contains(d, "[default:") || opt->get_type_size() == 0 || opt->get_required()) return d;
    const std::string def = opt->get_default_str();
    if (!def.empty() && def != "[]") d += " [default: " + def + "]";
    return d;
  }
};

void report(const CLI::App& app, const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\nRun '%s --help' for the flags.\n", app.get_name().c_str(), message.c_str(),
               app.get_name().c_str());
}

// The first leftover argument as a usage-error message ("" when none).
std::string leftover_message(const CLI::App& app) {
  std::vector<std::string> rest = app.remaining();
  for (const std::string& a : rest) {
    if (a.size() > 1 && a[0] == '-') {
      std::string flag = a.substr(0, a.find('='));
      std::string near = nearest(flag, flag_names(app));
      return "unknown flag " + flag + (near.empty() ? std::string() : " (did you mean " + near + "?)");
    }
  }
  if (!rest.empty()) return "unexpected argument '" + rest.front() + "'";
  return std::string();
}

}  // namespace

CLI::Validator above(double lo) {
  return numeric([lo](double v) { return v > lo; }, "> " + num(lo), ">" + num(lo));
}

CLI::Validator at_least(double lo) {
  return numeric([lo](double v) { return v >= lo; }, ">= " + num(lo), ">=" + num(lo));
}

CLI::Validator in_range(double lo, double hi) {
  return numeric([lo, hi](double v) { return v >= lo && v <= hi; }, "in [" + num(lo) + ", " + num(hi) + "]",
                 num(lo) + ".." + num(hi));
}

CLI::Option* add_switch(CLI::App& app, const std::string& on, const std::string& off, bool& value,
                        const std::string& description) {
  const std::string def = value ? on : off;
  return app.add_flag(on + ",!" + off, value, description + " [default: " + def + "]");
}

void usage_error(const std::string& flag, const std::string& message) { throw CLI::ValidationError(flag, message); }

void check_crf(int crf, const std::string& codec) {
  const int max_crf = video::max_crf(codec);
  if (crf < 0 || crf > max_crf)
    usage_error("--crf", std::to_string(crf) + " is out of range for --codec " + codec + " (must be in [0, " +
                             std::to_string(max_crf) + "])");
}

std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
  }
  return names;
}

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  app.formatter(std::make_shared<Formatter>());
  app.allow_extras();
  for (CLI::Option* o : app.get_options())
    if (o->get_type_size() != 0 && o->get_default_str().empty()) o->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::string unknown = leftover_message(app);
    report(app, unknown.empty() ? std::string(e.what()) : unknown);
    return kExitUsage;
  }
  std::string unknown = leftover_message(app);
  if (!unknown.empty()) {
    report(app, unknown);
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace groot::cli
