#!/usr/bin/env python3
"""Writes Hugging Face reference token ids for groot's tokenizer tests (tests/fixtures/tokenizer/hf_ids.jsonl).

Usage (on a machine with `transformers`; no network needed):
    python3 tools/tokenizer_goldens.py assets/eagle_tokenizer tests/fixtures/tokenizer/hf_ids.jsonl

Line 1 is {"meta": {...versions...}}. Every other line is one case:
    {"kind": "text",   "name": ..., "text": ..., "ids": [...], "decoded": ..., "decoded_skip_special": ...}
    {"kind": "prompt", "name": ..., "language": ..., "formalize": bool, "tokens_per_image": [...],
     "language_used": ..., "chat_text": ..., "text": ..., "ids": [...]}
The texts are a broad, deterministic set (Unicode scripts, emoji, combining marks, digits, whitespace
runs, newlines, contractions, added/special tokens inside text, long pieces, seeded random strings).
Prompts are rendered independently of groot: the Eagle chat_template.json with jinja2 (the settings
transformers uses), upstream's placeholder expansion regex, and upstream's formalize_language.
"""
import json
import os
import random
import re
import sys


def formalize_language(text):
    # upstream gr00t/model/gr00t_n1d6/processing_gr00t_n1d6.py
    return re.sub(r"[^\w\s]", "", text.lower())


def render_chat(template_src, language, num_images):
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    tmpl = env.from_string(template_src)
    messages = [{"role": "user",
                 "content": [{"type": "text", "text": language}] + [{"type": "image", "image": "img"}] * num_images}]
    return tmpl.render(messages=messages, add_generation_prompt=False, add_vision_id=False)


def expand(text, tokens_per_image):
    # upstream Eagle processor replace_media_placeholder (images only)
    pattern = re.compile(r"<(image|video)-(\d+)>")

    def repl(m):
        assert m.group(1) == "image"
        k = int(m.group(2)) - 1
        return f"<image {k + 1}><img>" + "<IMG_CONTEXT>" * tokens_per_image[k] + "</img>"
    return pattern.sub(repl, text)


