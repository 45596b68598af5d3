#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/convert_summary.h"
#include "cli/model_flags.h"
#include "cli/progress_bar.h"
#include "cli/text_format.h"
#include "pt2tf/convert.h"
#include "pt2tf/text.h"

namespace pt2tf::cli {
namespace {

struct ConvertFlags {
  std::string input;
  std::string model;
  std::string model_args;
  std::string python;
  std::vector<std::string> input_shapes;
  int64_t batch = 0;  // 0 = not given
  bool dynamic_batch = false;
  int opset = 17;
  std::string input_layout = "nchw";
  std::string precision = "fp32";
  std::string quantize = "none";
  std::string io_dtype = "float32";
  std::string calibration;
  std::string mean, std;
  int64_t max_samples = 0;
  bool non_strict = false;
  bool external_data = false;
  std::string saved_model_weights = "auto";
  std::string tflite_buffers = "auto";
  std::vector<std::string> outputs;
  bool quiet = false;
  bool json = false;
};

// "1x3x224x224" → {1, 3, 224, 224}; "?" keeps a dim as the model has it (kUnknownDim).
Result<ir::Dims> ParseShape(const std::string& text, const std::string& flag) {
  ir::Dims dims;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    if (part == "?") {
      dims.push_back(ir::kUnknownDim);
    } else if (part.empty() || part.size() > 9 ||
               part.find_first_not_of("0123456789") != std::string::npos || std::stoll(part) == 0) {
      return UsageError("--input-shape '" + flag +
                        "': expected positive sizes (or ?) separated by 'x', e.g. 1x3x224x224 "
                        "or NAME:1x3x224x224");
    } else {
      dims.push_back(std::stoll(part));
    }
    pos = end + 1;
  }
  return dims;
}

// "--input-shape 1x3x8x8" (bare) or "--input-shape name:1x3x8x8" into the options.
Status AddInputShape(const std::string& text, ConvertOptions& options) {
  const size_t colon = text.rfind(':');
  const std::string shape_text = colon == std::string::npos ? text : text.substr(colon + 1);
  PT2TF_ASSIGN_OR_RETURN(ir::Dims dims, ParseShape(shape_text, text));
  if (colon == std::string::npos) {
    if (options.input_shape || !options.named_input_shapes.empty())
      return UsageError("--input-shape '" + text +
                        "': several shapes need input names (NAME:SHAPE)");
    options.input_shape = dims;
    return OkStatus();
  }
  if (options.input_shape || colon == 0)
    return UsageError("--input-shape '" + text + "': several shapes need input names (NAME:SHAPE)");
  for (const auto& [name, d] : options.named_input_shapes)
    if (name == text.substr(0, colon))
      return UsageError("--input-shape '" + text + "': input '" + name + "' pinned twice");
  options.named_input_shapes.emplace_back(text.substr(0, colon), dims);
  return OkStatus();
}

int Run(const ConvertFlags& flags) {
  ConvertOptions options;
  options.input_path = flags.input;
  options.model_name = flags.model;
  options.model_args = flags.model_args;
  options.python = flags.python;
  options.opset = flags.opset;
  options.strict = !flags.non_strict;
  options.onnx_external_data = flags.external_data;
  options.output_paths = flags.outputs;
  options.tf.input_layout =
      flags.input_layout == "nhwc" ? tf::InputLayout::kNhwc : tf::InputLayout::kNchw;
  options.tf.saved_model_weights =
      flags.saved_model_weights == "variables" ? tf::SavedModelWeights::kVariables
      : flags.saved_model_weights == "inline"  ? tf::SavedModelWeights::kInline
                                               : tf::SavedModelWeights::kAuto;
  options.tflite_buffers = flags.tflite_buffers == "offset"   ? tflite::BufferPlacement::kOffset
                           : flags.tflite_buffers == "inline" ? tflite::BufferPlacement::kInline
                                                              : tflite::BufferPlacement::kAuto;
  options.tflite_precision =
      flags.precision == "fp16" ? tflite::Precision::kFp16 : tflite::Precision::kFp32;
  if (flags.quantize == "fp16") {  // another name for --precision fp16
    options.tflite_precision = tflite::Precision::kFp16;
  } else if (flags.quantize == "dynamic-int8") {
    options.quantize = tflite::QuantMode::kDynamicInt8;
  } else if (flags.quantize == "int8") {
    options.quantize = tflite::QuantMode::kInt8;
  }
  if (flags.io_dtype == "int8") {
    if (options.quantize != tflite::QuantMode::kInt8)
      return ReportError(UsageError("--io-dtype int8 needs --quantize int8"));
    options.quant_io = tflite::IoType::kInt8;
  }
  if (!flags.calibration.empty()) {
    calib::DataOptions data;
    data.path = flags.calibration;
    data.max_samples = flags.max_samples;
    if (!flags.mean.empty()) {
      PT2TF_CLI_ASSIGN_OR_REPORT(data.mean, ParseFloatList("--mean", flags.mean));
    }
    if (!flags.std.empty()) {
      PT2TF_CLI_ASSIGN_OR_REPORT(data.std, ParseFloatList("--std", flags.std));
    }
    options.calibration = std::move(data);
  } else if (!flags.mean.empty() || !flags.std.empty() || flags.max_samples != 0) {
    return ReportError(UsageError("--mean, --std and --max-samples need --calibration"));
  }
  for (const std::string& text : flags.input_shapes) {
    Status s = AddInputShape(text, options);
    if (!s.ok()) return ReportError(s);
  }
  if (flags.batch != 0) options.batch = flags.batch;
  options.dynamic_batch = flags.dynamic_batch;
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
      "  pt2tf convert -i resnet18.pth --model resnet18 -o resnet18.tflite --precision fp16\n"
      "The input is read once; each -o path picks its writer: .onnx (ONNX), .pb (TensorFlow\n"
      "frozen graph), .tflite (TFLite / LiteRT), a directory or a path ending in '/'\n"
      "(TensorFlow SavedModel).");
  app->add_option("-i,--input", flags->input,
                  "input: .pth/.pt/.bin/.safetensors checkpoint, .pt2 torch.export archive, or "
                  ".onnx model")
      ->required();
  app->add_option("-o,--output", flags->outputs, "output path (repeatable)")->required();
  app->add_option("--model", flags->model,
                  "architecture name (see `pt2tf models`), or FILE.py:Class for a Python model "
                  "(runs that file with your Python); not needed for whole-model pickles");
  app->add_option("--model-args", flags->model_args,
                  "JSON keyword arguments for a Python model class, e.g. '{\"num_classes\": 10}'");
  app->add_option("--python", flags->python,
                  "Python (with torch) for a Python model (default: $PT2TF_PYTHON, then "
                  "$VIRTUAL_ENV/bin/python)");
  app->add_option("--input-shape", flags->input_shapes,
                  "input shape, e.g. 1x3x300x300 (default: the model's own); for ONNX input "
                  "NAME:SHAPE per input (repeatable), ? keeps a dim dynamic, e.g. "
                  "x:?x3x640x640");
  app->add_option("--batch", flags->batch, "pin dim 0 (the batch) of every input to N")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  app->add_flag("--dynamic-batch", flags->dynamic_batch,
                "checkpoint models: a dynamic batch dim (-1 / None in TensorFlow, dim_param "
                "'batch' in ONNX)");
  app->add_option("--opset", flags->opset, "ONNX opset of .onnx outputs (13..21)")
      ->check(CLI::Range(13, 21))
      ->capture_default_str();
  app->add_flag("--external-data", flags->external_data,
                "store .onnx weights in <output>.data beside the model (automatic at 2 GiB)");
  app->add_option("--saved-model-weights", flags->saved_model_weights,
                  "where a SavedModel keeps its weights: inline (Consts in saved_model.pb, "
                  "under 2 GiB), variables (a tensor bundle in variables/, any size), or auto "
                  "(inline unless saved_model.pb would near 2 GiB)")
      ->check(CLI::IsMember({"auto", "inline", "variables"}))
      ->capture_default_str();
  app->add_option("--tflite-buffers", flags->tflite_buffers,
                  "where a .tflite keeps its weights: inline (inside the FlatBuffer, any TFLite "
                  "version, under 2 GiB), offset (after it, found by Buffer.offset/size; any "
                  "size, recent LiteRT), or auto (inline unless the file would pass "
                  "2 GiB)")
      ->check(CLI::IsMember({"auto", "inline", "offset"}))
      ->capture_default_str();
  app->add_option("--input-layout", flags->input_layout,
                  "layout of the TensorFlow graph's image inputs: nchw (as in PyTorch, one "
                  "Transpose inside the graph) or nhwc (TensorFlow-native, no Transpose)")
      ->check(CLI::IsMember({"nchw", "nhwc"}))
      ->capture_default_str();
  app->add_option("--precision", flags->precision,
                  "weights of .tflite outputs: fp32, or fp16 (float16 weights, each dequantized "
                  "to float32 in the graph: half the file)")
      ->check(CLI::IsMember({"fp32", "fp16"}))
      ->capture_default_str();
  app->add_option("--quantize", flags->quantize,
                  "quantize .tflite outputs: dynamic-int8 (int8 weights, float activations), "
                  "int8 (full integer; needs --calibration), fp16 (= --precision fp16)")
      ->check(CLI::IsMember({"none", "dynamic-int8", "int8", "fp16"}))
      ->capture_default_str();
  app->add_option("--io-dtype", flags->io_dtype,
                  "interface of an int8 .tflite: float32 (QUANTIZE/DEQUANTIZE at the edges) or "
                  "int8 (integer-only)")
      ->check(CLI::IsMember({"float32", "int8"}))
      ->capture_default_str();
  app->add_option("--calibration", flags->calibration,
                  "samples for --quantize: .npy/.npz (N x input shape) or an image folder; int8 "
                  "calibrates on them, and 20% are held back for the accuracy report");
  app->add_option("--mean", flags->mean,
                  "calibration images/uint8: per-channel mean subtracted after x/255 (e.g. "
                  "0.485,0.456,0.406)");
  app->add_option("--std", flags->std,
                  "calibration images/uint8: per-channel std divided by after that (e.g. "
                  "0.229,0.224,0.225)");
  app->add_option("--max-samples", flags->max_samples,
                  "use at most this many calibration samples (0 = all)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  app->add_flag("--non-strict", flags->non_strict,
                "warn about unexpected checkpoint keys instead of failing");
  app->add_flag("-q,--quiet", flags->quiet, "print nothing on success (errors still go to stderr)");
  app->add_flag("--json", flags->json, "print the summary as one JSON object on stdout");
  return {app, [flags] { return Run(*flags); }};
}

}  // namespace pt2tf::cli
