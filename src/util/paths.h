#pragma once
#include <string>

namespace groot {
// Folder of the running executable (from /proc/self/exe).
std::string executable_dir();

// The runtime assets folder (the Eagle/Qwen2 tokenizer in `eagle_tokenizer/`), the first that exists of:
//   $GROOT_ASSETS_DIR                      (explicit override)
//   <executable dir>/assets                (a build tree: CMake copies assets/ next to `groot`)
//   <executable dir>/../share/groot/assets (an installed prefix: bin/groot, share/groot/assets)
//   <source tree>/assets                   (compiled in: a binary run from elsewhere in its own tree)
// Throws groot::Error listing the places searched when none exists.
std::string assets_dir();
}  // namespace groot
