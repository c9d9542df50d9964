// gpt2: text generation and perplexity with a token model converted by
// nibble-convert from a Hugging Face GPT-2 checkpoint. The model file
// carries its tokenizer.
//
//   gpt2 -m MODEL.nbl -p PROMPT -n N [--temperature T --top-k K --top-p P --seed S]
//        [--threads N] [--activations f32|int8] [--kernel-isa NAME] [--json]
//   gpt2 -m MODEL.nbl --perplexity FILE [--threads N] [--json]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/json_writer.h"
#include "common/process_stats.h"
#include "common/timer.h"
#include "gpt2/language_model.h"
#include "gpt2/sampler.h"
#include "nibble/nibble.hpp"
#include "nibble/tokenizer.hpp"

namespace {

using nibble::examples::check;
using nibble::examples::fail;
using nibble::examples::JsonObject;
using nibble::examples::LanguageModel;
using nibble::examples::now_seconds;
using nibble::examples::parse_float;
using nibble::examples::parse_int;
using nibble::examples::peak_rss_bytes;
using nibble::examples::Sampler;
using nibble::examples::SamplerOptions;
using nibble::examples::usage_error;

const char* const kUsage =
    "usage: gpt2 -m MODEL.nbl (-p PROMPT -n N | --perplexity FILE) [options]\n"
    "\n"
    "  -m, --model FILE       model converted by nibble-convert from a GPT-2 checkpoint\n"
    "  -p, --prompt TEXT      text to continue\n"
    "  -n, --tokens N         tokens to generate (default 64)\n"
    "  --temperature T        0 (default): greedy; > 0: sample\n"
    "  --top-k K              sample among the K most likely tokens (0: all)\n"
    "  --top-p P              sample within the smallest set of probability >= P (default 1)\n"
    "  --seed S               random seed for sampling (default 0)\n"
    "  --stop-at-eos          stop when the model emits the end-of-text token\n"
    "  --perplexity FILE      perplexity of FILE over non-overlapping windows of the\n"
    "                         model's context (n_positions) tokens\n"
    "  --threads N            worker threads (default 1; 0 = one per core)\n"
    "  --activations P        f32 (default) or int8: what the fused kernels multiply\n"
    "  --kernel-isa NAME      cap the fused kernels' level (scalar, avx2, avx512, ...)\n"
    "  --json                 print the figures as one JSON object on the last line\n"
    "  -h, --help             this text\n";

struct Options {
  std::string model;
  std::string prompt;
  bool has_prompt = false;
  long tokens = 64;
  SamplerOptions sampling;
  bool stop_at_eos = false;
  std::string perplexity_file;
  int threads = 1;
  nibble::ActivationPrecision activations = nibble::ActivationPrecision::kF32;
  std::string kernel_isa;
  bool json = false;
};

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "-m" || a == "--model") {
      o.model = value();
    } else if (a == "-p" || a == "--prompt") {
      o.prompt = value();
      o.has_prompt = true;
    } else if (a == "-n" || a == "--tokens") {
      o.tokens = parse_int(a, value(), 1);
    } else if (a == "--temperature") {
      o.sampling.temperature = parse_float(a, value(), 0.0f, 100.0f);
    } else if (a == "--top-k") {
      o.sampling.top_k = static_cast<int>(parse_int(a, value(), 0));
    } else if (a == "--top-p") {
      o.sampling.top_p = parse_float(a, value(), 1e-6f, 1.0f);
    } else if (a == "--seed") {
      o.sampling.seed = static_cast<uint64_t>(parse_int(a, value(), 0));
    } else if (a == "--stop-at-eos") {
      o.stop_at_eos = true;
    } else if (a == "--perplexity") {
      o.perplexity_file = value();
    } else if (a == "--threads") {
      o.threads = static_cast<int>(parse_int(a, value(), 0));
    } else if (a == "--activations") {
      const std::string p = value();
      if (p == "f32") o.activations = nibble::ActivationPrecision::kF32;
      else if (p == "int8") o.activations = nibble::ActivationPrecision::kInt8;
      else usage_error("unknown activation precision '" + p + "' (f32 or int8)");
    } else if (a == "--kernel-isa") {
      o.kernel_isa = value();
    } else if (a == "--json") {
      o.json = true;
    } else {
      usage_error("unknown option '" + a + "'");
    }
  }
  if (o.model.empty()) usage_error("missing -m MODEL.nbl");
  if (o.has_prompt == !o.perplexity_file.empty()) usage_error("give either -p PROMPT or --perplexity FILE");
  return o;
}

