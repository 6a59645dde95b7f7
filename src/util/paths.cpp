#include "util/paths.h"

#include <cstdlib>

#include "groot/build_config.h"

namespace groot {
std::string shared_dir() {
  const char* env = std::getenv("GROOT_SHARED_DIR");
  return env && *env ? std::string(env) : std::string(GROOT_SHARED_DIR_DEFAULT);
}
}  // namespace groot
