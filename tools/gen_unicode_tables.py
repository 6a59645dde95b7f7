#!/usr/bin/env python3
"""Generates src/processor/unicode_tables.cpp: the Unicode data the tokenizer and the prompt code need.

Usage: python3 tools/gen_unicode_tables.py [OUT_CPP]   (default: src/processor/unicode_tables.cpp)

Everything comes from this Python's own `unicodedata` / `re` / str methods, so the tables describe
exactly what Python (and, for the categories, any Unicode-conformant regex engine) does:

  flags      per code point, as ranges:
             LETTER   general category L*            (regex \\p{L}, Qwen2 pre-tokenizer)
             NUMBER   general category N*            (regex \\p{N})
             SPACE    Oniguruma/Unicode \\s: U+0009..U+000D, U+0085, Zs, Zl, Zp
                      (the HF `tokenizers` Split pre-tokenizer runs Oniguruma)
             PYWORD   Python `re` \\w on str         (formalize_language)
             PYSPACE  Python `re` \\s on str         (formalize_language)
             NFC_MAYBE the code point can change under NFC in some context: it has a canonical
                      decomposition, a non-zero combining class, or is the second element of a
                      canonical composition (incl. Hangul V/T jamo). A string without such code
                      points is already NFC.
             CASED / CASE_IGNORABLE  CPython's _PyUnicode_IsCased / _PyUnicode_IsCaseIgnorable
                      (final-sigma rule of str.lower())
  lower      str.lower() of every code point whose lower-case differs (full mappings, e.g. U+0130)
  ccc        canonical combining class ranges (non-zero only)
  decomp     full canonical decomposition (NFD) of every code point that has one (Hangul excluded:
             algorithmic)
  compose    primary composites: (first, second) -> composite, excluding composition exclusions
"""
import ctypes
import re
import sys
import unicodedata

MAXCP = 0x110000
LETTER, NUMBER, SPACE, PYWORD, PYSPACE, NFC_MAYBE, CASED, CASE_IGNORABLE = (1 << i for i in range(8))


