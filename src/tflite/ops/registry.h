// The one table of TF op → TFLite converter (registry.cpp).
#pragma once

#include <string>
#include <vector>

#include "pt2tf/status.h"
#include "tf/tf_graph.h"

namespace pt2tf::tflite {

class Translator;

// Translates one TF node (and any node it absorbs) into TFLite builtins.
using Converter = Status (*)(const tf::TfNode& node, Translator& t);

// The converter for TF op `op`, or nullptr.
Converter FindConverter(const std::string& op);
// Whether the converter of `op` takes inputs with kDynamicDim dims (element-wise ops and
// reductions: their output shape follows dim by dim). Every other converter needs static
// input shapes; the translator refuses the node before calling it.
bool AcceptsRuntimeDims(const std::string& op);
// Every TF op with a converter, sorted.
std::vector<std::string> ConvertedOps();

}  // namespace pt2tf::tflite
