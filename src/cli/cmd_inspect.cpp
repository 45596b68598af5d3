// `pt2tf inspect FILE [--json] [--hash]`: what a checkpoint holds, for people and scripts.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/inspect_graph.h"
#include "cli/inspect_pt2.h"
#include "cli/text_format.h"
#include "pt2tf/hash.h"
#include "pt2tf/io/checkpoint.h"
#include "pt2tf/pt2/pt2_reader.h"
#include "pt2tf/text.h"

namespace pt2tf::cli {
namespace {

using Json = nlohmann::ordered_json;

struct InspectOptions {
  std::string path;
  bool json = false;
  bool hash = false;
};

std::string ContainerText(const Checkpoint& c) {
  if (c.container.empty()) return "state dict at the top level";
  if (c.format == CheckpointFormat::kTorchScript)
    return "TorchScript module (tensors as its state_dict() names them)";
  if (c.container == "module") {
    if (const ModuleInfo* root = c.root_module())
      return "whole nn.Module (" + root->class_module + "." + root->class_name + ")";
    return "whole module";
  }
  return "state dict under key \"" + c.container + "\"";
}

Json ToJson(const Checkpoint& c, const std::vector<std::string>& hashes) {
  Json j;
  j["file"] = c.path;
  j["format"] = std::string(FormatName(c.format));
  j["container"] = c.container;
  uint64_t total_bytes = 0, total_elements = 0;
  Json tensors = Json::array();
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    const Tensor& t = c.tensors[i].tensor;
    Json item;
    item["name"] = c.tensors[i].name;
    item["dtype"] = std::string(TorchName(t.dtype()));
    item["shape"] = t.shape();
    item["nbytes"] = t.nbytes();
    if (!hashes.empty()) item["sha256"] = hashes[i];
    tensors.push_back(std::move(item));
    total_bytes += t.nbytes();
    total_elements += static_cast<uint64_t>(t.numel());
  }
  j["tensor_count"] = c.tensors.size();
  j["total_elements"] = total_elements;
  j["total_bytes"] = total_bytes;
  j["tensors"] = std::move(tensors);
  Json modules = Json::array();
  for (const ModuleInfo& m : c.modules)
    modules.push_back({{"path", m.path},
                       {"class", m.class_module + "." + m.class_name},
                       {"attributes", m.attributes}});
  j["modules"] = std::move(modules);
  j["metadata"] = c.metadata;
  return j;
}

void PrintText(const Checkpoint& c, const std::vector<std::string>& hashes) {
  uint64_t total_bytes = 0, total_elements = 0;
  size_t name_w = 4, dtype_w = 5, shape_w = 5, bytes_w = 5;
  std::vector<std::string> shapes, sizes;
  for (const NamedTensor& nt : c.tensors) {
    total_bytes += nt.tensor.nbytes();
    total_elements += static_cast<uint64_t>(nt.tensor.numel());
    shapes.push_back(ShapeText(nt.tensor.shape()));
    sizes.push_back(Grouped(nt.tensor.nbytes()));
    name_w = std::max(name_w, nt.name.size());
    dtype_w = std::max(dtype_w, TorchName(nt.tensor.dtype()).size());
    shape_w = std::max(shape_w, shapes.back().size());
    bytes_w = std::max(bytes_w, sizes.back().size());
  }
  Print("File:       %s\n", c.path.c_str());
  Print("Format:     %s\n", std::string(FormatName(c.format)).c_str());
  Print("Contents:   %s\n", ContainerText(c).c_str());
  Print("Tensors:    %zu, %s elements, %s bytes (%s)\n", c.tensors.size(),
        Grouped(total_elements).c_str(), Grouped(total_bytes).c_str(),
        HumanBytes(total_bytes).c_str());
  if (!c.metadata.empty()) Print("Metadata:   %s\n", JsonDump(c.metadata).c_str());
  if (!c.tensors.empty()) {
    Print("\n  %-*s  %-*s  %-*s  %*s%s\n", static_cast<int>(name_w), "NAME",
          static_cast<int>(dtype_w), "DTYPE", static_cast<int>(shape_w), "SHAPE",
          static_cast<int>(bytes_w), "BYTES", hashes.empty() ? "" : "  SHA-256");
    for (size_t i = 0; i < c.tensors.size(); ++i) {
      const NamedTensor& nt = c.tensors[i];
      Print("  %-*s  %-*s  %-*s  %*s%s%s\n", static_cast<int>(name_w), nt.name.c_str(),
            static_cast<int>(dtype_w), std::string(TorchName(nt.tensor.dtype())).c_str(),
            static_cast<int>(shape_w), shapes[i].c_str(), static_cast<int>(bytes_w),
            sizes[i].c_str(), hashes.empty() ? "" : "  ", hashes.empty() ? "" : hashes[i].c_str());
    }
  }
  if (c.modules.empty()) return;
  size_t path_w = 6;
  for (const ModuleInfo& m : c.modules) path_w = std::max(path_w, m.path.size());
  Print("\nModules:    %zu\n\n", c.modules.size());
  for (const ModuleInfo& m : c.modules) {
    std::string line = m.class_module + "." + m.class_name;
    for (const auto& [key, value] : m.attributes.items())
      line += "  " + key + "=" + JsonDump(value);
    Print("  %-*s  %s\n", static_cast<int>(path_w), m.path.empty() ? "(root)" : m.path.c_str(),
          line.c_str());
  }
}

int RunInspect(const InspectOptions& options) {
  if (pt2::IsPt2Path(options.path)) {
    if (options.hash) return ReportError(UsageError("--hash applies to checkpoints only"));
    return RunInspectPt2(options.path, options.json);
  }
  if (IsGraphInput(options.path)) {
    if (options.hash) return ReportError(UsageError("--hash applies to checkpoints only"));
    return RunInspectGraph(options.path, options.json);
  }
  Result<Checkpoint> ckpt = LoadCheckpoint(options.path);
  if (!ckpt.ok()) return ReportError(ckpt.status());
  std::vector<std::string> hashes;
  if (options.hash) {
    for (const NamedTensor& nt : ckpt->tensors) {
      Result<std::string> h = Sha256Hex(nt.tensor);
      if (!h.ok()) return ReportError(h.status().WithContext(options.path + ": " + nt.name));
      hashes.push_back(*h);
    }
  }
  if (options.json)
    std::cout << JsonDump(ToJson(*ckpt, hashes)) << "\n";
  else
    PrintText(*ckpt, hashes);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

Command AddInspectCommand(CLI::App& parent) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* app = parent.add_subcommand(
      "inspect",
      "List a checkpoint's tensors (and module tree for whole-model pickles), or an ONNX /\n"
      "TensorFlow / TFLite model's or .pt2 program's op histogram, inputs/outputs and weight "
      "bytes");
  app->add_option("file", options->path,
                  "checkpoint (.pth/.pt zip or legacy, TorchScript, .safetensors), .onnx model, "
                  ".pb frozen GraphDef, SavedModel directory, .tflite model, or .pt2 archive")
      ->required();
  app->add_flag("--json", options->json, "print one JSON object instead of text");
  app->add_flag("--hash", options->hash,
                "add each tensor's SHA-256 (C-contiguous little-endian element bytes)");
  return {app, [options] { return RunInspect(*options); }};
}

}  // namespace pt2tf::cli