def cased_funcs():
    try:
        f = ctypes.pythonapi._PyUnicode_IsCased
        g = ctypes.pythonapi._PyUnicode_IsCaseIgnorable
        for h in (f, g):
            h.argtypes = [ctypes.c_uint32]
            h.restype = ctypes.c_int
        return (lambda cp: bool(f(cp))), (lambda cp: bool(g(cp))), "CPython _PyUnicode_IsCased/_IsCaseIgnorable"
    except (AttributeError, OSError):
        # Fallback: derived from the Unicode definitions (Cased = Lowercase|Uppercase|Lt;
        # Case_Ignorable = Mn|Me|Cf|Lm|Sk|Word_Break in {MidLetter, MidNumLet, Single_Quote}).
        wb = {0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13,
              0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A}

        def cased(cp):
            c = chr(cp)
            return c.islower() or c.isupper() or c.istitle()

        def ign(cp):
            return unicodedata.category(chr(cp)) in ("Mn", "Me", "Cf", "Lm", "Sk") or cp in wb
        return cased, ign, "derived (no CPython symbols)"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/processor/unicode_tables.cpp"
    is_cased, is_ign, cased_src = cased_funcs()
    re_w = re.compile(r"\w")
    re_s = re.compile(r"\s")

    # composition pairs and decompositions
    decomp = {}
    compose = {}
    second = set()
    for cp in range(MAXCP):
        d = unicodedata.decomposition(chr(cp))
        if not d or d.startswith("<"):
            continue
        parts = [int(x, 16) for x in d.split()]
        nfd = unicodedata.normalize("NFD", chr(cp))
        if nfd != chr(cp):
            decomp[cp] = [ord(x) for x in nfd]
        if len(parts) == 2 and unicodedata.normalize("NFC", chr(cp)) == chr(cp):
            compose[(parts[0], parts[1])] = cp
            second.add(parts[1])
    # Hangul: L+V -> LV, LV+T -> LVT (algorithmic); V and T jamo are "second" elements.
    for cp in list(range(0x1161, 0x1176)) + list(range(0x11A8, 0x11C3)):
        second.add(cp)

    flags = bytearray(MAXCP)
    for cp in range(MAXCP):
        c = chr(cp)
        cat = unicodedata.category(c)
        f = 0
        if cat[0] == "L":
            f |= LETTER
        if cat[0] == "N":
            f |= NUMBER
        if 0x9 <= cp <= 0xD or cp == 0x85 or cat in ("Zs", "Zl", "Zp"):
            f |= SPACE
        if re_w.fullmatch(c):
            f |= PYWORD
        if re_s.fullmatch(c):
            f |= PYSPACE
        if cp in decomp or unicodedata.combining(c) != 0 or cp in second:
            f |= NFC_MAYBE
        if is_cased(cp):
            f |= CASED
        if is_ign(cp):
            f |= CASE_IGNORABLE
        flags[cp] = f

    ranges = []
    start = 0
    for cp in range(1, MAXCP + 1):
        if cp == MAXCP or flags[cp] != flags[start]:
            if flags[start]:
                ranges.append((start, cp - 1, flags[start]))
            start = cp

    ccc = []
    start = 0
    cur = unicodedata.combining(chr(0))
    for cp in range(1, MAXCP + 1):
        v = unicodedata.combining(chr(cp)) if cp < MAXCP else -1
        if v != cur:
            if cur:
                ccc.append((start, cp - 1, cur))
            start, cur = cp, v

    lower = []
    for cp in range(MAXCP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        lo = chr(cp).lower()
        if lo != chr(cp):
            assert len(lo) <= 3
            lower.append((cp, [ord(x) for x in lo]))

    pool = []
    dentries = []
    for cp in sorted(decomp):
        dentries.append((cp, len(pool), len(decomp[cp])))
        pool.extend(decomp[cp])
    assert len(pool) < 65536

    L = []
    w = L.append
    w("// GENERATED by tools/gen_unicode_tables.py -- do not edit by hand.")
    w(f"// Python {sys.version.split()[0]}, unicodedata {unicodedata.unidata_version}; cased/case-ignorable: {cased_src}.")
    w('#include "processor/unicode_tables.h"')
    w("")
    w("namespace groot::unicode {")
    w("")
    w(f'const char* const kUnicodeVersion = "{unicodedata.unidata_version}";')
    w("")
    w(f"const FlagRange kFlagRanges[] = {{")
    for a, b, f in ranges:
        w(f"    {{0x{a:X}, 0x{b:X}, {f}}},")
    w("};")
    w(f"const size_t kNumFlagRanges = {len(ranges)};")
    w("")
    w("const CccRange kCccRanges[] = {")
    for a, b, v in ccc:
        w(f"    {{0x{a:X}, 0x{b:X}, {v}}},")
    w("};")
    w(f"const size_t kNumCccRanges = {len(ccc)};")
    w("")
    w("const LowerEntry kLowerTable[] = {")
    for cp, lo in lower:
        pad = lo + [0] * (3 - len(lo))
        w(f"    {{0x{cp:X}, {len(lo)}, {{0x{pad[0]:X}, 0x{pad[1]:X}, 0x{pad[2]:X}}}}},")
    w("};")
    w(f"const size_t kNumLowerEntries = {len(lower)};")
    w("")
    w("const uint32_t kDecompPool[] = {")
    for i in range(0, len(pool), 12):
        w("    " + " ".join(f"0x{x:X}," for x in pool[i:i + 12]))
    w("};")
    w("const DecompEntry kDecompTable[] = {")
    for cp, off, n in dentries:
        w(f"    {{0x{cp:X}, {off}, {n}}},")
    w("};")
    w(f"const size_t kNumDecompEntries = {len(dentries)};")
    w("")
    w("const ComposeEntry kComposeTable[] = {")
    for (a, b), c in sorted(compose.items()):
        w(f"    {{0x{a:X}, 0x{b:X}, 0x{c:X}}},")
    w("};")
    w(f"const size_t kNumComposeEntries = {len(compose)};")
    w("")
    w("}  // namespace groot::unicode")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(L) + "\n")
    print(f"wrote {out}: {len(ranges)} flag ranges, {len(ccc)} ccc ranges, {len(lower)} lower, "
          f"{len(dentries)} decompositions, {len(compose)} compositions (Unicode {unicodedata.unidata_version})")


if __name__ == "__main__":
    main()
