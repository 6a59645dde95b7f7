// Processor files saved next to a GR00T N1.6 checkpoint, in upstream's schema
// (Gr00tN1d6Processor.save_pretrained / from_pretrained, Isaac-GR00T 92f523d):
//
//   processor_config.json  {"processor_class": "Gr00tN1d6Processor", "processor_kwargs": {
//                             "modality_configs": {tag: {video|state|action|language: {
//                                 delta_indices, modality_keys, sin_cos_embedding_keys,
//                                 mean_std_embedding_keys, action_configs: [{rep, type, format,
//                                 state_key}] | null}}},
//                             image_crop_size, image_target_size, use_albumentations,
//                             random_rotation_angle, color_jitter_params, shortest_image_edge,
//                             crop_fraction, model_name, model_type, formalize_language,
//                             max_state_dim, max_action_dim, max_action_horizon, use_percentiles,
//                             clip_outliers, apply_sincos_state_encoding, use_relative_action}}
//                          Enums are written by name ("RELATIVE", "NON_EEF", "DEFAULT"); names or
//                          values are accepted on read. Each tag's configs are data::ModalityConfig
//                          (data/modality_config.h, the one modality-config type); its empty lists
//                          and state_key are written as null (upstream's None; upstream treats
//                          None and [] alike). Unknown processor_kwargs (e.g. keys of
//                          later upstream versions) are kept verbatim and written back.
//   statistics.json        {tag: {"state": {key: {min,max,mean,std,q01,q99: [D]}},
//                                 "action": {...}, "relative_action": {key: {...: [[D] x T]}}}}
//   embodiment_id.json     {tag: projector slot} (processor/embodiment.h)
//
// All files are written with indent=2 like upstream's json.dump and atomically (temp + rename).
// Also: building one embodiment's statistics from a dataset's meta/ folder (stats.json sliced by
// modality.json [start:end] / original_key, plus relative_stats.json), as upstream's dataset
// statistics feed processor.set_statistics.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "processor/embodiment.h"
#include "processor/image_transforms.h"
#include "processor/state_action.h"

namespace groot::procfiles {

struct ProcessorConfig {
  std::string processor_class = "Gr00tN1d6Processor";
  std::vector<std::pair<std::string, data::ModalityConfig>> modality_configs;  // tag order kept
  std::optional<std::vector<int>> image_crop_size, image_target_size;
  bool use_albumentations = true;
  std::optional<double> random_rotation_angle;
  std::optional<img::ColorJitterParams> color_jitter_params;
  std::optional<int> shortest_image_edge = 256;
  std::optional<double> crop_fraction = 0.95;
  std::string model_name = "nvidia/Eagle-Block2A-2B-v2";
  std::string model_type = "eagle";
  bool formalize_language = true;
  int max_state_dim = 128, max_action_dim = 128, max_action_horizon = 50;
  bool use_percentiles = false, clip_outliers = true, apply_sincos_state_encoding = true,
       use_relative_action = true;
  // processor_kwargs keys this version does not know: key -> JSON text, in file order.
  std::vector<std::pair<std::string, std::string>> extra_kwargs;

  const data::ModalityConfig* find(const std::string& tag) const;
};

ProcessorConfig parse_processor_config(const std::string& json_text, const std::string& origin);
ProcessorConfig read_processor_config(const std::string& path);
std::string processor_config_json(const ProcessorConfig& cfg);
void write_processor_config(const std::string& path, const ProcessorConfig& cfg);

proc::Statistics parse_statistics(const std::string& json_text, const std::string& origin);
proc::Statistics read_statistics(const std::string& path);
std::string statistics_json(const proc::Statistics& stats);
void write_statistics(const std::string& path, const proc::Statistics& stats);

// The three files of a checkpoint folder. embodiment_id.json is optional on read (upstream falls
// back to its table); missing tags are filled from the table.
struct ProcessorFiles {
  ProcessorConfig config;
  proc::Statistics statistics;
  embodiment::EmbodimentMapping embodiment_ids = embodiment::EmbodimentMapping::defaults();
};
ProcessorFiles load_processor_files(const std::string& dir);
void save_processor_files(const std::string& dir, const ProcessorFiles& files);

// Helpers turning the config into the runtime pieces.
img::ImageTransformConfig image_transform_config(const ProcessorConfig& cfg);
proc::StateActionFlags state_action_flags(const ProcessorConfig& cfg);
proc::PaddingConfig padding_config(const ProcessorConfig& cfg);
std::map<std::string, data::ModalityConfig> modality_config_map(const ProcessorConfig& cfg);
// A ready StateActionProcessor (configs + flags + statistics).
proc::StateActionProcessor make_state_action_processor(const ProcessorFiles& files);

// One embodiment's statistics from a LeRobot/GR00T dataset meta/ folder: stats.json (per column),
// modality.json (read by data::parse_modality_meta: state/action key -> [start, end) of
// "observation.state"/"action" or original_key), relative_stats.json when present
// (-> "relative_action").
proc::EmbodimentStats embodiment_stats_from_dataset_meta(const std::string& meta_dir);

}  // namespace groot::procfiles
