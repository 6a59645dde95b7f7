// Builds data::ModalityConfig values in tests (the processor, its files and the collate tests).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "data/modality_config.h"

namespace groot::test {

// A present modality group; empty lists mean upstream's None.
inline data::ModalityGroup group(std::vector<int> delta, std::vector<std::string> keys,
                                 std::vector<std::string> sin_cos = {}, std::vector<std::string> mean_std = {},
                                 std::vector<data::ActionConfig> action_configs = {}) {
  data::ModalityGroup g;
  g.present = true;
  g.delta_indices = std::move(delta);
  g.modality_keys = std::move(keys);
  g.sin_cos_embedding_keys = std::move(sin_cos);
  g.mean_std_embedding_keys = std::move(mean_std);
  g.action_configs = std::move(action_configs);
  return g;
}

// An embodiment's config from (modality name, group) pairs: "video", "state", "action", "language".
inline data::ModalityConfig make_config(const std::vector<std::pair<std::string, data::ModalityGroup>>& groups) {
  data::ModalityConfig c;
  for (const auto& [name, g] : groups)
    (name == "video" ? c.video : name == "state" ? c.state : name == "action" ? c.action : c.language) = g;
  return c;
}

}  // namespace groot::test
