// util/text.h: edit_distance against the recursive definition of the optimal-string-alignment
// distance, and nearest()'s typo thresholds.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "util/text.h"

namespace {

// The textbook recurrence, evaluated naively (exponential; fine for strings of <= 5 characters).
size_t osa_reference(const std::string& a, const std::string& b) {
  if (a.empty()) return b.size();
  if (b.empty()) return a.size();
  const size_t i = a.size(), j = b.size();
  size_t d = std::min({osa_reference(a.substr(0, i - 1), b) + 1, osa_reference(a, b.substr(0, j - 1)) + 1,
                       osa_reference(a.substr(0, i - 1), b.substr(0, j - 1)) + (a[i - 1] == b[j - 1] ? 0 : 1)});
  if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
    d = std::min(d, osa_reference(a.substr(0, i - 2), b.substr(0, j - 2)) + 1);
  return d;
}

}  // namespace

TEST(Text, EditDistanceMatchesTheRecurrence) {
  std::mt19937 rng(12345);
  auto word = [&] {
    std::string s(rng() % 6, 'a');
    for (char& c : s) c = char('a' + rng() % 3);
    return s;
  };
  for (int n = 0; n < 400; ++n) {
    std::string a = word(), b = word();
    ASSERT_EQ(groot::edit_distance(a, b), osa_reference(a, b)) << "'" << a << "' vs '" << b << "'";
  }
}

TEST(Text, EditDistanceKnownCases) {
  EXPECT_EQ(groot::edit_distance("kitten", "sitting"), 3u);  // 2 substitutions + 1 insertion
  EXPECT_EQ(groot::edit_distance("--fsp", "--fps"), 1u);     // one adjacent swap
  EXPECT_EQ(groot::edit_distance("", "abc"), 3u);
  EXPECT_EQ(groot::edit_distance("same", "same"), 0u);
  EXPECT_EQ(groot::edit_distance("ca", "abc"), 3u);  // OSA edits no substring twice (true Damerau: 2)
}

TEST(Text, NearestSuggestsOnlyPlausibleTypos) {
  const std::vector<std::string> flags = {"--help", "--hdf5", "--output", "--overwrite", "--fps", "--jobs",
                                          "-j", "--skip-invalid", "--crf", "--codec"};
  EXPECT_EQ(groot::nearest("--fsp", flags), "--fps");
  EXPECT_EQ(groot::nearest("--jbos", flags), "--jobs");
  EXPECT_EQ(groot::nearest("--ouptut", flags), "--output");
  EXPECT_EQ(groot::nearest("--skip-invalud", flags), "--skip-invalid");
  EXPECT_EQ(groot::nearest("-fps", flags), "--fps");
  EXPECT_EQ(groot::nearest("--out", flags), "--output");  // abbreviation: first candidate that extends it
  EXPECT_EQ(groot::nearest("--zzzzzz", flags), "");
  EXPECT_EQ(groot::nearest("--gzip", flags), "");  // 3 edits from --help: too far for a 4-letter word
  EXPECT_EQ(groot::nearest("conver", {"synth", "convert", "info"}), "convert");
  EXPECT_EQ(groot::nearest("x", {"synth", "convert"}), "");
  EXPECT_EQ(groot::nearest("--fps", {}), "");
}
