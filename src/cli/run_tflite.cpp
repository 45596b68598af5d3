// `pt2tf run -i model.tflite`: a .tflite run by pt2tf's own TFLite evaluator (the one the
// quantization pass calibrates with and simulates int8 in), outputs saved as an .npz: float32
// for float and int8 outputs (dequantized), the output's own type for unquantized integer
// and bool ones (ARG_MAX / TOPK_V2 indices). The tests compare it with the LiteRT interpreter.
#include "cli/run_tflite.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "pt2tf/io/npy.h"
#include "pt2tf/ir/runner.h"
#include "tflite/quant/evaluator.h"

namespace pt2tf::cli {
namespace {

// The whole file is read (weights after the FlatBuffer included, for files over 2 GiB); what
// it claims beyond its own bytes is checked by the evaluator.
constexpr uint64_t kMaxModelBytes = uint64_t{1} << 40;

Result<std::vector<uint8_t>> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return IoError(path + ": cannot open");
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxModelBytes)
    return InvalidInput(path + ": not a .tflite file of a readable size");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) return IoError(path + ": read failed");
  return bytes;
}

// The .npz dtype of an unquantized integer or bool output (kFloat32: written as floats).
DType IntegerOutputType(const tflite::EvalTensor& t) {
  if (t.is_float() || t.quantized()) return DType::kFloat32;
  switch (t.type) {
    case ::tflite::TensorType_INT32:
      return DType::kInt32;
    case ::tflite::TensorType_INT64:
      return DType::kInt64;
    case ::tflite::TensorType_INT16:
      return DType::kInt16;
    case ::tflite::TensorType_INT8:
      return DType::kInt8;
    case ::tflite::TensorType_UINT8:
      return DType::kUInt8;
    case ::tflite::TensorType_BOOL:
      return DType::kBool;
    default:
      return DType::kFloat32;
  }
}

std::string InputName(const tflite::Evaluator& e, size_t i) {
  const auto* t = e.subgraph().tensors()->Get(e.subgraph().inputs()->Get(i));
  return t->name() ? t->name()->str() : "input" + std::to_string(i);
}

}  // namespace

int RunTflite(const std::string& model, const std::string& inputs_path, const std::string& output,
              bool json) {
  PT2TF_CLI_ASSIGN_OR_REPORT(std::vector<uint8_t> bytes, ReadBytes(model));
  auto created = tflite::Evaluator::Create(std::move(bytes));
  if (!created.ok()) return ReportError(created.status().WithContext(model));
  const tflite::Evaluator& e = **created;
  NamedArrays arrays;
  if (inputs_path.size() > 4 && inputs_path.substr(inputs_path.size() - 4) == ".npy") {
    if (e.input_count() != 1)
      return ReportError(UsageError(inputs_path + ": the model has " +
                                    std::to_string(e.input_count()) + " inputs; give an .npz"));
    PT2TF_CLI_ASSIGN_OR_REPORT(Tensor t, ReadNpy(inputs_path));
    arrays.emplace_back(InputName(e, 0), std::move(t));
  } else {
    PT2TF_CLI_ASSIGN_OR_REPORT(arrays, ReadNpz(inputs_path));
  }
  std::vector<std::vector<float>> inputs;
  for (size_t i = 0; i < e.input_count(); ++i) {
    const std::string name = InputName(e, i);
    const Tensor* found = nullptr;
    for (const auto& [n, t] : arrays)
      if (n == name || (e.input_count() == 1 && arrays.size() == 1)) found = &t;
    if (!found) return ReportError(InvalidInput(inputs_path + ": no array named '" + name + "'"));
    Result<ir::run::RunTensor> t = ir::run::RunTensor::FromTensor(*found);
    if (!t.ok()) return ReportError(t.status().WithContext(inputs_path));
    if (t->shape != e.input_shape(i))
      return ReportError(InvalidInput(inputs_path + ": '" + name + "' has shape " +
                                      ShapeToString(t->shape) + ", the model wants " +
                                      ShapeToString(e.input_shape(i))));
    if (!t->is_float())  // the evaluator takes values as floats: integers exact to 2^24
      for (int64_t v : t->i)
        if (v > (int64_t{1} << 24) || v < -(int64_t{1} << 24))
          return ReportError(InvalidInput(inputs_path + ": '" + name + "' holds " +
                                          std::to_string(v) +
                                          ", beyond the integers the evaluator carries (2^24)"));
    inputs.push_back(t->is_float() ? t->f : std::vector<float>(t->i.begin(), t->i.end()));
  }
  auto outputs = e.Run(inputs);
  if (!outputs.ok()) return ReportError(outputs.status().WithContext(model));
  NamedArrays result;
  for (size_t k = 0; k < outputs->size(); ++k) {
    const tflite::EvalTensor& o = (*outputs)[k];
    ir::run::RunTensor r = ir::run::RunTensor::Floats(o.shape, o.f);
    if (const DType d = IntegerOutputType(o); d != DType::kFloat32) {
      r.dtype = d;
      r.f.clear();
      r.i.assign(o.q.begin(), o.q.end());
    }
    auto t = r.ToTensor();
    if (!t.ok()) return ReportError(t.status());
    result.emplace_back(e.output_name(k), std::move(*t));
  }
  Status written = WriteNpz(output, result);
  if (!written.ok()) return ReportError(written);
  if (json) {
    nlohmann::ordered_json j;
    j["output"] = output;
    j["outputs"] = nlohmann::ordered_json::array();
    for (const auto& [name, t] : result)
      j["outputs"].push_back(
          {{"name", name}, {"dtype", std::string(TorchName(t.dtype()))}, {"shape", t.shape()}});
    std::cout << j.dump(2) << "\n";
  }
  return kExitOk;
}

}  // namespace pt2tf::cli
