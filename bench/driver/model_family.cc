#include "driver/model_family.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "common/timer.h"
#include "nibble/nibble.hpp"

namespace nibble::bench {
namespace {

struct ModelSpec {
  const char* name;
  const char* onnx;  // file name
  bool imagenet;
  int64_t height;
};

constexpr ModelSpec kModels[] = {
    {"resnet20", "resnet20_cifar10.onnx", false, 32},
    {"resnet18", "resnet18_imagenet_random.onnx", true, 224},
    {"mobilenet_v2", "mobilenet_v2_imagenet_random.onnx", true, 224},
};

// 4-bit codecs the acceptance is about, and q8_0 for scale.
const char* kCodecs[] = {"q4_0", "int4", "lut:4", "pqnt:4", "q8_0"};

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string file_safe(std::string s) {
  for (char& c : s) {
    if (c == ':' || c == ',' || c == '=') c = '_';
  }
  return s;
}

// Converts once into the cache; returns the .nbl path or "" on failure.
std::string convert(const ModelFamilyOptions& o, const ModelSpec& m, const std::string& onnx, int64_t batch,
                    const std::string& codec) {
  const std::string out = o.cache_dir + "/" + m.name + "_b" + std::to_string(batch) + "_" + file_safe(codec) + ".nbl";
  if (exists(out)) return out;
  const std::string command = "'" + o.converter + "' '" + onnx + "' -o '" + out + "' --quiet --input-shape input=" +
                              std::to_string(batch) + ",3," + std::to_string(m.height) + "," +
                              std::to_string(m.height) + " --codec '" + codec + "'";
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "nibble-bench: conversion failed: %s\n", command.c_str());
    return "";
  }
  return out;
}

struct Timing {
  double median_us = 0;
  bool ok = false;
};

Timing time_model(const std::string& path, int threads, ActivationPrecision precision, double min_seconds) {
  Timing t;
  Result<Model> model = Model::load_file(path.c_str());
  if (!model.is_ok()) {
    std::fprintf(stderr, "nibble-bench: %s\n", model.status().message());
    return t;
  }
  SessionOptions options;
  options.num_threads = threads;
  options.activation_precision = precision;
  Result<Session> session = Session::create(model.value(), options);
  if (!session.is_ok()) {
    std::fprintf(stderr, "nibble-bench: %s: %s\n", path.c_str(), session.status().message());
    return t;
  }
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < model->num_inputs(); ++i) {
    float* x = session->input_data(i);
    for (uint64_t k = 0; k < model->input(i).numel; ++k) x[k] = normal(rng);
  }
  for (int i = 0; i < 3; ++i) {
    if (!session->run().is_ok()) return t;
  }
  std::vector<double> samples;
  const double start = examples::now_seconds();
  while (samples.size() < 10 || examples::now_seconds() - start < min_seconds) {
    const double t0 = examples::now_seconds();
    if (!session->run().is_ok()) return t;
    samples.push_back((examples::now_seconds() - t0) * 1e6);
  }
  t.median_us = examples::median(samples);
  t.ok = true;
  return t;
}

}  // namespace

std::vector<Row> run_model_family(const ModelFamilyOptions& o) {
  std::vector<Row> rows;
  mkdir(o.cache_dir.c_str(), 0755);
  for (const ModelSpec& m : kModels) {
    const std::string onnx = (m.imagenet ? o.imagenet_dir : o.fixtures_dir) + "/" + m.onnx;
    if (!exists(onnx)) {
      std::fprintf(stderr, "nibble-bench: model family: skip %s (%s not found; docs/BENCHMARKS.md says how to make it)\n",
                   m.name, onnx.c_str());
      continue;
    }
    for (int64_t batch : {int64_t{1}, int64_t{16}}) {
      if (m.imagenet && batch != 1) continue;
      const std::string shape = std::string(m.name) + " b" + std::to_string(batch);
      // The baseline only if some row of this shape passes the filter.
      bool wanted = false;
      for (const char* codec : kCodecs) {
        for (const char* act : {"", "+int8"}) {
          Row probe;
          probe.family = "model";
          probe.codec = std::string(codec) + act;
          probe.shape = shape;
          wanted = wanted || std::regex_search(filter_key(probe), o.filter);
        }
      }
      if (!wanted) continue;
      const std::string f32 = convert(o, m, onnx, batch, "f32");
      if (f32.empty()) continue;
      const Timing xnn = time_model(f32, o.threads, ActivationPrecision::kF32, o.min_seconds);
      if (!xnn.ok) continue;
      for (const char* codec : kCodecs) {
        for (ActivationPrecision precision : {ActivationPrecision::kF32, ActivationPrecision::kInt8}) {
          Row row;
          row.family = "model";
          row.codec = std::string(codec) + (precision == ActivationPrecision::kInt8 ? "+int8" : "");
          row.shape = shape;
          row.threads = o.threads;
          if (!std::regex_search(filter_key(row), o.filter)) continue;
          const std::string path = convert(o, m, onnx, batch, codec);
          if (path.empty()) continue;
          const Timing t = time_model(path, o.threads, precision, o.min_seconds);
          if (!t.ok) continue;
          row.time_us = t.median_us;
          row.xnnpack_time_us = xnn.median_us;
          row.extra_json = ",\"act\":\"" + std::string(precision == ActivationPrecision::kInt8 ? "int8" : "f32") +
                           "\",\"batch\":" + std::to_string(batch);
          rows.push_back(row);
        }
      }
    }
  }
  return rows;
}

}  // namespace nibble::bench
