// The end-of-run summary of `pt2tf convert`: a short text block or one JSON object.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "pt2tf/convert.h"

namespace pt2tf::cli {

// Text for people: model, input/output shapes, parameters, each file with its size, time.
std::string SummaryText(const ConvertReport& report);

// The same facts for scripts. Keys: input, input_kind, model (checkpoint inputs only), nodes,
// initializers, weight_bytes, parameters, inputs, graph_outputs, outputs (path, kind, bytes),
// warnings, seconds (docs/CLI.md).
nlohmann::ordered_json SummaryJson(const ConvertReport& report);

}  // namespace pt2tf::cli
