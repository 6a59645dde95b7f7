// bench_tokenizer: Qwen2 tokenizer load time and encode throughput (MB/s of UTF-8 text, one core).
//
//   ./build/bench_tokenizer [--tokenizer DIR] [--mb 4] [--file TEXT_FILE]
//
// Corpora (all encoded on one thread, timings from std::chrono::steady_clock):
//   english      robot instructions + prose, many repeated words (BPE cache warm after the start)
//   fresh_words  pseudo-random letter strings: nearly every piece is new (BPE cache misses)
//   multilingual CJK, Cyrillic, Arabic, accented Latin (NFC path), emoji, digits
//   prompts      full N1.6 prompts (chat template + 2 x 81 <IMG_CONTEXT>), per prompt and MB/s
//   file         --file: any UTF-8 file you give
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>

#include "processor/prompt.h"
#include "processor/tokenizer.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of this thread: the fair single-core number on a shared, busy machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

std::string repeat_to(const std::string& unit, size_t bytes) {
  std::string s;
  s.reserve(bytes + unit.size());
  while (s.size() < bytes) s += unit;
  return s;
}

void bench_corpus(const groot::Tokenizer& tok, const char* name, const std::string& text) {
  // encode in ~4 KB chunks (split at spaces), as a data loader would encode many short texts
  std::vector<std::string> chunks;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = std::min(text.size(), pos + 4096);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      ++end;  // UTF-8 boundary
    chunks.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  auto t0 = Clock::now();
  double c0 = thread_cpu_seconds();
  size_t n_tokens = 0;
  for (const auto& c : chunks) n_tokens += tok.encode(c).size();
  double s = seconds_since(t0), cpu = thread_cpu_seconds() - c0;
  std::printf("%-13s %6.2f MB %9zu tokens  wall %6.3f s  cpu %6.3f s  %7.2f MB/s (cpu)  %6.2f Mtok/s (cpu)\n",
              name, text.size() / 1e6, n_tokens, s, cpu, text.size() / 1e6 / cpu, n_tokens / 1e6 / cpu);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tokenizer throughput benchmark (one core)"};
  std::string dir, file;
  double mb = 4;
  app.add_option("--tokenizer", dir, "tokenizer folder [default: shared eagle_tokenizer]");
  app.add_option("--mb", mb, "megabytes per synthetic corpus [default: 4]");
  app.add_option("--file", file, "also encode this UTF-8 file");
  CLI11_PARSE(app, argc, argv);
  try {
    auto t0 = Clock::now();
    double c0 = thread_cpu_seconds();
    groot::Tokenizer tok = groot::Tokenizer::load(dir.empty() ? groot::Tokenizer::default_dir() : dir);
    std::printf("load          wall %.3f s  cpu %.3f s  (%s, %lld tokens)\n", seconds_since(t0),
                thread_cpu_seconds() - c0, tok.dir().c_str(), static_cast<long long>(tok.size()));
    size_t bytes = size_t(mb * 1e6);

    std::string english = repeat_to(
        "Pick up the blue block and insert it into the MCX card slot. Open the top drawer, then place the "
        "mug "
        "inside; don't touch the yellow cup! The robot moves 25 cm to the left and rotates 90 degrees twice. "
        "In 2025, researchers fine-tuned GR00T N1.6 on 1,024 demonstrations collected in Isaac Lab.\n",
        bytes);
    bench_corpus(tok, "english", english);

    std::mt19937 rng(42);
    std::string fresh;
    fresh.reserve(bytes + 32);
    while (fresh.size() < bytes) {
      int len = 3 + int(rng() % 9);
      for (int k = 0; k < len; ++k) fresh.push_back(char('a' + rng() % 26));
      fresh.push_back(rng() % 10 == 0 ? '\n' : ' ');
    }
    bench_corpus(tok, "fresh_words", fresh);

    std::string multi = repeat_to(
        "机器人抓取红色方块。 Робот берёт красный кубик. الروبوت يلتقط المكعب الأحمر. naïve café — déjà vu, "
        "Übergröße 🤖👍 e\xCC\x81 3.14159 한국어 텍스트 ロボットが立方体を拾う。\n",
        bytes);
    bench_corpus(tok, "multilingual", multi);

    std::vector<std::string> langs = {"Pick up the blue block and insert it into the MCX card slot.",
                                      "pick up the red cube",
                                      "Open the top drawer, then place the mug inside."};
    std::vector<std::string> prompts;
    size_t prompt_bytes = 0;
    for (int k = 0; k < 3000; ++k) {
      prompts.push_back(groot::prompt::build_prompt_text(langs[size_t(k) % langs.size()], {81, 81}));
      prompt_bytes += prompts.back().size();
    }
    c0 = thread_cpu_seconds();
    size_t n = 0;
    for (const auto& p : prompts) n += tok.encode(p).size();
    double cpu = thread_cpu_seconds() - c0;
    std::printf("prompts       %zu prompts, %zu tokens  cpu %.3f s  %.1f us/prompt  %.2f MB/s (cpu)\n",
                prompts.size(), n, cpu, cpu * 1e6 / double(prompts.size()), prompt_bytes / 1e6 / cpu);

    if (!file.empty()) bench_corpus(tok, "file", groot::read_file(file));
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "bench_tokenizer: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
