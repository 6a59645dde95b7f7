#include "train/finetune_config.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>

#include "data/modality_config.h"
#include "util/error.h"
#include "util/text.h"

namespace groot::train {

namespace {

enum class Kind { kBool, kInt, kFloat, kString, kOptString, kOptInt, kDict, kTag };

struct Flag {
  std::string name;  // snake_case
  Kind kind;
  std::string help;
  std::function<void(FinetuneConfig&, const std::vector<std::string>&)> set;  // values (bool: {"true"/"false"})
  std::function<std::string(const FinetuneConfig&)> show;                   // current value for --help
  bool required = false;
};

std::string kebab(std::string s) {
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

std::string fmt_double(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

int64_t to_int(const std::string& flag, const std::string& v) {
  errno = 0;
  char* end = nullptr;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  GROOT_CHECK(!v.empty() && end && *end == 0 && errno == 0, "--", kebab(flag), ": '", v, "' is not an integer");
  return x;
}

double to_double(const std::string& flag, const std::string& v) {
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  GROOT_CHECK(!v.empty() && end && *end == 0 && errno == 0 && std::isfinite(x), "--", kebab(flag), ": '", v,
              "' is not a number");
  return x;
}

bool is_none(const std::string& v) { return v == "None" || v == "none" || v == "null"; }

std::string canonical_embodiment(const std::string& v) {
  std::string low = v;
  std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  const std::vector<std::string>& known = data::known_embodiment_tags();
  for (const auto& k : known)
    if (k == low) return low;
  std::string names;
  for (const auto& k : known) {
    std::string up = k;
    std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    names += (names.empty() ? "" : ", ") + up;
  }
  const std::string near = nearest(low, known);
  fail("--embodiment-tag: unknown embodiment '", v, "'",
       near.empty() ? "" : " (did you mean " + std::string(near) + "?)", "; known tags: ", names,
       " (any case)");
}

const std::vector<Flag>& flags() {
  using C = FinetuneConfig;
  auto str = [](std::string C::*m) {
    return std::make_pair(
        std::function<void(C&, const std::vector<std::string>&)>([m](C& c, const std::vector<std::string>& v) { c.*m = v[0]; }),
        std::function<std::string(const C&)>([m](const C& c) { return (c.*m).empty() ? "(required)" : c.*m; }));
  };
  auto boolean = [](bool C::*m) {
    return std::make_pair(
        std::function<void(C&, const std::vector<std::string>&)>(
            [m](C& c, const std::vector<std::string>& v) { c.*m = v[0] == "true"; }),
        std::function<std::string(const C&)>([m](const C& c) { return c.*m ? "True" : "False"; }));
  };
  auto integer = [](int64_t C::*m, const char* name, int64_t lo) {
    return std::make_pair(std::function<void(C&, const std::vector<std::string>&)>(
                              [m, name, lo](C& c, const std::vector<std::string>& v) {
                                const int64_t x = to_int(name, v[0]);
                                GROOT_CHECK(x >= lo, "--", kebab(name), ": ", x, " is out of range (must be >= ", lo, ")");
                                c.*m = x;
                              }),
                          std::function<std::string(const C&)>([m](const C& c) { return std::to_string(c.*m); }));
  };
  auto real = [](double C::*m, const char* name, double lo, double hi) {
    return std::make_pair(std::function<void(C&, const std::vector<std::string>&)>(
                              [m, name, lo, hi](C& c, const std::vector<std::string>& v) {
                                const double x = to_double(name, v[0]);
                                GROOT_CHECK(x >= lo && x <= hi, "--", kebab(name), ": ", v[0],
                                            " is out of range (must be in [", lo, ", ", hi, "])");
                                c.*m = x;
                              }),
                          std::function<std::string(const C&)>([m](const C& c) { return fmt_double(c.*m); }));
  };
  auto mk = [](const char* n, Kind k, const char* help, auto p, bool req = false) {
    return Flag{n, k, help, p.first, p.second, req};
  };
  static const std::vector<Flag> f = [&] {
    std::vector<Flag> v;
    v.push_back(mk("base_model_path", Kind::kString,
                   "base model: a folder (config.json, model*.safetensors, processor files) or a hub id "
                   "such as nvidia/GR00T-N1.6-3B found in the Hugging Face cache",
                   str(&C::base_model_path), true));
    v.push_back(mk("dataset_path", Kind::kString, "LeRobot v2 dataset folder", str(&C::dataset_path), true));
    v.push_back(Flag{"embodiment_tag", Kind::kTag, "embodiment (NEW_EMBODIMENT, LIBERO_PANDA, ...; any case)",
                     [](C& c, const std::vector<std::string>& x) { c.embodiment_tag = canonical_embodiment(x[0]); },
                     [](const C& c) { return c.embodiment_tag.empty() ? std::string("(required)") : c.embodiment_tag; },
                     true});
    v.push_back(Flag{"modality_config_path", Kind::kOptString,
                     "modality config: the seed's Python file (register_modality_config), or .json/.yaml; "
                     "None = the dataset's meta/modality.json",
                     [](C& c, const std::vector<std::string>& x) {
                       if (is_none(x[0])) c.modality_config_path.reset();
                       else c.modality_config_path = x[0];
                     },
                     [](const C& c) { return c.modality_config_path ? *c.modality_config_path : std::string("None"); }});
    v.push_back(mk("tune_llm", Kind::kBool, "train the whole language model", boolean(&C::tune_llm)));
    v.push_back(mk("tune_visual", Kind::kBool, "train the vision encoder and mlp1", boolean(&C::tune_visual)));
    v.push_back(mk("tune_projector", Kind::kBool, "train the state/action encoders, decoder, position embedding",
                   boolean(&C::tune_projector)));
    v.push_back(mk("tune_diffusion_model", Kind::kBool, "train the DiT", boolean(&C::tune_diffusion_model)));
    v.push_back(mk("state_dropout_prob", Kind::kFloat, "probability of replacing the state token by mask_token",
                   real(&C::state_dropout_prob, "state_dropout_prob", 0.0, 1.0)));
    v.push_back(Flag{"random_rotation_angle", Kind::kOptInt, "random rotation augmentation (degrees); None = base's",
                     [](C& c, const std::vector<std::string>& x) {
                       if (is_none(x[0])) c.random_rotation_angle.reset();
                       else c.random_rotation_angle = to_int("random_rotation_angle", x[0]);
                     },
                     [](const C& c) {
                       return c.random_rotation_angle ? std::to_string(*c.random_rotation_angle) : std::string("None");
                     }});
    v.push_back(Flag{"color_jitter_params", Kind::kDict,
                     "colour jitter: brightness B contrast C saturation S hue H; None = base's",
                     [](C& c, const std::vector<std::string>& x) {
                       if (x.size() == 1 && is_none(x[0])) {
                         c.color_jitter_params.reset();
                         return;
                       }
                       GROOT_CHECK(x.size() % 2 == 0, "--color-jitter-params: expected KEY VALUE pairs, got ",
                                   x.size(), " values");
                       std::map<std::string, double> d;
                       for (size_t i = 0; i < x.size(); i += 2) {
                         static const std::vector<std::string> keys = {"brightness", "contrast", "saturation", "hue"};
                         if (std::find(keys.begin(), keys.end(), x[i]) == keys.end()) {
                           const std::string near = nearest(x[i], keys);
                           fail("--color-jitter-params: unknown key '", x[i], "'",
                                near.empty() ? "" : " (did you mean " + near + "?)",
                                "; keys: brightness, contrast, saturation, hue");
                         }
                         d[x[i]] = to_double("color_jitter_params", x[i + 1]);
                       }
                       c.color_jitter_params = d;
                     },
                     [](const C& c) {
                       if (!c.color_jitter_params) return std::string("None");
                       std::string s;
                       for (auto& kv : *c.color_jitter_params) s += (s.empty() ? "" : " ") + kv.first + " " + fmt_double(kv.second);
                       return s;
                     }});
    v.push_back(mk("global_batch_size", Kind::kInt, "samples per optimizer micro-step over all GPUs",
                   integer(&C::global_batch_size, "global_batch_size", 1)));
    v.push_back(mk("dataloader_num_workers", Kind::kInt, "data loading threads",
                   integer(&C::dataloader_num_workers, "dataloader_num_workers", 0)));
    v.push_back(mk("learning_rate", Kind::kFloat, "peak learning rate",
                   real(&C::learning_rate, "learning_rate", 0.0, 1.0)));
    v.push_back(mk("gradient_accumulation_steps", Kind::kInt, "micro-steps per optimizer step",
                   integer(&C::gradient_accumulation_steps, "gradient_accumulation_steps", 1)));
    v.push_back(mk("output_dir", Kind::kString, "checkpoints, logs and the final model", str(&C::output_dir)));
    v.push_back(mk("save_steps", Kind::kInt, "checkpoint every N optimizer steps", integer(&C::save_steps, "save_steps", 1)));
    v.push_back(mk("save_total_limit", Kind::kInt, "checkpoints kept (oldest deleted first; 0 = keep all)",
                   integer(&C::save_total_limit, "save_total_limit", 0)));
    v.push_back(mk("num_gpus", Kind::kInt, "GPUs (groot trains on one)", integer(&C::num_gpus, "num_gpus", 1)));
    v.push_back(mk("use_wandb", Kind::kBool, "Weights & Biases logging (not available: TensorBoard files are written)",
                   boolean(&C::use_wandb)));
    v.push_back(mk("max_steps", Kind::kInt, "optimizer steps", integer(&C::max_steps, "max_steps", 1)));
    v.push_back(mk("weight_decay", Kind::kFloat, "AdamW weight decay (not on biases / norms)",
                   real(&C::weight_decay, "weight_decay", 0.0, 1.0)));
    v.push_back(mk("warmup_ratio", Kind::kFloat, "linear warm-up share of max_steps, then cosine decay",
                   real(&C::warmup_ratio, "warmup_ratio", 0.0, 1.0)));
    v.push_back(mk("shard_size", Kind::kInt, "steps per data shard", integer(&C::shard_size, "shard_size", 1)));
    v.push_back(mk("episode_sampling_rate", Kind::kFloat, "share of an episode's steps per shard split",
                   real(&C::episode_sampling_rate, "episode_sampling_rate", 1e-9, 1.0)));
    v.push_back(mk("num_shards_per_epoch", Kind::kInt, "shards drawn per data epoch",
                   integer(&C::num_shards_per_epoch, "num_shards_per_epoch", 1)));
    v.push_back(mk("video_backend", Kind::kString, "accepted for compatibility (groot decodes with FFmpeg)",
                   str(&C::video_backend)));
    v.push_back(mk("override_pretraining_statistics", Kind::kBool, "use the dataset's statistics for the tag",
                   boolean(&C::override_pretraining_statistics)));
    v.push_back(Flag{"optim", Kind::kString, "adamw_torch (upstream) or adamw_8bit (bitsandbytes-style 8-bit states)",
                     [](C& c, const std::vector<std::string>& x) {
                       static const std::vector<std::string> ok = {"adamw_torch", "adamw_8bit", "adamw_bnb_8bit"};
                       if (std::find(ok.begin(), ok.end(), x[0]) == ok.end()) {
                         const std::string near = nearest(x[0], ok);
                         fail("--optim: unknown optimizer '", x[0], "'", near.empty() ? "" : " (did you mean " + near + "?)",
                              "; choose adamw_torch or adamw_8bit");
                       }
                       c.optim = x[0] == "adamw_bnb_8bit" ? "adamw_8bit" : x[0];
                     },
                     [](const C& c) { return c.optim; }});
    v.push_back(mk("gradient_checkpointing", Kind::kBool, "recompute activations in backward (less memory)",
                   boolean(&C::gradient_checkpointing)));
    v.push_back(mk("seed", Kind::kInt, "random seed (noise, t, data order)", integer(&C::seed, "seed", 0)));
    v.push_back(mk("logging_steps", Kind::kInt, "log every N optimizer steps", integer(&C::logging_steps, "logging_steps", 1)));
    v.push_back(mk("device", Kind::kString, "auto, cpu, cuda, cuda:N", str(&C::device)));
    return v;
  }();
  return f;
}

}  // namespace

int64_t FinetuneConfig::per_device_batch() const { return global_batch_size / num_gpus; }

nlohmann::json FinetuneConfig::to_json() const {
  nlohmann::json j;
  j["base_model_path"] = base_model_path;
  j["dataset_path"] = dataset_path;
  j["embodiment_tag"] = embodiment_tag;
  j["modality_config_path"] = modality_config_path ? nlohmann::json(*modality_config_path) : nlohmann::json();
  j["tune_llm"] = tune_llm;
  j["tune_visual"] = tune_visual;
  j["tune_projector"] = tune_projector;
  j["tune_diffusion_model"] = tune_diffusion_model;
  j["state_dropout_prob"] = state_dropout_prob;
  j["random_rotation_angle"] = random_rotation_angle ? nlohmann::json(*random_rotation_angle) : nlohmann::json();
  j["color_jitter_params"] = color_jitter_params ? nlohmann::json(*color_jitter_params) : nlohmann::json();
  j["global_batch_size"] = global_batch_size;
  j["dataloader_num_workers"] = dataloader_num_workers;
  j["learning_rate"] = learning_rate;
  j["gradient_accumulation_steps"] = gradient_accumulation_steps;
  j["output_dir"] = output_dir;
  j["save_steps"] = save_steps;
  j["save_total_limit"] = save_total_limit;
  j["num_gpus"] = num_gpus;
  j["use_wandb"] = use_wandb;
  j["max_steps"] = max_steps;
  j["weight_decay"] = weight_decay;
  j["warmup_ratio"] = warmup_ratio;
  j["shard_size"] = shard_size;
  j["episode_sampling_rate"] = episode_sampling_rate;
  j["num_shards_per_epoch"] = num_shards_per_epoch;
  j["video_backend"] = video_backend;
  j["override_pretraining_statistics"] = override_pretraining_statistics;
  j["optim"] = optim;
  j["gradient_checkpointing"] = gradient_checkpointing;
  j["seed"] = seed;
  j["logging_steps"] = logging_steps;
  j["device"] = device;
  return j;
}

FinetuneConfig parse_finetune_args(const std::vector<std::string>& args, bool* help) {
  FinetuneConfig c;
  if (help) *help = false;
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      if (help) *help = true;
      return c;
    }
  std::map<std::string, const Flag*> by_name;  // every spelling -> flag; "no" spellings map too
  std::set<std::string> negations;
  std::vector<std::string> spellings;
  for (const auto& f : flags()) {
    for (const auto& n : {f.name, kebab(f.name)}) {
      by_name["--" + n] = &f;
      spellings.push_back("--" + n);
      if (f.kind == Kind::kBool) {
        const std::string neg = "--no" + std::string(n == f.name ? "_" : "-") + n;
        by_name[neg] = &f;
        negations.insert(neg);
        spellings.push_back(neg);
      }
    }
  }
  std::set<const Flag*> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::optional<std::string> inline_value;
    if (a.rfind("--", 0) == 0) {
      const auto eq = a.find('=');
      if (eq != std::string::npos) {
        inline_value = a.substr(eq + 1);
        a = a.substr(0, eq);
      }
    }
    auto it = by_name.find(a);
    if (it == by_name.end()) {
      if (a.rfind("-", 0) != 0) fail("unexpected argument '", a, "' (every option is a --flag; see --help)");
      const std::string near = nearest(a, spellings);
      fail("unknown flag ", a, near.empty() ? "" : " (did you mean " + near + "?)", "; see groot finetune --help");
    }
    const Flag& f = *it->second;
    seen.insert(&f);
    std::vector<std::string> values;
    if (f.kind == Kind::kBool) {
      const bool neg = negations.count(a) > 0;
      if (inline_value) {
        GROOT_CHECK(!neg, a, " takes no value");
        std::string v = *inline_value;
        std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
        GROOT_CHECK(v == "true" || v == "false", a, ": '", *inline_value, "' is not True or False");
        values = {v};
      } else {
        values = {neg ? "false" : "true"};
      }
    } else if (inline_value) {
      values = {*inline_value};
    } else if (f.kind == Kind::kDict) {
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) values.push_back(args[++i]);
      GROOT_CHECK(!values.empty(), a, ": expected KEY VALUE pairs or None");
    } else {
      GROOT_CHECK(i + 1 < args.size(), a, ": missing value");
      values = {args[++i]};
    }
    f.set(c, values);
  }
  for (const auto& f : flags())
    GROOT_CHECK(!f.required || seen.count(&f), "missing required flag --", kebab(f.name));
  GROOT_CHECK(c.global_batch_size % c.num_gpus == 0, "--global-batch-size ", c.global_batch_size,
              " is not divisible by --num-gpus ", c.num_gpus);
  GROOT_CHECK(c.num_gpus == 1, "--num-gpus ", c.num_gpus, ": groot finetune trains on one GPU (use --num-gpus 1)");
  GROOT_CHECK(!c.use_wandb, "--use-wandb: Weights & Biases is not available in groot; metrics go to "
              "OUTPUT/runs (TensorBoard) and OUTPUT/train.log");
  return c;
}

