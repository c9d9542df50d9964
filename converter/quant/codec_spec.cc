#include "converter/quant/codec_spec.h"

#include <cstdlib>
#include <sstream>
#include <vector>

#include "converter/convert.h"

namespace nibble::convert::quant {

namespace {

struct Named {
  const char* name;
  CodecKind kind;
  int bits;
};

// Codecs whose name fixes everything.
constexpr Named kFixed[] = {
    {"f32", CodecKind::kF32, 32},   {"f16", CodecKind::kF16, 16},   {"bf16", CodecKind::kBF16, 16},
    {"q8_0", CodecKind::kQ8_0, 8},  {"q4_0", CodecKind::kQ4_0, 4},  {"q4_1", CodecKind::kQ4_1, 4},
    {"q5_0", CodecKind::kQ5_0, 5},  {"q5_1", CodecKind::kQ5_1, 5},  {"int8", CodecKind::kInt, 8},
    {"int4", CodecKind::kInt, 4},
};

// Codecs that take ":BITS".
struct Family {
  const char* name;
  CodecKind kind;
  int min_bits, max_bits;
};
constexpr Family kFamilies[] = {
    {"int", CodecKind::kInt, 2, 8},    {"affine", CodecKind::kAffine, 1, 8}, {"pqnt", CodecKind::kPqnt, 2, 8},
    {"lsq", CodecKind::kLsq, 1, 8},    {"log2", CodecKind::kLog2, 2, 9},     {"lut", CodecKind::kLut, 1, 8},
};

const char* family_name(CodecKind kind) {
  for (const Family& f : kFamilies) {
    if (f.kind == kind) return f.name;
  }
  return "";
}

[[noreturn]] void bad(const std::string& text, const std::string& what) {
  throw Error("codec '" + text + "': " + what +
              " (codecs: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, int8, int4, int:BITS, affine:BITS, "
              "pqnt:BITS, lsq:B, log2:BITS, lut:BITS; options ,group=G ,channel ,tensor ,calib=M ,p=P ,r=R "
              ",round=stochastic ,seed=N ,iters=N ,weighted=0|1 ,gptq ,scale=f32|f16|e8)");
}

double parse_number(const std::string& text, const std::string& key, const std::string& value) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0') bad(text, key + " needs a number, got '" + value + "'");
  return v;
}

int64_t parse_int(const std::string& text, const std::string& key, const std::string& value, int64_t lo, int64_t hi) {
  char* end = nullptr;
  const long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < lo || v > hi) {
    bad(text, key + " needs an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got '" + value + "'");
  }
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return parts;
}

// Defaults per family, before options.
void set_defaults(CodecSpec* s) {
  switch (s->kind) {
    case CodecKind::kInt:  // W8A16: symmetric, absmax per output channel
    case CodecKind::kAffine:
    case CodecKind::kPqnt:
    case CodecKind::kLsq:
    case CodecKind::kLog2:
      s->granularity = codec::Granularity::kChannel;
      s->scale_type = codec::ScaleType::kF32;
      break;
    case CodecKind::kLut:
      // 16 weights per one-byte e8 scale: 0.5 bit per weight of scale, like
      // f16 per 32, but twice the adaptivity (+0.5 dB on ResNet-20 at 4 bits).
      s->granularity = codec::Granularity::kGroup;
      s->group_size = 16;
      s->scale_type = codec::ScaleType::kE8;
      break;
    default:
      break;
  }
}

bool takes_granularity(CodecKind k) {
  return k == CodecKind::kInt || k == CodecKind::kAffine || k == CodecKind::kPqnt || k == CodecKind::kLog2 ||
         k == CodecKind::kLut;
}

}  // namespace

bool has_bits_parameter(CodecKind kind) { return family_name(kind)[0] != '\0'; }

bool is_lossless(const CodecSpec& spec) { return spec.kind == CodecKind::kF32; }

