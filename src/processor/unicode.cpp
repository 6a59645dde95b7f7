#include "processor/unicode.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "util/error.h"

namespace groot::unicode {

namespace {

constexpr char32_t kMaxCp = 0x110000;

// Flat flag table over every code point (1.1 MB), built once from the generated ranges.
const std::vector<uint8_t>& flag_table() {
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(kMaxCp, 0);
    for (size_t i = 0; i < kNumFlagRanges; ++i) {
      const FlagRange& r = kFlagRanges[i];
      std::fill(t.begin() + r.first, t.begin() + r.last + 1, r.flags);
    }
    return t;
  }();
  return table;
}

// Hangul syllable constants (Unicode ch. 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
              kSCount = kLCount * kNCount;

void decompose_into(char32_t cp, std::u32string& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    int s = int(cp - kSBase);
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  const DecompEntry* end = kDecompTable + kNumDecompEntries;
  const DecompEntry* it =
      std::lower_bound(kDecompTable, end, cp, [](const DecompEntry& e, char32_t c) { return e.cp < c; });
  if (it != end && it->cp == cp) {
    for (int k = 0; k < it->len; ++k) out.push_back(char32_t(kDecompPool[it->offset + k]));
  } else {
    out.push_back(cp);
  }
}

// Primary composite of (a, b), or 0.
char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const ComposeEntry* end = kComposeTable + kNumComposeEntries;
  const ComposeEntry* it =
      std::lower_bound(kComposeTable, end, std::make_pair(a, b),
                       [](const ComposeEntry& e, const std::pair<char32_t, char32_t>& k) {
                         return e.first != k.first ? e.first < k.first : e.second < k.second;
                       });
  if (it != end && it->first == a && it->second == b) return it->composite;
  return 0;
}

}  // namespace

static_assert(sizeof(char32_t) == sizeof(uint32_t), "char32_t must be 32-bit");

uint8_t flags(char32_t cp) {
  return cp < kMaxCp ? flag_table()[cp] : 0;
}
const uint8_t* flag_table_data() {
  return flag_table().data();
}

uint8_t ccc(char32_t cp) {
  if (cp < 0x300) return 0;
  const CccRange* end = kCccRanges + kNumCccRanges;
  const CccRange* it =
      std::upper_bound(kCccRanges, end, cp, [](char32_t c, const CccRange& r) { return c < r.first; });
  if (it == kCccRanges) return 0;
  --it;
  return (cp >= it->first && cp <= it->last) ? it->ccc : 0;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) append_utf8(out, c);
  return out;
}

namespace {
// Length of the valid UTF-8 sequence at s[i] (writing its code point), or the length of the
// maximal invalid subpart as a negative number (Unicode 3.9 "maximal subpart" rule, Table 3-7).
int utf8_step(std::string_view s, size_t i, char32_t* cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned char b0 = p[i];
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  int len;
  unsigned char lo = 0x80, hi = 0xBF;  // valid range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  char32_t c = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (int k = 1; k < len; ++k) {
    if (i + k >= n) return -k;
    unsigned char b = p[i + k];
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) return -k;
    c = (c << 6) | (b & 0x3F);
  }
  *cp = c;
  return len;
}
}  // namespace

size_t find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    int k = utf8_step(s, i, &cp);
    if (k < 0) return i;
    i += k;
  }
  return std::string_view::npos;
}

std::u32string decode_utf8(std::string_view s, std::string_view what) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    int k = utf8_step(s, i, &cp);
    if (k < 0) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned char>(s[i]));
      fail(what, ": invalid UTF-8 at byte ", i, " (byte ", hex, "); text must be UTF-8 encoded");
    }
    out.push_back(cp);
    i += k;
  }
  return out;
}

std::string decode_utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  char32_t cp;
  while (i < bytes.size()) {
    int k = utf8_step(bytes, i, &cp);
    if (k < 0) {
      append_utf8(out, 0xFFFD);
      i += size_t(-k);
    } else {
      out.append(bytes.data() + i, k);
      i += k;
    }
  }
  return out;
}

bool is_nfc_quick(std::u32string_view cps) {
  const auto& t = flag_table();
  for (char32_t c : cps) {
    if (c >= 0x300 && (t[c] & kNfcMaybe)) return false;
  }
  return true;
}

std::u32string nfc(std::u32string_view cps) {
  if (is_nfc_quick(cps)) return std::u32string(cps);
  // 1. full canonical decomposition
  std::u32string d;
  d.reserve(cps.size() + 8);
  for (char32_t c : cps) decompose_into(c, d);
  // 2. canonical ordering: stable sort of each run of non-starters by combining class
  std::vector<uint8_t> cc(d.size());
  for (size_t i = 0; i < d.size(); ++i) cc[i] = ccc(d[i]);
  for (size_t i = 0; i < d.size();) {
    if (cc[i] == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < d.size() && cc[j] != 0) ++j;
    for (size_t a = i + 1; a < j; ++a) {  // insertion sort (stable)
      for (size_t b = a; b > i && cc[b - 1] > cc[b]; --b) {
        std::swap(cc[b - 1], cc[b]);
        std::swap(d[b - 1], d[b]);
      }
    }
    i = j;
  }
  // 3. canonical composition
  std::u32string out;
  out.reserve(d.size());
  long starter = -1;  // index in `out` of the last starter
  int last_cc = 0;    // combining class of out.back()
  for (size_t i = 0; i < d.size(); ++i) {
    char32_t c = d[i];
    int c_cc = cc[i];
    if (starter >= 0) {
      bool adjacent = size_t(starter) + 1 == out.size();
      bool blocked = !adjacent && (last_cc == 0 || last_cc >= c_cc);
      if (!blocked) {
        char32_t comp = compose_pair(out[size_t(starter)], c);
        if (comp) {
          out[size_t(starter)] = comp;
          continue;
        }
      }
    }
    if (c_cc == 0) starter = long(out.size());
    out.push_back(c);
    last_cc = c_cc;
  }
  return out;
}

std::u32string py_lower(std::u32string_view cps) {
  std::u32string out;
  out.reserve(cps.size());
  const auto& t = flag_table();
  const LowerEntry* end = kLowerTable + kNumLowerEntries;
  for (size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    if (c == 0x3A3) {  // GREEK CAPITAL SIGMA: final form when it ends a cased word (CPython rule)
      long j = long(i) - 1;
      while (j >= 0 && (t[cps[size_t(j)]] & kCaseIgnorable)) --j;
      bool final_sigma = j >= 0 && (t[cps[size_t(j)]] & kCased);
      if (final_sigma) {
        size_t k = i + 1;
        while (k < cps.size() && (t[cps[k]] & kCaseIgnorable)) ++k;
        final_sigma = k == cps.size() || !(t[cps[k]] & kCased);
      }
      out.push_back(final_sigma ? 0x3C2 : 0x3C3);
      continue;
    }
    const LowerEntry* it =
        std::lower_bound(kLowerTable, end, c, [](const LowerEntry& e, char32_t x) { return e.cp < x; });
    if (it != end && it->cp == c) {
      for (int k = 0; k < it->n; ++k) out.push_back(it->out[k]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace groot::unicode
