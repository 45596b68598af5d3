// Parsing the archive's JSON documents (models/<name>.json, the weights / constants configs)
// into the typed structs of program.h. Errors name the JSON path of the bad field.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "pt2/program.h"
#include "pt2tf/status.h"

namespace pt2tf::pt2 {

constexpr int64_t kLayoutStrided = 7;  // schema Layout.Strided

using PayloadConfig = std::map<std::string, PayloadMeta>;

Result<Program> ParseProgram(const nlohmann::json& root);
Result<TensorMeta> ParseTensorMeta(const nlohmann::json& j, const std::string& where);
Result<PayloadConfig> ParsePayloadConfig(const nlohmann::json& root);

}  // namespace pt2tf::pt2
