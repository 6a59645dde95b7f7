// Small text helpers shared by the command-line parsers (did-you-mean suggestions).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace groot {

// Optimal-string-alignment distance: the fewest single-character insertions, deletions,
// substitutions and swaps of two adjacent characters that turn `a` into `b`
// ("fsp" -> "fps" is 1, "fps" -> "fp" is 1, "crf" -> "gop" is 3). Case-sensitive, byte-wise.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit_distance, or "" when none is close enough to be a
// plausible typo: the distance must be at most max(1, min(3, (word.size() + 1) / 3)), so short
// words need a near-exact match. Ties go to the earlier candidate. A candidate that starts with
// `word` (an abbreviation, "--out" for "--output") counts as distance 1 when `word` has at least
// 3 characters past any leading dashes.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace groot
