// Reads an Isaac-GR00T Python modality config (upstream examples/*/..._config.py, the seed's
// franka_mcx_config.py) without running Python: the declarative subset below is parsed into the same
// JSON form that modality_config.h's YAML reader produces, then parse_modality_config() checks it.
//
// Accepted (anything else is refused with file:line, the construct, and a pointer to the YAML form):
//   import a.b [as c] / from a.b import x, (y as z,) / from a import *     (ignored)
//   NAME = <expr>                                                           (module-level variables)
//   register_modality_config(<expr>, embodiment_tag=EmbodimentTag.X)       (config may be a keyword)
//   a module docstring or other bare string statement                       (ignored)
//   <expr>: int (optional unary minus), 'str' / "str" (also r-prefixed; no f-strings), True / False /
//           None, [list], (tuple), {dict: literal}, a variable assigned earlier,
//           ModalityConfig(delta_indices=, modality_keys=, sin_cos_embedding_keys=,
//                          mean_std_embedding_keys=, action_configs=),
//           ActionConfig(rep=, type=, format=, state_key=),
//           ActionRepresentation.X / ActionType.X / ActionFormat.X / EmbodimentTag.X,
//           range(stop) / range(start, stop[, step]) and list(<expr>)
//   comments, blank lines, trailing commas, calls and literals over several lines, `\` continuation.
// Names may be qualified by a module (types.ModalityConfig); only the last part counts.
//
//   auto regs = parse_modality_py(read_file(p), p.string());  // one entry per register call
#pragma once
#include <string>
#include <vector>

#include "data/modality_config.h"

namespace groot::data {

struct PyRegistration {
  int line = 0;  // line of the register_modality_config call
  ojson config;  // the modality_config.h file form: {embodiment_tag, video, state, action, language}
};

// Parses the text; throws groot::Error naming `source`, the line and the refused construct.
std::vector<PyRegistration> parse_modality_py(const std::string& text, const std::string& source);

// The registration for `embodiment_tag` (any case; "" = the only one in the file) as a ModalityConfig.
ModalityConfig load_modality_config_py(const fs::path& path, const std::string& embodiment_tag = "");

}  // namespace groot::data
