#include "util/text.h"

#include <algorithm>

namespace groot {

size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  // Three rows of the (n+1) x (m+1) dynamic-programming table: i-2, i-1, i.
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t d = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d = std::min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
  size_t dashes = 0;
  while (dashes < word.size() && word[dashes] == '-') ++dashes;
  const size_t core = word.size() - dashes;
  const size_t limit = std::max<size_t>(1, std::min<size_t>(3, (core + 1) / 3));
  size_t best_d = limit + 1;
  std::string best;
  for (const std::string& c : candidates) {
    size_t d = edit_distance(word, c);
    if (core >= 3 && c.size() > word.size() && c.compare(0, word.size(), word) == 0) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace groot
