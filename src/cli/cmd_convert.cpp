#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/convert_summary.h"
#include "cli/progress_bar.h"
#include "cli/text_format.h"
#include "pt2tf/convert.h"
#include "pt2tf/text.h"

namespace pt2tf::cli {
namespace {

struct ConvertFlags {
  std::string input;
  std::string model;
  std::string input_shape;
  int opset = 17;
  std::string input_layout = "nchw";
  bool non_strict = false;
  bool external_data = false;
  std::vector<std::string> outputs;
  bool quiet = false;
  bool json = false;
};

// "1x3x224x224" → {1, 3, 224, 224}.
Result<ir::Dims> ParseShape(const std::string& text) {
  ir::Dims dims;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    if (part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos || std::stoll(part) == 0)
      return UsageError("--input-shape '" + text +
                        "': expected positive sizes separated by 'x', e.g. 1x3x224x224");
    dims.push_back(std::stoll(part));
    pos = end + 1;
  }
  return dims;
}

int Run(const ConvertFlags& flags) {
  ConvertOptions options;
  options.input_path = flags.input;
  options.model_name = flags.model;
  options.opset = flags.opset;
  options.strict = !flags.non_strict;
  options.onnx_external_data = flags.external_data;
  options.output_paths = flags.outputs;
  options.tf.input_layout =
      flags.input_layout == "nhwc" ? tf::InputLayout::kNhwc : tf::InputLayout::kNchw;
  if (!flags.input_shape.empty()) {
    Result<ir::Dims> shape = ParseShape(flags.input_shape);
    if (!shape.ok()) return ReportError(shape.status());
    options.input_shape = *shape;
  }
  // A bar only for people watching a terminal; scripts and pipes see none.
  std::optional<ProgressBar> bar;
  if (!flags.quiet && ProgressBar::IsTerminal(stderr)) {
    bar.emplace();
    options.on_progress = [&bar](const std::string& path, uint64_t done, uint64_t total) {
      bar->Update(path, done, total);
    };
  }
  Result<ConvertReport> report = Convert(options);
  if (bar) bar->Finish(report.ok());
  if (!report.ok()) return ReportError(report.status());
  if (!flags.quiet)
    for (const std::string& w : report->warnings)
      PrintTo(stderr, "pt2tf: warning: %s\n", w.c_str());
  if (flags.json)
    std::cout << JsonDump(SummaryJson(*report), 2) << "\n";
  else if (!flags.quiet)
    Print("%s", SummaryText(*report).c_str());
  return kExitOk;
}

}  // namespace

Command AddConvertCommand(CLI::App& parent) {
  auto flags = std::make_shared<ConvertFlags>();
  CLI::App* app = parent.add_subcommand(
      "convert",
      "Convert a PyTorch checkpoint (with an architecture) or an ONNX model.\n"
      "Examples:\n"
      "  pt2tf convert -i resnet18.pth --model resnet18 -o resnet18.onnx\n"
      "  pt2tf convert -i model.onnx -o model.onnx --opset 13\n"
      "The input is read once; each -o path picks its writer: .onnx (ONNX), .pb (TensorFlow\n"
      "frozen graph), a directory or a path ending in '/' (TensorFlow SavedModel).");
  app->add_option("-i,--input", flags->input,
                  "input: .pth/.pt/.bin/.safetensors checkpoint, or .onnx model")
      ->required();
  app->add_option("-o,--output", flags->outputs, "output path (repeatable)")->required();
  app->add_option("--model", flags->model,
                  "architecture name (see `pt2tf models`); not needed for whole-model pickles");
  app->add_option("--input-shape", flags->input_shape,
                  "input shape NxCxHxW, e.g. 1x3x300x300 (default: the model's own)");
  app->add_option("--opset", flags->opset, "ONNX opset of .onnx outputs (13..21)")
      ->check(CLI::Range(13, 21))
      ->capture_default_str();
  app->add_flag("--external-data", flags->external_data,
                "store .onnx weights in <output>.data beside the model (automatic at 2 GiB)");
  app->add_option("--input-layout", flags->input_layout,
                  "layout of the TensorFlow graph's image inputs: nchw (as in PyTorch, one "
                  "Transpose inside the graph) or nhwc (TensorFlow-native, no Transpose)")
      ->check(CLI::IsMember({"nchw", "nhwc"}))
      ->capture_default_str();
  app->add_flag("--non-strict", flags->non_strict,
                "warn about unexpected checkpoint keys instead of failing");
  app->add_flag("-q,--quiet", flags->quiet, "print nothing on success (errors still go to stderr)");
  app->add_flag("--json", flags->json, "print the summary as one JSON object on stdout");
  return {app, [flags] { return Run(*flags); }};
}

}  // namespace pt2tf::cli
