// `pt2tf calibrate`: runs calibration samples through the float32 reference runner and
// prints every float tensor's range (what int8 quantization will use), as text or JSON.
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/model_flags.h"
#include "pt2tf/calib/data.h"
#include "pt2tf/calib/model.h"
#include "pt2tf/calib/ranges.h"

namespace pt2tf::cli {
namespace {

struct CalibrateFlags {
  ModelFlags model;
  std::string calibration;
  std::string mean, std;
  int64_t max_samples = 0;
  double percentile = 0;
  int threads = 0;
  bool json = false;
};

int Run(const CalibrateFlags& flags) {
  PT2TF_CLI_ASSIGN_OR_REPORT(calib::ModelSource source, flags.model.Source());
  calib::DataOptions data;
  data.path = flags.calibration;
  data.max_samples = flags.max_samples;
  if (!flags.mean.empty()) {
    PT2TF_CLI_ASSIGN_OR_REPORT(data.mean, ParseFloatList("--mean", flags.mean));
  }
  if (!flags.std.empty()) {
    PT2TF_CLI_ASSIGN_OR_REPORT(data.std, ParseFloatList("--std", flags.std));
  }
  std::vector<std::string> warnings;
  PT2TF_CLI_ASSIGN_OR_REPORT(std::unique_ptr<ir::Graph> graph, calib::LoadModel(source, &warnings));
  for (const std::string& w : warnings) std::cerr << "pt2tf: warning: " << w << "\n";
  PT2TF_CLI_ASSIGN_OR_REPORT(std::vector<calib::Sample> samples, calib::LoadSamples(*graph, data));
  calib::RangeOptions ranges;
  ranges.histogram = flags.percentile > 0;
  ir::run::RunOptions run;
  run.threads = flags.threads;
  PT2TF_CLI_ASSIGN_OR_REPORT(calib::CalibrationResult result,
                             calib::Calibrate(*graph, samples, ranges, run));
  const double q = flags.percentile / 100.0;
  if (flags.json) {
    nlohmann::ordered_json j;
    j["input"] = flags.model.input;
    j["calibration"] = flags.calibration;
    j["samples"] = result.samples;
    j["seconds"] = result.seconds;
    j["tensors"] = nlohmann::ordered_json::array();
    for (const calib::TensorRange& r : result.ranges) {
      nlohmann::ordered_json t = {{"name", r.name},
                                  {"min", r.min},
                                  {"max", r.max},
                                  {"count", r.count},
                                  {"non_finite", r.non_finite}};
      if (r.has_histogram) {
        t["percentile_min"] = r.histogram.Quantile(1 - q);
        t["percentile_max"] = r.histogram.Quantile(q);
      }
      j["tensors"].push_back(std::move(t));
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-48s %14s %14s%s\n", "tensor", "min", "max",
              ranges.histogram ? "      pct_min        pct_max" : "");
  for (const calib::TensorRange& r : result.ranges) {
    std::printf("%-48s %14.6g %14.6g", r.name.c_str(), r.min, r.max);
    if (r.has_histogram)
      std::printf(" %14.6g %14.6g", r.histogram.Quantile(1 - q), r.histogram.Quantile(q));
    std::printf("\n");
  }
  std::printf("%zu tensors, %lld samples, %.2f s\n", result.ranges.size(),
              static_cast<long long>(result.samples), result.seconds);
  return kExitOk;
}

}  // namespace

Command AddCalibrateCommand(CLI::App& parent) {
  auto flags = std::make_shared<CalibrateFlags>();
  CLI::App* app = parent.add_subcommand(
      "calibrate",
      "Run calibration samples through pt2tf's float32 reference runner and print the range\n"
      "of every float tensor (what int8 quantization uses).\n"
      "Examples:\n"
      "  pt2tf calibrate -i model.onnx --calibration samples.npy --json\n"
      "  pt2tf calibrate -i resnet18.pth --model resnet18 --calibration images/ \\\n"
      "      --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225\n"
      "--calibration: .npy/.npz of N samples (float32, float16 or uint8; N along dim 0) or a\n"
      "folder of .jpg/.png images, resized to the model's input size. uint8 data and images\n"
      "become x/255, then (x - mean) / std per channel; float arrays are used as they are.");
  flags->model.Add(*app);
  app->add_option("--calibration", flags->calibration, "samples: .npy, .npz or image folder")
      ->required();
  app->add_option("--mean", flags->mean,
                  "per-channel mean subtracted after x/255 (e.g. 0.485,0.456,0.406)");
  app->add_option("--std", flags->std,
                  "per-channel std divided by after that (e.g. 0.229,0.224,0.225)");
  app->add_option("--max-samples", flags->max_samples, "use at most this many samples (0 = all)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--percentile", flags->percentile,
                  "also report the P-th percentile range (a histogram per tensor), e.g. 99.99")
      ->check(CLI::Range(50.0, 100.0));
  app->add_option("--threads", flags->threads, "BLAS threads (default: all cores)")
      ->check(CLI::Range(0, 256));
  app->add_flag("--json", flags->json, "print one JSON object (see docs/CLI.md)");
  return {app, [flags] { return Run(*flags); }};
}

}  // namespace pt2tf::cli
