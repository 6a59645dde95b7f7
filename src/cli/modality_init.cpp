// groot modality-init DATASET: writes meta/modality.json derived from meta/info.json (data/modality_init.h).
#include <cstdio>

#include "cli/verb.h"
#include "data/lerobot.h"
#include "data/modality_init.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

using namespace groot::data;

int run(int argc, char** argv) {
  CLI::App app{"Write meta/modality.json derived from meta/info.json (for LeRobot v2 datasets without one)",
               "groot modality-init"};
  std::string dataset;
  bool force = false, dry_run = false;
  app.add_option("dataset", dataset, "LeRobot v2 dataset folder")->required();
  app.add_flag("--force", force, "replace an existing meta/modality.json");
  app.add_flag("--dry-run", dry_run, "print the derived file, write nothing");
  app.footer(
      "A group per numeric observation.* feature (state) and action* feature (action) over its full width,\n"
      "every camera under its short name, the task (task_index) as the language annotation\n"
      "human.task_description. Edit the printed file to split groups (e.g. arm [0:6) and gripper [6:7)).\n\n"
      "Examples:\n  groot modality-init datasets/so100\n  groot modality-init datasets/so100 --dry-run\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    groot::fs::path root(dataset);
    groot::fs::path info_p = root / "meta/info.json";
    if (!groot::fs::exists(info_p)) groot::fail(info_p.string(), ": missing (is ", dataset, " a LeRobot v2 dataset?)");
    Info info = parse_info(parse_json_text(groot::read_file(info_p), info_p.string()), info_p.string());
    ojson j = derive_modality_json(info, info_p.string());
    parse_modality_meta(j, "derived modality.json");  // the reader accepts what we write
    std::string text = j.dump(4) + "\n";
    groot::fs::path out = root / "meta/modality.json";
    if (!dry_run) {
      if (groot::fs::exists(out) && !force)
        groot::fail(out.string(), ": exists; pass --force to replace it (or --dry-run to only print the derived one)");
      groot::write_file_atomic(out, text);
    }
    std::fputs(text.c_str(), stdout);
    if (!dry_run) std::fprintf(stderr, "wrote %s (edit it to split state/action into groups)\n", out.string().c_str());
    return 0;
  });
}

}  // namespace

// A hyphenated verb name, so the registrar is spelled out (GROOT_VERB uses the identifier as the name).
static ::groot::cli::VerbRegistrar groot_verb_registrar_modality_init(
    {"modality-init", 36, "write meta/modality.json derived from info.json", run});
