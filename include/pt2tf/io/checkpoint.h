// Loading a checkpoint: any torch.save file (zip or legacy, state_dict or whole model),
// a TorchScript archive, or safetensors, into an ordered state dict of zero-copy tensors,
// plus (for whole-module pickles) the module tree. Nothing a pickle names is ever called.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf {

enum class CheckpointFormat {
  kTorchZip,     // torch.save, PyTorch >= 1.6
  kTorchLegacy,  // torch.save(..., _use_new_zipfile_serialization=False)
  kTorchScript,  // torch.jit.save archive
  kSafetensors,
};
std::string_view FormatName(CheckpointFormat f);  // "torch-zip", "torch-legacy", ...

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// One nn.Module of a whole-model pickle.
struct ModuleInfo {
  std::string path;          // qualified name as named_modules() gives it; "" for the root
  std::string class_module;  // "torchvision.models.resnet"
  std::string class_name;    // "ResNet"
  // Plain attributes of the module's __dict__ that are not parameters, buffers, children,
  // hooks or `training` (in_channels, kernel_size, eps, ...), in pickle order, as JSON:
  // None→null, bool, int, float, str, list/tuple→array; tensors →
  // {"tensor": {"dtype","shape"}}; other objects → {"class": "mod.Name", "args": [...],
  // "state": ...} (e.g. efficientnet_pytorch's GlobalParams / BlockArgs namedtuples).
  nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
};

struct Checkpoint {
  std::string path;
  CheckpointFormat format = CheckpointFormat::kTorchZip;
  // Where the state dict was found: "" (top level), "state_dict", "model", "module" (a
  // pickled nn.Module) ...
  std::string container;
  std::vector<NamedTensor> tensors;  // state_dict order
  std::vector<ModuleInfo> modules;   // empty unless a whole nn.Module was pickled
  nlohmann::ordered_json metadata = nlohmann::ordered_json::object();  // e.g. safetensors
  std::shared_ptr<const MappedFile> file;                              // keeps the views alive

  const Tensor* Find(const std::string& name) const;
  const ModuleInfo* root_module() const { return modules.empty() ? nullptr : &modules[0]; }
};

struct LoadOptions {
  // Limits that bound work on hostile files.
  int max_pickle_depth = 1000;
  // Memory a pickle may use (values, copies, the walks over them): base + per byte of pickle.
  // Real checkpoints use well under 64 bytes per pickle byte.
  uint64_t pickle_budget_base = 32ull << 20;
  uint64_t pickle_budget_per_byte = 64;
};

// Errors are one line and start with the path.
Result<Checkpoint> LoadCheckpoint(const std::string& path, const LoadOptions& options = {});

}  // namespace pt2tf
