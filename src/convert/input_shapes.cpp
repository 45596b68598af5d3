#include "convert/input_shapes.h"

namespace pt2tf {
namespace {

std::string DimsText(const ir::Dims& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "x" : "") + (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
  return s;
}

bool IsInitializerInput(const ir::Value* v) { return v->is_constant(); }

// Overwrites the dims of `v` that `pin` fixes; `flag` is how the user spelled the pin.
Status Pin(ir::Value* v, const ir::Dims& pin, const std::string& flag, const std::string& path,
           onnx::DimNames& dim_names) {
  if (!v->shape) {
    v->shape = ir::Dims(pin.size(), ir::kUnknownDim);
  } else if (v->shape->size() != pin.size()) {
    return InvalidInput(path + ": " + flag + ": input '" + v->name + "' has rank " +
                        std::to_string(v->shape->size()) + " (" + DimsText(*v->shape) +
                        " in the file), the pin has rank " + std::to_string(pin.size()));
  }
  ir::Dims& dims = *v->shape;
  // Every dim is checked before any is set, so an error quotes the file's own dims.
  for (size_t i = 0; i < pin.size(); ++i)
    if (pin[i] >= 0 && dims[i] >= 0 && dims[i] != pin[i])
      return InvalidInput(path + ": " + flag + ": dim " + std::to_string(i) + " of input '" +
                          v->name + "' is " + std::to_string(dims[i]) + " in the file (" +
                          DimsText(dims) + "), not " + std::to_string(pin[i]));
  for (size_t i = 0; i < pin.size(); ++i) {
    if (pin[i] < 0) continue;
    dims[i] = pin[i];
    if (auto it = dim_names.find(v->name); it != dim_names.end() && i < it->second.size())
      it->second[i].clear();
  }
  return OkStatus();
}

}  // namespace

Status PinInputShapes(ir::Graph& graph, const ConvertOptions& options, onnx::DimNames& dim_names) {
  const std::string& path = options.input_path;
  std::vector<ir::Value*> inputs;
  for (ir::Value* v : graph.inputs())
    if (!IsInitializerInput(v)) inputs.push_back(v);
  if (options.input_shape) {
    if (inputs.size() != 1) {
      std::string names;
      for (const ir::Value* v : inputs) names += (names.empty() ? "" : ", ") + v->name;
      return UsageError(path + ": the model has " + std::to_string(inputs.size()) + " inputs (" +
                        names + "): name each, e.g. --input-shape " +
                        (inputs.empty() ? std::string("x") : inputs[0]->name) + ":" +
                        DimsText(*options.input_shape));
    }
    PT2TF_RETURN_IF_ERROR(Pin(inputs[0], *options.input_shape,
                              "--input-shape " + DimsText(*options.input_shape), path, dim_names));
  }
  for (const auto& [name, dims] : options.named_input_shapes) {
    ir::Value* target = nullptr;
    for (ir::Value* v : inputs)
      if (v->name == name) target = v;
    const std::string flag = "--input-shape " + name + ":" + DimsText(dims);
    if (!target) {
      std::string names;
      for (const ir::Value* v : inputs) names += (names.empty() ? "" : ", ") + v->name;
      return UsageError(path + ": " + flag + ": the model has no input '" + name +
                        "' (its inputs: " + names + ")");
    }
    PT2TF_RETURN_IF_ERROR(Pin(target, dims, flag, path, dim_names));
  }
  if (options.batch) {
    for (ir::Value* v : inputs) {
      if (!v->shape || v->shape->empty()) continue;  // scalars have no batch dim
      ir::Dims pin(v->shape->size(), ir::kUnknownDim);
      pin[0] = *options.batch;
      PT2TF_RETURN_IF_ERROR(
          Pin(v, pin, "--batch " + std::to_string(*options.batch), path, dim_names));
    }
  }
  return OkStatus();
}

void SetBatch(ir::Graph& graph, int64_t batch, onnx::DimNames& dim_names) {
  for (ir::Value* v : graph.inputs()) {
    if (v->is_constant() || !v->shape || v->shape->empty()) continue;
    (*v->shape)[0] = batch;
    dim_names.erase(v->name);
    if (batch >= 0) continue;
    std::vector<std::string>& names = dim_names[v->name];
    names.assign(v->shape->size(), "");
    names[0] = "batch";
  }
  // The builder computed every shape for its concrete batch: forget them all.
  for (const auto& node : graph.nodes())
    for (ir::Value* out : node->outputs)
      if (out && !out->is_constant()) out->shape.reset();
}

void NameDynamicOutputBatch(const ir::Graph& graph, onnx::DimNames& dim_names) {
  for (const ir::Value* v : graph.outputs()) {
    if (!v->shape || v->shape->empty() || (*v->shape)[0] >= 0) continue;
    std::vector<std::string>& names = dim_names[v->name];
    names.assign(v->shape->size(), "");
    names[0] = "batch";
  }
}

}  // namespace pt2tf
