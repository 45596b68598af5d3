// `pt2tf run`: executes a model on given inputs with the float32 reference runner and saves
// its outputs as an .npz (a conversion-free check of what a model computes).
#include <chrono>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/model_flags.h"
#include "cli/run_tflite.h"
#include "pt2tf/calib/model.h"
#include "pt2tf/io/npy.h"
#include "pt2tf/ir/runner.h"

namespace pt2tf::cli {
namespace {

struct RunFlags {
  ModelFlags model;
  std::string inputs;
  std::string output;
  int threads = 0;
  bool json = false;
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<std::vector<ir::run::RunTensor>> ReadInputs(const ir::Graph& graph,
                                                   const std::string& path) {
  NamedArrays arrays;
  std::vector<const ir::Value*> wanted;
  for (const ir::Value* v : graph.inputs())
    if (!v->is_constant()) wanted.push_back(v);
  if (EndsWith(path, ".npy")) {
    if (wanted.size() != 1)
      return UsageError(path + ": the model has " + std::to_string(wanted.size()) +
                        " inputs; give an .npz with one array per input name");
    PT2TF_ASSIGN_OR_RETURN(Tensor t, ReadNpy(path));
    arrays.emplace_back(wanted[0]->name, std::move(t));
  } else if (EndsWith(path, ".npz")) {
    PT2TF_ASSIGN_OR_RETURN(arrays, ReadNpz(path));
  } else {
    return UsageError(path + ": --inputs must be a .npy or an .npz");
  }
  std::vector<ir::run::RunTensor> inputs;
  for (const ir::Value* v : wanted) {
    const Tensor* found = nullptr;
    for (const auto& [name, t] : arrays)
      if (name == v->name) found = &t;
    if (!found) return InvalidInput(path + ": no array named '" + v->name + "'");
    Result<ir::run::RunTensor> t = ir::run::RunTensor::FromTensor(*found);
    if (!t.ok()) return t.status().WithContext(path + ": " + v->name);
    inputs.push_back(std::move(*t));
  }
  return inputs;
}

int Run(const RunFlags& flags) {
  if (EndsWith(flags.model.input, ".tflite"))
    return RunTflite(flags.model.input, flags.inputs, flags.output, flags.json);
  PT2TF_CLI_ASSIGN_OR_REPORT(calib::ModelSource source, flags.model.Source());
  PT2TF_CLI_ASSIGN_OR_REPORT(std::unique_ptr<ir::Graph> graph, calib::LoadModel(source));
  PT2TF_CLI_ASSIGN_OR_REPORT(std::vector<ir::run::RunTensor> inputs,
                             ReadInputs(*graph, flags.inputs));
  ir::run::RunOptions options;
  options.threads = flags.threads;
  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<ir::run::RunTensor>> outputs = ir::run::Run(*graph, inputs, {}, options);
  if (!outputs.ok()) return ReportError(outputs.status().WithContext(flags.model.input));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  NamedArrays arrays;
  for (size_t k = 0; k < outputs->size(); ++k) {
    Result<Tensor> t = (*outputs)[k].ToTensor();
    if (!t.ok()) return ReportError(t.status());
    arrays.emplace_back(graph->outputs()[k]->name, std::move(*t));
  }
  Status written = WriteNpz(flags.output, arrays);
  if (!written.ok()) return ReportError(written);
  if (flags.json) {
    nlohmann::ordered_json j;
    j["output"] = flags.output;
    j["seconds"] = seconds;
    j["outputs"] = nlohmann::ordered_json::array();
    for (const auto& [name, t] : arrays)
      j["outputs"].push_back(
          {{"name", name}, {"dtype", TorchName(t.dtype())}, {"shape", t.shape()}});
    std::cout << j.dump(2) << "\n";
  }
  return kExitOk;
}

}  // namespace

Command AddRunCommand(CLI::App& parent) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* app = parent.add_subcommand(
      "run",
      "Run a model on inputs with pt2tf's float32 reference runner; save its outputs.\n"
      "Example:\n"
      "  pt2tf run -i model.onnx --inputs x.npz -o y.npz\n"
      "  pt2tf run -i model.tflite --inputs x.npy -o y.npz   (pt2tf's TFLite evaluator,\n"
      "      integer arithmetic for int8 models as described in docs/QUANTIZATION.md)\n"
      "--inputs: an .npz with one array per graph input name (a .npy for one-input models).\n"
      "The output .npz holds one array per graph output name.");
  flags->model.Add(*app);
  app->add_option("--inputs", flags->inputs, "input arrays (.npz, or .npy)")->required();
  app->add_option("-o,--output", flags->output, "output .npz")->required();
  app->add_option("--threads", flags->threads, "BLAS threads (default: all cores)")
      ->check(CLI::Range(0, 256));
  app->add_flag("--json", flags->json, "print output names, dtypes and shapes as JSON");
  return {app, [flags] { return Run(*flags); }};
}

}  // namespace pt2tf::cli
