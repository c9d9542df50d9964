// End to end: whole models converted from ONNX, quantized against FP32 on
// XNNPACK, at batch 1 and 16 (ResNet-20, shipped) and, when their ONNX
// files exist, ImageNet ResNet-18 and MobileNetV2 at batch 1.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "driver/bench_row.h"

namespace nibble::bench {

struct ModelFamilyOptions {
  std::string converter;     // nibble-convert
  std::string fixtures_dir;  // tests/fixtures (resnet20_cifar10.onnx)
  std::string imagenet_dir;  // *_imagenet_random.onnx (optional)
  std::string cache_dir;     // converted models, reused across runs
  int threads = 1;
  double min_seconds = 0.5;  // per configuration
  std::regex filter;
};

// Rows "model": codec = the weights' codec (and "+int8" for int8
// activations), shape = "<model> b<batch>", xnnpack_time_us = the FP32
// model on the default (XNNPACK) backend with the same threads.
std::vector<Row> run_model_family(const ModelFamilyOptions& options);

}  // namespace nibble::bench
