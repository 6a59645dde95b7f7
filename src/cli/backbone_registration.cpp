// Links the Eagle backbone into the `groot` binary's model registries (groot parity, ...).
// Kept in src/cli/ because the executable links every object here (a self-registering object in the
// static groot_model library would be dropped by the linker).
#include "model/eagle_vl_backbone.h"

namespace {
const bool registered = [] {
  groot::model::register_eagle_backbone_for_parity();
  return true;
}();
}  // namespace
