// Harness for tests/python/test_fold_constants.py, which cross-checks shape inference and the
// constant-folding evaluator against ONNX Runtime. The pytest writes single-node cases as
// JSON (inputs with "data" become constants, inputs without it graph inputs) and runs this test
// with PT2TF_FOLD_CASES=<cases.json> PT2TF_FOLD_RESULTS=<out.json>; for each case this builds a
// graph whose inputs are constants, infers shapes, folds, and records the inferred and folded
// outputs. The pytest does the comparing. Without the variables the test is skipped (ctest reports
// it as skipped, not passed).
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ir/eval/host_tensor.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

using json = nlohmann::json;

Result<Tensor> TensorFromJson(const json& j) {
  auto dtype = DTypeFromTorchName(j.at("dtype").get<std::string>());
  if (!dtype) return InvalidInput("unknown dtype " + j.at("dtype").dump());
  eval::HostTensor h = eval::HostTensor::Zeros(*dtype, j.at("shape").get<Dims>());
  const json& data = j.at("data");
  if (static_cast<int64_t>(data.size()) != h.numel()) return InvalidInput("data size mismatch");
  for (size_t k = 0; k < data.size(); ++k) {
    if (h.is_float()) {
      h.f[k] = data[k].is_string() ? std::stod(data[k].get<std::string>()) : data[k].get<double>();
    } else {
      h.i[k] = data[k].get<int64_t>();
    }
  }
  return h.ToTensor();
}

json TensorToJson(const Tensor& t) {
  json data = json::array();
  const bool is_float = IsFloatingPoint(t.dtype());
  for (int64_t k = 0; k < t.numel(); ++k) {
    if (is_float) {
      // JSON has no NaN or infinity: those travel as strings ("nan", "inf", "-inf").
      const double v = t.ElementAsDouble(k);
      if (std::isfinite(v)) {
        data.push_back(v);
      } else {
        data.push_back(std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
      }
    } else {
      data.push_back(t.ElementAsInt(k));
    }
  }
  return {{"dtype", std::string(TorchName(t.dtype()))}, {"shape", t.shape()}, {"data", data}};
}

Result<Attribute> AttrFromJson(const json& j) {
  const std::string type = j.at("type");
  const json& v = j.at("value");
  if (type == "int") return Attribute::Int(v.get<int64_t>());
  if (type == "float") return Attribute::Float(v.get<float>());
  if (type == "string") return Attribute::String(v.get<std::string>());
  if (type == "ints") return Attribute::Ints(v.get<std::vector<int64_t>>());
  if (type == "floats") return Attribute::Floats(v.get<std::vector<float>>());
  if (type == "tensor") {
    PT2TF_ASSIGN_OR_RETURN(Tensor t, TensorFromJson(v));
    return Attribute::TensorValue(t);
  }
  return InvalidInput("unknown attribute type " + type);
}

json RunCase(const json& c) {
  json result = {{"name", c.at("name")}};
  Graph g;
  std::vector<Value*> inputs;
  for (const json& in : c.at("inputs")) {
    if (in.is_null()) {
      inputs.push_back(nullptr);
      continue;
    }
    if (!in.contains("data")) {  // a runtime input: only its dtype and shape are known
      auto dtype = DTypeFromTorchName(in.at("dtype").get<std::string>());
      if (!dtype)
        return result.update({{"error", "unknown dtype " + in.at("dtype").dump()}}), result;
      inputs.push_back(g.AddInput("in", *dtype, in.at("shape").get<Dims>()));
      continue;
    }
    auto t = TensorFromJson(in);
    if (!t.ok()) return result.update({{"error", t.status().message()}}), result;
    inputs.push_back(g.AddInitializer("in", *t));
  }
  AttributeMap attrs;
  for (const auto& [name, a] : c.at("attrs").items()) {
    auto attr = AttrFromJson(a);
    if (!attr.ok()) return result.update({{"error", attr.status().message()}}), result;
    attrs[name] = *attr;
  }
  Node* node = g.AddNode(c.at("op"), inputs, attrs, c.value("num_outputs", 1), "case");
  node->domain = c.value("domain", "");
  std::vector<Value*> outs = node->outputs;
  // Value::dtype defaults to float32: mark the outputs (string tensors never occur in these
  // cases) so that a dtype inference did not set is reported as unknown (null), not float32.
  for (Value* o : outs) o->dtype = DType::kString;
  for (Value* o : outs) g.AddOutput(o);
  Status s = InferShapes(g);
  if (!s.ok()) return result.update({{"error", s.message()}}), result;
  json inferred = json::array();
  for (Value* o : outs) {
    const bool dtype_known = o->dtype != DType::kString;
    inferred.push_back({{"dtype", dtype_known ? json(std::string(TorchName(o->dtype))) : json()},
                        {"shape", o->shape ? json(*o->shape) : json(nullptr)}});
  }
  result["inferred"] = inferred;
  FoldOptions options;
  options.max_elements = 1 << 20;
  auto folded = FoldConstants(g, options);
  if (!folded.ok()) return result.update({{"error", folded.status().message()}}), result;
  json values = json::array();
  for (Value* o : outs) values.push_back(o->constant ? TensorToJson(*o->constant) : json(nullptr));
  result["folded"] = values;
  return result;
}

TEST(FoldCrossCheck, JsonCases) {
  const char* cases_path = std::getenv("PT2TF_FOLD_CASES");
  const char* results_path = std::getenv("PT2TF_FOLD_RESULTS");
  if (!cases_path || !results_path) GTEST_SKIP() << "driven by tests/python/test_fold_constants.py";
  std::ifstream in(cases_path);
  ASSERT_TRUE(in) << cases_path;
  const json cases = json::parse(in);
  json results = json::array();
  for (const json& c : cases) results.push_back(RunCase(c));
  std::ofstream(results_path) << results.dump();
}

}  // namespace
}  // namespace pt2tf::ir
