#!/usr/bin/env python3
"""Writes tests/fixtures/tokenizer/unicode_cases.jsonl: Python-computed expectations for groot's Unicode code.

Usage: python3 tools/unicode_goldens.py [OUT]   (default tests/fixtures/tokenizer/unicode_cases.jsonl)
Needs only the standard library plus the `regex` package (the engine the slow Qwen2Tokenizer uses).
Run it with the same Python that generated src/processor/unicode_tables.cpp (tools/gen_unicode_tables.py).

Line 1: {"meta": {...}}; then one case per line:
  {"kind": "nfc", "in": s, "out": unicodedata.normalize("NFC", s)}
  {"kind": "lower", "in": s, "out": s.lower()}
  {"kind": "formalize", "in": s, "out": re.sub(r"[^\\w\\s]", "", s.lower())}   (upstream formalize_language)
  {"kind": "pretok", "in": s, "out": [pieces]}   Qwen2 pre-tokenizer pattern applied with `regex` to NFC(s)
"""
import json
import os
import random
import re
import sys
import unicodedata

import regex

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_goldens import fixed_texts, formalize_language, random_texts  # noqa: E402

QWEN2_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
                 r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/tokenizer/unicode_cases.jsonl"
    rng = random.Random(99)
    lines = [{"meta": {"python": sys.version.split()[0], "unicodedata": unicodedata.unidata_version,
                       "regex": regex.__version__}}]

    # NFC: every code point that NFC changes on its own ...
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        n = unicodedata.normalize("NFC", c)
        if n != c:
            lines.append({"kind": "nfc", "in": c, "out": n})
    # ... every primary composite given decomposed, and random mark sequences (reordering, blocking)
    marks = [chr(c) for c in range(0x300, 0x370)] + ["\u0591", "\u05b0", "\u093c", "\u094d", "\u0e38", "\u0e48",
                                                        "\u3099", "\u309a", "\u1dc0", "\u20d0", "\u0f71", "\u0f72"]
    bases = list("aeiouAEIOUcnszgkhwyCNSZ") + ["\u00e9", "\u0391", "\u03b1", "\u0415", "\u0648", "\u0915",
                                               "\u304b", "\u30cf", "\u1100", "\u1161", "\u11a8", "\uac00", "\uac01",
                                               "\u0b47", "\u0b3e", "\u0dd9", "\u0dcf", " ", "1"]
    for i in range(600):
        s = "".join(rng.choice(bases) + "".join(rng.choice(marks) for _ in range(rng.randint(0, 4)))
                    for _ in range(rng.randint(1, 5)))
        if rng.random() < 0.5:
            s = unicodedata.normalize("NFD", s)
        lines.append({"kind": "nfc", "in": s, "out": unicodedata.normalize("NFC", s)})

    # lower / formalize
    texts = [t for _, t in fixed_texts()] + [t for _, t in random_texts(200, seed=7)]
    texts += ["\u03a3", "\u0391\u03a3", "\u0391\u03a3 \u0392", "\u0391\u03a3\u0392", "\u0391\u03a3.", "\u0391'\u03a3'",
              "\u0391\u03a3\u0301", "\u0130stanbul \u0130I", "\u1e9e\u00df \u01c5\u01c4\u01c6 \u2160\u2170 \u24b6",
              "\u0041\u030a\u212b_under_score__ 1\u00b2\u00bd", "Hello, World! (test) [x] {y} <z> \"q\" 'r' `s`",
              "caf\u00e9\u2014na\u00efve\u2026 \u00bfqu\u00e9? \u00a1s\u00ed! \u00ab\u00bb \u201c\u201d",
              "\U0001f916 robot \U0001f44d\U0001f3fd #1 @home $5 %50 ^ & * ~",
              "\u0627\u0644\u0631\u0648\u0628\u0648\u062a\u060c \u061f \u0661\u0662",
              "\u673a\u5668\u4eba\uff0c\u6293\u53d6\u3002\u300c\u7ea2\u300d\uff01",
              "tab\there\nnew\u00a0nbsp\u3000ideo\u2028ls\u001cfs\u0085nel\u200bzw"]
    for s in texts:
        lines.append({"kind": "lower", "in": s, "out": s.lower()})
        lines.append({"kind": "formalize", "in": s, "out": formalize_language(s)})

    # Qwen2 pre-tokenizer (on the NFC text, as the tokenizer normalises first)
    pat = regex.compile(QWEN2_PATTERN)
    for _, t in fixed_texts() + random_texts():
        s = unicodedata.normalize("NFC", t)
        lines.append({"kind": "pretok", "in": s, "out": pat.findall(s)})

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for l in lines:
            fh.write(json.dumps(l, ensure_ascii=True) + "\n")
    counts = {}
    for l in lines[1:]:
        counts[l["kind"]] = counts.get(l["kind"], 0) + 1
    print(f"wrote {out}: {counts}")


if __name__ == "__main__":
    main()
