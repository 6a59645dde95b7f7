#include "train/checkpoint.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::train {

int save_sharded(const fs::path& dir, const NamedTensors& tensors, int64_t max_shard_bytes) {
  // Greedy split in order (as HF's split_torch_state_dict_into_shards for ordered tensors).
  std::vector<std::vector<size_t>> shards(1);
  int64_t cur = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i].second;
    const int64_t bytes = t.numel() * int64_t(t.element_size());
    if (!shards.back().empty() && cur + bytes > max_shard_bytes) {
      shards.emplace_back();
      cur = 0;
    }
    shards.back().push_back(i);
    cur += bytes;
  }
  const int n = int(shards.size());
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  int64_t total = 0;
  for (int k = 0; k < n; ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", k + 1, n);
    NamedTensors part;
    for (size_t i : shards[k]) {
      const auto& [key, t] = tensors[i];
      GROOT_CHECK(!t.is_meta(), "save: tensor ", key, " is shape-only (meta)");
      part.emplace_back(key, t.detach().to(torch::kCPU).contiguous());
      weight_map[key] = name;
      total += t.numel() * int64_t(t.element_size());
    }
    st::write_tensors((dir / name).string(), part, {{"format", "pt"}});
  }
  nlohmann::ordered_json index;
  index["metadata"] = {{"total_size", total}};
  index["weight_map"] = weight_map;
  write_file_atomic(dir / "model.safetensors.index.json", index.dump(2) + "\n");
  return n;
}

NamedTensors model_tensors(torch::nn::Module& model, const NamedTensors& extra) {
  NamedTensors out;
  for (const auto& item : model.named_parameters(true)) out.emplace_back(item.key(), item.value().detach());
  for (const auto& e : extra) out.push_back(e);
  return out;
}

void write_folder(const fs::path& dir, const FolderContent& c) {
  save_config(c.config, dir.string());
  save_sharded(dir, c.weights, c.max_shard_bytes);
  for (const auto& [rel, bytes] : c.files) {
    const fs::path p = dir / rel;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    GROOT_CHECK(!ec, "cannot create ", p.parent_path().string(), ": ", ec.message());
    write_file_atomic(p, bytes);
  }
  if (!c.optimizer.empty()) st::write_tensors((dir / "optimizer.safetensors").string(), c.optimizer, c.optimizer_metadata);
}

void write_checkpoint(const fs::path& output_dir, int64_t step, const FolderContent& c) {
  StagingDir stage(output_dir / ("checkpoint-" + std::to_string(step)), /*overwrite=*/true);
  write_folder(stage.path(), c);
  stage.commit();
}