def fixed_texts():
    T = []

    def add(name, text):
        T.append((name, text))

    # goldens of tests/golden/tiny_v1/preprocess.json
    add("hello", "Hello world")
    add("instr_raw", "Pick up the blue block and insert it into the MCX card slot.")
    add("instr_formal", "pick up the blue block and insert it into the mcx card slot")
    add("numbers_units", "Move 3 cubes, 25 cm left; then rotate 90\u00b0 (twice)!")
    add("latin_accents", "na\u00efve caf\u00e9 \u2014 d\u00e9j\u00e0 vu, \u00dcbergr\u00f6\u00dfe")
    add("chinese", "\u673a\u5668\u4eba\u6293\u53d6\u7ea2\u8272\u65b9\u5757")
    add("emoji_ws", "emoji \U0001f916\U0001f44d and tabs\tand\nnewlines  double  spaces")
    add("digits", "1234567890 3.14159 -42 1e-6 2025")
    add("contractions", "don't I'm we'll THEY'RE it's")
    add("lead_trail_spaces", "   leading spaces and trailing   ")
    add("chat_tokens", "<|im_start|>user\nhi<|im_end|>\n")
    add("image_tokens", "<image 1><img><IMG_CONTEXT><IMG_CONTEXT></img>")
    add("combining_acute", "e\u0301 (e + combining acute, NFC-normalizes to \u00e9)")
    # empty and tiny
    add("empty", "")
    add("space", " ")
    add("newline", "\n")
    add("single_letter", "a")
    add("single_digit", "7")
    add("single_punct", "!")
    # scripts
    add("greek", "\u0391\u03a3 \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03ba\u03b1\u03b9 \u03c3\u03bf\u03c6\u03af\u03b1")
    add("cyrillic", "\u0420\u043e\u0431\u043e\u0442 \u0431\u0435\u0440\u0451\u0442 \u043a\u0440\u0430\u0441\u043d\u044b\u0439 \u043a\u0443\u0431\u0438\u043a.")
    add("arabic", "\u0627\u0644\u0631\u0648\u0628\u0648\u062a \u064a\u0644\u062a\u0642\u0637 \u0627\u0644\u0645\u0643\u0639\u0628 \u0627\u0644\u0623\u062d\u0645\u0631\u060c \u0661\u0662\u0663")
    add("arabic_harakat", "\u0643\u064e\u062a\u064e\u0628\u064e \u0627\u0644\u0652\u0643\u0650\u062a\u064e\u0627\u0628\u064e")
    add("hebrew", "\u05d4\u05e8\u05d5\u05d1\u05d5\u05d8 \u05de\u05e8\u05d9\u05dd \u05e7\u05d5\u05d1\u05d9\u05d4")
    add("devanagari", "\u0930\u094b\u092c\u094b\u091f \u0932\u093e\u0932 \u0918\u0928 \u0909\u0920\u093e\u0924\u093e \u0939\u0948\u0964 \u0967\u0968\u0969")
    add("thai", "\u0e2b\u0e38\u0e48\u0e19\u0e22\u0e19\u0e15\u0e4c\u0e2b\u0e22\u0e34\u0e1a\u0e25\u0e39\u0e01\u0e1a\u0e32\u0e28\u0e01\u0e4c")
    add("korean", "\ub85c\ubd07\uc774 \ube68\uac04 \ud050\ube0c\ub97c \uc9d1\ub294\ub2e4")
    add("korean_jamo_nfd", "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af")
    add("japanese", "\u30ed\u30dc\u30c3\u30c8\u304c\u8d64\u3044\u7acb\u65b9\u4f53\u3092\u62fe\u3046\u3002\uff11\uff12\uff13")
    add("mixed_scripts", "Hello\u4e16\u754c\u0645\u0631\u062d\u0628\u0627\u041f\u0440\u0438\u0432\u0435\u0442123abc")
    # combining marks and normalisation
    add("combining_reorder", "a\u0301\u0323 o\u0323\u0302 q\u0307\u0323")
    add("combining_stack", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u0334\u0335\u031c\u0330\u0354L\u0368\u0367\u0369\u033e\u0350\u0356\u0323G\u0308\u0337\u0343O")
    add("nfc_singletons", "\u2126 \u212b \u212a 1\u2075 \u0958 \u0344 \u0340")
    add("nfd_latin", "Cafe\u0301 nai\u0308ve A\u030a n\u0303")
    add("compat_not_nfc", "\ufb01 \u2460 \u00bd \u2167 x\u00b2 \uff21\uff22 \u3000end")
    # emoji
    add("emoji_zwj", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family \U0001f3f3\ufe0f\u200d\U0001f308")
    add("emoji_skin_flags", "\U0001f44b\U0001f3fd \U0001f1fa\U0001f1f8\U0001f1ef\U0001f1f5 \u2764\ufe0f \u263a")
    add("emoji_run", "\U0001f600\U0001f603\U0001f604\U0001f601\U0001f606\U0001f605\U0001f923\U0001f602")
    # numbers
    add("numbers_mixed", "x=-1.5e10, y=+3; 1,000,000 and 0x1F 007")
    add("numbers_unicode", "\uff10\uff11\uff12 \u0660\u0661\u0662 \u0966\u0967 \u00b2\u00b3 \u2153 \u2160\u2161")
    add("long_number", "31415926535897932384626433832795028841971693993751")
    # whitespace
    add("ws_runs", "a  b   c    d\t\te \t f")
    add("crlf", "line1\r\nline2\r\n\r\nline3\n")
    add("newline_runs", "\n\n\nx\n \n  \n\t\ny \n")
    add("trailing_ws_newline", "end   \n   ")
    add("only_spaces", "      ")
    add("unicode_spaces", "a\u00a0b\u2003c\u3000d\u2028e\u2029f\u0085g\u000bh\u000ci")
    add("python_only_spaces", "a\u001cb\u001dc\u001ed\u001ff")
    add("zero_width", "a\u200bb\u200cc\u200dd\ufeffe")
    add("space_before_punct", "hello ... world !!! ?? -- (x) [y] {z}")
    add("punct_newlines", "Done!\n\nNext...\r\n--\n")
    # contractions and quotes
    add("contractions_case", "I'LL WE'VE YOU'RE HE'D IT'S DON'T I'M she'd they'll")
    add("contractions_odd", "'s 's's ''s rock'n'roll 'twas o'clock '")
    add("curly_quotes", "it\u2019s \u201cquoted\u201d \u2018single\u2019")
    add("long_s_kelvin", "'\u017f '\u212a")
    # added / special tokens inside text
    add("special_inside_words", "a<|im_start|>b<|im_end|>c")
    add("special_repeated", "<|im_end|><|im_end|><IMG_CONTEXT><IMG_CONTEXT>x")
    add("special_all", "<|endoftext|><|im_start|><|im_end|><|object_ref_start|><|object_ref_end|><|box_start|>"
        "<|box_end|><|quad_start|><|quad_end|><|vision_start|><|vision_end|><|vision_pad|><|image_pad|>"
        "<|video_pad|><tool_call></tool_call><|fim_prefix|><|fim_middle|><|fim_suffix|><|fim_pad|>"
        "<|repo_name|><|file_sep|><tool_response></tool_response><think></think><IMG_CONTEXT><img></img>"
        "<box></box><quad></quad><ref></ref><interval></interval>")
    add("special_partial", "<|im_star <im_start|> < |im_end|> <img <IMG_CONTEXT <<img>> </img>>")
    add("special_spaces", " <|im_start|> user \n <|im_end|> ")
    add("special_unicode", "\u00e9<img>\u0301 <IMG_CONTEXT>\u4e2d\u6587</img>\U0001f916")
    add("think_block", "<think>\nreasoning here\n</think>\n\nanswer")
    # code and structured text
    add("python_code", "def f(x):\n    return x**2  # square\n\nprint(f(3))\n")
    add("json", '{"key": [1, 2.5, "v\\n"], "nested": {"a": null}}')
    add("url_email", "https://github.com/NVIDIA/Isaac-GR00T?tab=readme#n1.6 user@example.com")
    add("markdown", "# Title\n\n- item *one*\n- item **two**\n\n```bash\nls -la\n```")
    # long pieces (cache bypass, BPE on long words)
    add("long_letters", "a" * 300)
    add("long_word", "supercalifragilisticexpialidocious" * 10)
    add("long_spaces", " " * 300 + "x")
    add("long_punct", "!?" * 150)
    add("long_cjk", "\u6211\u4eec\u7684\u673a\u5668\u4eba" * 50)
    # robot instructions
    add("robot_1", "Open the top drawer, then place the mug (blue) inside.")
    add("robot_2", "pick up the apple and place it in the basket")
    add("robot_3", "Stack the 3 red blocks on the green one; don't touch the yellow cup!")
    return T


def random_texts(n=300, seed=1234):
    rng = random.Random(seed)
    pools = [
        [chr(c) for c in range(0x20, 0x7F)],
        list("\t\n\r \u00a0\u3000\u2003"),
        [chr(c) for c in range(0xC0, 0x250)],
        [chr(c) for c in range(0x300, 0x370)],
        [chr(c) for c in range(0x391, 0x3CA)],
        [chr(c) for c in range(0x410, 0x450)],
        [chr(c) for c in range(0x621, 0x64B)],
        [chr(c) for c in range(0x905, 0x940)],
        [chr(c) for c in range(0x4E00, 0x4E80)],
        [chr(c) for c in range(0xAC00, 0xAC80)],
        [chr(c) for c in range(0x1100, 0x1113)] + [chr(c) for c in range(0x1161, 0x1176)] + [chr(c) for c in range(0x11A8, 0x11C3)],
        [chr(c) for c in range(0x1F600, 0x1F640)],
        [chr(c) for c in range(0xFF10, 0xFF5B)],
        list("0123456789"),
        list(".,;:!?'\"()[]{}<>-_/\\|@#$%^&*+=~`"),
        ["<|im_start|>", "<|im_end|>", "<IMG_CONTEXT>", "<img>", "</img>", "<|endoftext|>", "'s", "'LL", "\r\n"],
    ]
    out = []
    for i in range(n):
        length = rng.randint(1, 40)
        chosen = rng.sample(range(len(pools)), rng.randint(1, 4))
        s = "".join(rng.choice(pools[rng.choice(chosen)]) for _ in range(length))
        out.append((f"random_{i:03d}", s))
    return out


PROMPTS = [
    ("golden_s0", "Pick up the blue block and insert it into the MCX card slot.", True, [81, 81]),
    ("golden_s1", "pick up the red cube", True, [81, 81]),
    ("ref_example", "pick up the red cube and place it in the bowl", True, [81, 81]),
    ("one_image", "Open the drawer!", True, [81]),
    ("no_image", "Wave hello.", True, []),
    ("twelve_images", "Stack the cups; then STOP.", True, [81] * 12),
    ("nonsquare", "place the can", True, [108, 108, 81]),
    ("unicode_lang", "\u00c9PONGE \u2014 Caf\u00e9's \u03a3\u039f\u03a6\u0399\u0391\u03a3 \u673a\u5668\u4eba\uff01 \u0130stanbul", True, [81, 81]),
    ("no_formalize", "Pick up the <b>red</b> cube!", False, [81]),
    ("empty_lang", "", True, [81, 81]),
]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tok_dir, out_path = sys.argv[1], sys.argv[2]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tok_dir, trust_remote_code=False, local_files_only=True)
    with open(os.path.join(tok_dir, "chat_template.json"), encoding="utf-8") as fh:
        template_src = json.load(fh)["chat_template"]
    try:
        import tokenizers
        tokenizers_version = tokenizers.__version__
    except ImportError:
        tokenizers_version = None
    import unicodedata
    lines = [{"meta": {"transformers": transformers.__version__, "tokenizers": tokenizers_version,
                       "python": sys.version.split()[0], "unicodedata": unicodedata.unidata_version,
                       "tokenizer_class": type(tok).__name__, "len": len(tok),
                       "pad_token_id": tok.pad_token_id, "tokenizer_dir": os.path.basename(os.path.abspath(tok_dir))}}]
    for name, text in fixed_texts() + random_texts():
        ids = tok(text, add_special_tokens=True)["input_ids"]
        lines.append({"kind": "text", "name": name, "text": text, "ids": ids,
                      "decoded": tok.decode(ids, skip_special_tokens=False),
                      "decoded_skip_special": tok.decode(ids, skip_special_tokens=True)})
    for name, lang, formalize, tpi in PROMPTS:
        used = formalize_language(lang) if formalize else lang
        chat = render_chat(template_src, used, len(tpi))
        text = expand(chat, tpi)
        ids = tok(text, add_special_tokens=True)["input_ids"]
        lines.append({"kind": "prompt", "name": name, "language": lang, "formalize": formalize,
                      "tokens_per_image": tpi, "language_used": used, "chat_text": chat, "text": text, "ids": ids})
    # one left-padded batch, as the upstream collator pads it
    tok.padding_side = "left"
    batch_names = ["golden_s0", "golden_s1", "twelve_images"]
    texts = [l["text"] for l in lines[1:] if l.get("kind") == "prompt" and l["name"] in batch_names]
    enc = tok(texts, padding=True)
    lines.append({"kind": "batch", "names": batch_names, "input_ids": enc["input_ids"],
                  "attention_mask": enc["attention_mask"]})
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        for l in lines:
            fh.write(json.dumps(l, ensure_ascii=True) + "\n")
    os.replace(tmp, out_path)
    print(f"wrote {out_path}: {len(lines) - 1} cases ({type(tok).__name__}, transformers {transformers.__version__})")


if __name__ == "__main__":
    main()
