// The model-selecting flags `run` and `calibrate` share (-i, --model, --input-shape,
// --non-strict), read the way `convert` reads them.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "pt2tf/calib/model.h"
#include "pt2tf/status.h"

namespace pt2tf::cli {

struct ModelFlags {
  std::string input;
  std::string model;
  std::string input_shape;
  bool non_strict = false;

  void Add(CLI::App& app);
  // The parsed source; a usage error for a malformed --input-shape.
  Result<calib::ModelSource> Source() const;
};

// "1x3x224x224" → {1, 3, 224, 224}; a usage error naming the flag otherwise.
Result<ir::Dims> ParseShapeFlag(const std::string& flag, const std::string& text);
// "0.485,0.456,0.406" → floats; a usage error naming the flag otherwise.
Result<std::vector<float>> ParseFloatList(const std::string& flag, const std::string& text);

}  // namespace pt2tf::cli

// `lhs = value`, or report the error (one line, stderr) and return its exit code.
#define PT2TF_CLI_ASSIGN_OR_REPORT(lhs, expr)                                      \
  auto PT2TF_CONCAT(pt2tf_cli_, __LINE__) = (expr);                                \
  if (!PT2TF_CONCAT(pt2tf_cli_, __LINE__).ok())                                    \
    return ::pt2tf::cli::ReportError(PT2TF_CONCAT(pt2tf_cli_, __LINE__).status()); \
  lhs = std::move(PT2TF_CONCAT(pt2tf_cli_, __LINE__)).value()