int64_t checkpoint_step(const std::string& name) {
  const std::string pre = "checkpoint-";
  if (name.size() <= pre.size() || name.compare(0, pre.size(), pre) != 0) return -1;
  int64_t v = 0;
  for (size_t i = pre.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || v > (int64_t(1) << 50)) return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

std::vector<std::pair<int64_t, fs::path>> list_checkpoints(const fs::path& output_dir) {
  std::vector<std::pair<int64_t, fs::path>> out;
  std::error_code ec;
  if (!fs::is_directory(output_dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(output_dir, ec)) {
    const int64_t s = checkpoint_step(e.path().filename().string());
    if (s >= 0 && e.is_directory()) out.emplace_back(s, e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> rotate_checkpoints(const fs::path& output_dir, int64_t limit) {
  std::vector<fs::path> deleted;
  if (limit <= 0) return deleted;
  auto all = list_checkpoints(output_dir);
  for (size_t i = 0; i + size_t(limit) < all.size(); ++i) {
    // Rename first so a kill mid-delete leaves no partial folder under a checkpoint name.
    const fs::path gone = output_dir / ("." + all[i].second.filename().string() + ".deleting");
    std::error_code ec;
    fs::rename(all[i].second, gone, ec);
    GROOT_CHECK(!ec, "cannot remove old checkpoint ", all[i].second.string(), ": ", ec.message());
    remove_tree(gone);
    deleted.push_back(all[i].second);
  }
  return deleted;
}

void remove_stale_staging(const fs::path& output_dir) {
  std::error_code ec;
  if (!fs::is_directory(output_dir, ec)) return;
  for (const auto& e : fs::directory_iterator(output_dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(".checkpoint-", 0) != 0 && n.rfind(".final.", 0) != 0) continue;
    if (n.size() > 9 && n.compare(n.size() - 9, 9, ".deleting") == 0) {
      remove_tree(e.path());
      continue;
    }
    const auto dash = n.rfind('-');
    if (dash == std::string::npos) continue;
    const int pid = std::atoi(n.c_str() + dash + 1);
    const bool alive = pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
    if (!alive) remove_tree(e.path());
  }
}

std::map<std::string, torch::Tensor> read_optimizer_state(const fs::path& dir,
                                                          std::map<std::string, std::string>* metadata) {
  const std::string p = (dir / "optimizer.safetensors").string();
  GROOT_CHECK(st::exists(p), "checkpoint ", dir.string(), " has no optimizer.safetensors (cannot resume from it)");
  st::File f(p);
  std::map<std::string, torch::Tensor> out;
  for (const auto& v : f.tensors()) out[v.name] = st::to_tensor(v);
  if (metadata) *metadata = f.metadata();
  return out;
}

std::string describe_training(const fs::path& dir) {
  const fs::path ts_path = dir / "trainer_state.json";
  if (!fs::exists(ts_path)) return "";
  nlohmann::json ts, run;
  try {
    ts = nlohmann::json::parse(read_file(ts_path));
    if (fs::exists(dir / "experiment_cfg" / "finetune_config.json"))
      run = nlohmann::json::parse(read_file(dir / "experiment_cfg" / "finetune_config.json"));
  } catch (const nlohmann::json::exception& e) {
    fail(ts_path.string(), ": invalid JSON: ", e.what());
  }
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "\ntraining: step %lld of %lld%s\n", (long long)ts.value("global_step", int64_t(0)),
                (long long)ts.value("max_steps", int64_t(0)),
                fs::exists(dir / "optimizer.safetensors") ? " (checkpoint with optimizer state: resumable)" : "");
  out += buf;
  if (run.is_object()) {
    auto s = [&](const char* k) { return run.contains(k) ? run[k].dump() : std::string("?"); };
    out += "  run: dataset " + s("dataset_path") + ", embodiment " + s("embodiment_tag") + ", base " +
           s("base_model_path") + "\n";
    out += "  recipe: tune_llm " + s("tune_llm") + ", tune_visual " + s("tune_visual") + ", tune_projector " +
           s("tune_projector") + ", tune_diffusion_model " + s("tune_diffusion_model") + "; optim " + s("optim") +
           ", lr " + s("learning_rate") + ", batch " + s("global_batch_size") + " x " +
           s("gradient_accumulation_steps") + " accumulation, gradient checkpointing " + s("gradient_checkpointing") +
           "\n";
  }
  const auto& h = ts.value("log_history", nlohmann::json::array());
  if (!h.empty()) {
    out += "  loss history (" + std::to_string(h.size()) + " entries):\n      step       loss         lr   grad-norm\n";
    for (size_t i = 0; i < h.size(); ++i) {
      if (h.size() > 20 && i == 3) {
        out += "       ...\n";
        i = h.size() - 11;
        continue;
      }
      const auto& e = h[i];
      std::snprintf(buf, sizeof buf, "  %8lld  %9.5f  %9.3e  %10.4f\n", (long long)e.value("step", int64_t(0)),
                    e.value("loss", 0.0), e.value("learning_rate", 0.0), e.value("grad_norm", 0.0));
      out += buf;
    }
  }
  return out;
}

}  // namespace groot::train