CodecSpec parse_codec_spec(const std::string& text) {
  const std::vector<std::string> parts = split(text, ',');
  const std::string head = parts[0];
  CodecSpec s;
  bool known = false;
  for (const Named& n : kFixed) {
    if (head == n.name) {
      s.kind = n.kind;
      s.bits = n.bits;
      known = true;
    }
  }
  if (!known) {
    const size_t colon = head.find(':');
    const std::string family = head.substr(0, colon);
    for (const Family& f : kFamilies) {
      if (family != f.name) continue;
      if (colon == std::string::npos) bad(text, std::string(f.name) + " needs a width, e.g. " + f.name + ":4");
      s.kind = f.kind;
      const int64_t b = parse_int(text, "the width", head.substr(colon + 1), f.min_bits, f.max_bits);
      s.bits = static_cast<int>(f.kind == CodecKind::kLsq ? b + 1 : b);  // lsq:B has C = B + 1 bits
      known = true;
    }
  }
  if (!known) bad(text, "unknown codec '" + head + "'");
  set_defaults(&s);
  bool scale_given = false;
  for (size_t k = 1; k < parts.size(); ++k) {
    const std::string& opt = parts[k];
    const size_t eq = opt.find('=');
    const std::string key = opt.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    if ((key == "channel" || key == "tensor" || key == "group") && !takes_granularity(s.kind)) {
      bad(text, "'" + key + "' does not apply to this codec");
    }
    if (key == "channel" && eq == std::string::npos) {
      s.granularity = codec::Granularity::kChannel;
    } else if (key == "tensor" && eq == std::string::npos) {
      s.granularity = codec::Granularity::kTensor;
    } else if (key == "group") {
      s.granularity = codec::Granularity::kGroup;
      s.group_size = parse_int(text, "group", value, 1, 1 << 20);
      // Groups store small scales unless told otherwise (lut keeps its own).
      if (s.kind != CodecKind::kLut && !scale_given) s.scale_type = codec::ScaleType::kF16;
    } else if (key == "scale" && (value == "f16" || value == "f32" || value == "e8")) {
      s.scale_type = value == "f16" ? codec::ScaleType::kF16
                                    : (value == "e8" ? codec::ScaleType::kE8 : codec::ScaleType::kF32);
      scale_given = true;
    } else if (key == "calib" && (s.kind == CodecKind::kInt || s.kind == CodecKind::kAffine)) {
      try {
        s.calib = parse_calib_spec(value);
      } catch (const Error& e) {
        bad(text, e.what());
      }
    } else if (key == "p" && s.kind == CodecKind::kPqnt) {
      if (value == "auto") {
        s.power_auto = true;
      } else {
        s.power = static_cast<float>(parse_number(text, key, value));
        if (!(s.power > 0.05f && s.power <= 4.0f)) bad(text, "p must be in (0.05, 4]");
      }
    } else if (key == "r" && s.kind == CodecKind::kLog2) {
      s.steps = value == "auto" ? 0.0f : static_cast<float>(parse_number(text, key, value));
      if (value != "auto" && !(s.steps > 0.0f && s.steps <= 64.0f)) bad(text, "r must be in (0, 64]");
    } else if (key == "round" && (value == "nearest" || value == "stochastic")) {
      s.rounding = value == "nearest" ? codec::RoundingMode::kNearestEven : codec::RoundingMode::kStochastic;
    } else if (key == "seed") {
      s.seed = static_cast<uint64_t>(parse_int(text, key, value, 0, INT64_MAX));
    } else if (key == "iters" && s.kind == CodecKind::kLut) {
      s.iterations = static_cast<int>(parse_int(text, key, value, 0, 1000));
    } else if (key == "gptq" && eq == std::string::npos && (s.kind == CodecKind::kInt || s.kind == CodecKind::kAffine ||
                                                            s.kind == CodecKind::kPqnt || s.kind == CodecKind::kLsq ||
                                                            s.kind == CodecKind::kLog2 || s.kind == CodecKind::kLut)) {
      s.gptq = true;
    } else if (key == "weighted" && s.kind == CodecKind::kLut && (value == "0" || value == "1")) {
      s.weighted = value == "1";
    } else {
      bad(text, "unknown or misplaced option '" + opt + "'");
    }
  }
  if (s.gptq && s.rounding == codec::RoundingMode::kStochastic) bad(text, "gptq rounds deterministically");
  if (s.rounding == codec::RoundingMode::kStochastic &&
      !(s.kind == CodecKind::kInt || s.kind == CodecKind::kAffine || s.kind == CodecKind::kPqnt ||
        s.kind == CodecKind::kLsq || s.kind == CodecKind::kLog2)) {
    bad(text, "stochastic rounding applies to int, affine, pqnt, lsq and log2");
  }
  return s;
}

std::string codec_spec_string(const CodecSpec& s) {
  for (const Named& n : kFixed) {
    if (n.kind == s.kind && n.bits == s.bits && s.kind != CodecKind::kInt) return n.name;
  }
  std::ostringstream os;
  if (s.kind == CodecKind::kInt && (s.bits == 8 || s.bits == 4)) {
    os << "int" << s.bits;
  } else {
    os << family_name(s.kind) << ":" << (s.kind == CodecKind::kLsq ? s.bits - 1 : s.bits);
  }
  CodecSpec d;
  d.kind = s.kind;
  set_defaults(&d);
  if (takes_granularity(s.kind) && (s.granularity != d.granularity || s.group_size != d.group_size)) {
    if (s.granularity == codec::Granularity::kGroup) {
      os << ",group=" << s.group_size;
    } else {
      os << (s.granularity == codec::Granularity::kChannel ? ",channel" : ",tensor");
    }
  }
  const codec::ScaleType implied = s.granularity == codec::Granularity::kGroup && s.kind != CodecKind::kLut
                                       ? codec::ScaleType::kF16
                                       : d.scale_type;
  if (s.kind != CodecKind::kLsq && has_bits_parameter(s.kind) && s.scale_type != implied) {
    os << ",scale="
       << (s.scale_type == codec::ScaleType::kF16 ? "f16" : (s.scale_type == codec::ScaleType::kE8 ? "e8" : "f32"));
  }
  if ((s.kind == CodecKind::kInt || s.kind == CodecKind::kAffine) && s.calib.method != CalibMethod::kMinMax) {
    os << ",calib=" << calib_spec_name(s.calib);
  }
  if (s.kind == CodecKind::kPqnt) {
    if (s.power_auto) {
      os << ",p=auto";
    } else if (s.power != 0.56f) {
      os << ",p=" << s.power;
    }
  }
  if (s.kind == CodecKind::kLog2 && s.steps > 0) os << ",r=" << s.steps;
  if (s.kind == CodecKind::kLut) {
    if (s.iterations != 30) os << ",iters=" << s.iterations;
    if (!s.weighted) os << ",weighted=0";
  }
  if (s.gptq) os << ",gptq";
  if (s.rounding == codec::RoundingMode::kStochastic) os << ",round=stochastic,seed=" << s.seed;
  return os.str();
}

}  // namespace nibble::convert::quant