std::vector<int32_t> encode(const nibble::Tokenizer& tokenizer, const std::string& text) {
  // Every token covers at least one byte.
  std::vector<int32_t> ids(text.size() + 1);
  size_t count = 0;
  const nibble::Status status = tokenizer.encode(text.data(), text.size(), ids.data(), ids.size(), &count);
  if (!status.is_ok()) fail(status.message());
  ids.resize(count);
  return ids;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void print_model_line(const Options& opt, const nibble::Model& model, LanguageModel& lm) {
  std::fprintf(stderr, "model: %s, %llu bytes (weights %llu); %zu-token vocabulary, context %lld, %lld rows per run\n",
               opt.model.c_str(), static_cast<unsigned long long>(model.file_bytes()),
               static_cast<unsigned long long>(model.weight_bytes()), lm.vocab(),
               static_cast<long long>(lm.max_positions()), static_cast<long long>(lm.rows_per_run()));
  std::fprintf(stderr, "kernels: %zu fused ops (%s, %s activations), %zu on XNNPACK; threads: %d\n",
               lm.session().num_fused_ops(), lm.session().kernel_isa(),
               opt.activations == nibble::ActivationPrecision::kInt8 ? "int8" : "f32", lm.session().num_xnnpack_ops(),
               opt.threads);
}

// Non-overlapping windows of the model's context: x = tokens[s, s + P),
// targets tokens[s + 1, s + P + 1), the last window shorter; every token
// but the first is predicted once.
int run_perplexity(const Options& opt, const nibble::Model& model, const nibble::Tokenizer& tokenizer,
                   LanguageModel& lm) {
  const std::vector<int32_t> tokens = encode(tokenizer, read_text(opt.perplexity_file));
  if (tokens.size() < 2) fail(opt.perplexity_file + ": needs at least two tokens");
  const size_t window = static_cast<size_t>(std::min<int64_t>(lm.max_positions(), 1 << 30));
  double total = 0;
  size_t predicted = 0;
  const double start = now_seconds();
  for (size_t s = 0; s + 1 < tokens.size(); s += window) {
    const size_t n = std::min(window, tokens.size() - 1 - s);
    lm.reset();
    lm.feed(tokens.data() + s, n, [&](size_t r, const float* logits) {
      double max_logit = logits[0];
      for (size_t v = 1; v < lm.vocab(); ++v) max_logit = std::max<double>(max_logit, logits[v]);
      double sum = 0;
      for (size_t v = 0; v < lm.vocab(); ++v) sum += std::exp(static_cast<double>(logits[v]) - max_logit);
      total += max_logit + std::log(sum) - logits[tokens[s + r + 1]];
      ++predicted;
    });
  }
  const double seconds = now_seconds() - start;
  const double ppl = std::exp(total / static_cast<double>(predicted));
  const uint64_t rss = peak_rss_bytes();
  std::printf("perplexity: %.4f over %zu predicted tokens (%s)\n", ppl, predicted, opt.perplexity_file.c_str());
  std::printf("speed: %.1f tokens/s; memory: model %llu bytes, peak RSS %.1f MiB\n", predicted / seconds,
              static_cast<unsigned long long>(model.file_bytes()), rss / 1048576.0);
  if (opt.json) {
    JsonObject j;
    j.add("ppl", ppl)
        .add("tokens", static_cast<uint64_t>(predicted))
        .add("tok_s", predicted / seconds)
        .add("model_bytes", static_cast<uint64_t>(model.file_bytes()))
        .add("peak_rss_bytes", rss);
    std::printf("%s\n", j.str().c_str());
  }
  return 0;
}

void emit(const nibble::Tokenizer& tokenizer, int32_t id) {
  size_t length = 0;
  const char* bytes = tokenizer.token_bytes(id, &length);
  if (bytes != nullptr) std::fwrite(bytes, 1, length, stdout);
  std::fflush(stdout);
}

int run_generation(const Options& opt, const nibble::Model& model, const nibble::Tokenizer& tokenizer,
                   LanguageModel& lm) {
  std::vector<int32_t> prompt = encode(tokenizer, opt.prompt);
  if (prompt.empty()) {
    if (tokenizer.bos() < 0) fail("the prompt is empty and the tokenizer has no beginning-of-text token");
    prompt.push_back(tokenizer.bos());
  }
  // The last generated token is never fed back.
  const int64_t needed = static_cast<int64_t>(prompt.size()) + opt.tokens - 1;
  if (needed > lm.max_positions()) {
    fail("the prompt (" + std::to_string(prompt.size()) + " tokens) and " + std::to_string(opt.tokens) +
         " new tokens need " + std::to_string(needed) + " positions; the model's context is " +
         std::to_string(lm.max_positions()) + " (n_positions)");
  }
  Sampler sampler(opt.sampling);
  std::fwrite(opt.prompt.data(), 1, opt.prompt.size(), stdout);
  std::fflush(stdout);

  const double t0 = now_seconds();
  const float* logits = lm.feed(prompt.data(), prompt.size());
  const double prefill_seconds = now_seconds() - t0;
  std::vector<int64_t> generated;
  int32_t next = sampler.next(logits, lm.vocab());
  const double ttft = now_seconds() - t0;
  generated.push_back(next);
  emit(tokenizer, next);
  const double t1 = now_seconds();
  while (static_cast<long>(generated.size()) < opt.tokens && !(opt.stop_at_eos && next == tokenizer.eos())) {
    logits = lm.feed(&next, 1);
    next = sampler.next(logits, lm.vocab());
    generated.push_back(next);
    emit(tokenizer, next);
  }
  const double decode_seconds = now_seconds() - t1;
  std::printf("\n");
  const size_t decode_steps = generated.size() - 1;
  const double prefill_tok_s = prompt.size() / prefill_seconds;
  const double decode_tok_s = decode_steps > 0 ? decode_steps / decode_seconds : 0.0;
  const uint64_t rss = peak_rss_bytes();
  std::printf("prefill: %zu tokens, %.1f tokens/s; time to first token %.2f ms\n", prompt.size(), prefill_tok_s,
              ttft * 1e3);
  std::printf("decode: %zu tokens, %.1f tokens/s\n", decode_steps, decode_tok_s);
  std::printf("memory: model %llu bytes, peak RSS %.1f MiB\n", static_cast<unsigned long long>(model.file_bytes()),
              rss / 1048576.0);
  if (opt.json) {
    std::vector<int64_t> prompt_ids(prompt.begin(), prompt.end());
    JsonObject j;
    j.add("tokens", generated)
        .add("prompt_tokens", prompt_ids)
        .add("prefill_tok_s", prefill_tok_s)
        .add("decode_tok_s", decode_tok_s)
        .add("ttft_ms", ttft * 1e3)
        .add("model_bytes", static_cast<uint64_t>(model.file_bytes()))
        .add("weight_bytes", static_cast<uint64_t>(model.weight_bytes()))
        .add("peak_rss_bytes", rss)
        .add("threads", static_cast<int64_t>(opt.threads))
        .add("kernel_isa", std::string(lm.session().kernel_isa()));
    std::printf("%s\n", j.str().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  nibble::examples::set_program_name("gpt2");
  const Options opt = parse_args(argc, argv);
  try {
    nibble::Model model = check(nibble::Model::load_file(opt.model.c_str()));
    nibble::Tokenizer tokenizer = check(nibble::Tokenizer::from_model(model));
    nibble::SessionOptions session_options;
    session_options.num_threads = opt.threads;
    session_options.activation_precision = opt.activations;
    session_options.kernel_isa = opt.kernel_isa.empty() ? nullptr : opt.kernel_isa.c_str();
    LanguageModel lm(model, session_options);
    // A model may pad its vocabulary beyond the tokenizer's, not the reverse.
    if (tokenizer.vocab_size() > lm.vocab()) {
      fail("the model predicts " + std::to_string(lm.vocab()) + " tokens but its tokenizer has " +
           std::to_string(tokenizer.vocab_size()));
    }
    print_model_line(opt, model, lm);
    if (!opt.perplexity_file.empty()) return run_perplexity(opt, model, tokenizer, lm);
    return run_generation(opt, model, tokenizer, lm);
  } catch (const std::exception& e) {
    fail(e.what());
  }
}
