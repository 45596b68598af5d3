// `pt2tf run` on a .tflite file (pt2tf's TFLite evaluator; see run_tflite.cpp).
#pragma once

#include <string>

#include "cli/command.h"
#include "cli/model_flags.h"

namespace pt2tf::cli {

int RunTflite(const std::string& model, const std::string& inputs_path, const std::string& output,
              bool json);

}  // namespace pt2tf::cli
