#include "cli/model_flags.h"

#include <cmath>
#include <cstdlib>

namespace pt2tf::cli {

void ModelFlags::Add(CLI::App& app) {
  app.add_option("-i,--input", input, "model: .onnx, or a .pth/.pt/.bin/.safetensors checkpoint")
      ->required();
  app.add_option("--model", model,
                 "architecture name for checkpoints (see `pt2tf models`); not needed for "
                 "whole-model pickles");
  app.add_option("--input-shape", input_shape, "input shape NxCxHxW of zoo models, e.g. 1x3x64x64");
  app.add_flag("--non-strict", non_strict, "warn about unexpected checkpoint keys, do not fail");
}

Result<calib::ModelSource> ModelFlags::Source() const {
  calib::ModelSource s;
  s.input_path = input;
  s.model_name = model;
  s.strict = !non_strict;
  if (!input_shape.empty()) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims dims, ParseShapeFlag("--input-shape", input_shape));
    s.input_shape = dims;
  }
  return s;
}

Result<ir::Dims> ParseShapeFlag(const std::string& flag, const std::string& text) {
  ir::Dims dims;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    if (part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos || std::stoll(part) == 0)
      return UsageError(flag + " '" + text +
                        "': expected positive sizes separated by 'x', e.g. 1x3x224x224");
    dims.push_back(std::stoll(part));
    pos = end + 1;
  }
  return dims;
}

Result<std::vector<float>> ParseFloatList(const std::string& flag, const std::string& text) {
  std::vector<float> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    char* stop = nullptr;
    const float v = std::strtof(part.c_str(), &stop);
    if (part.empty() || *stop != '\0' || !std::isfinite(v))
      return UsageError(flag + " '" + text + "': expected numbers separated by ',', e.g. " +
                        "0.485,0.456,0.406");
    out.push_back(v);
    pos = end + 1;
  }
  return out;
}

}  // namespace pt2tf::cli
