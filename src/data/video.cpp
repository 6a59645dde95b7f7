// Placeholder until the FFmpeg implementation lands (video helper owns this file).
#include "data/video.h"

#include "groot/build_config.h"
#include "util/error.h"

namespace groot::video {
bool available() { return false; }
std::string backend_description() { return "not implemented yet"; }
}  // namespace groot::video