std::string finetune_help() {
  std::ostringstream os;
  os << "Fine-tune GR00T N1.6 on a LeRobot v2 dataset (upstream launch_finetune flags; --kebab-case or "
        "--snake_case, --flag/--no-flag for booleans)\n\n"
        "Usage: groot finetune --base-model-path M --dataset-path D --embodiment-tag TAG [options]\n\nOptions:\n";
  const FinetuneConfig defaults;
  for (const auto& f : flags()) {
    std::string name = "--" + kebab(f.name);
    if (f.kind == Kind::kBool) name += ", --no-" + kebab(f.name);
    else if (f.kind == Kind::kDict) name += " K V ...";
    else name += " " + std::string(f.kind == Kind::kInt || f.kind == Kind::kOptInt ? "INT"
                                   : f.kind == Kind::kFloat                      ? "FLOAT"
                                                                                 : "TEXT");
    os << "  " << name << "\n      " << f.help << " [default: " << f.show(defaults) << "]\n";
  }
  os << "\nExample (the seed's command):\n"
        "  groot finetune --base-model-path nvidia/GR00T-N1.6-3B --dataset-path ds --embodiment-tag NEW_EMBODIMENT \\\n"
        "    --modality-config-path franka_mcx_config.py --output-dir out --num-gpus 1 --global-batch-size 2 \\\n"
        "    --gradient-accumulation-steps 16 --max-steps 10000 --save-steps 1000 --no-tune-llm --no-tune-visual\n";
  return os.str();
}

}  // namespace groot::train
