#pragma once
#include <string>

namespace groot {
// The read-only shared/ folder (fixtures, goldens, eagle tokenizer): $GROOT_SHARED_DIR if set,
// else the path configured at build time (<source>/../shared).
std::string shared_dir();
}  // namespace groot
