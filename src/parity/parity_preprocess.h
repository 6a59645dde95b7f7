// Registers the tokenizer / prompt and image-preprocessing golden checks with `groot parity`
// (parity/parity.h extension point). Call once before run_parity().
#pragma once

namespace groot::model {
void register_default_preprocess_checks();
}  // namespace groot::model
