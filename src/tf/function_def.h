// Function-form tensor names (see function_def.cpp for the table behind them).
#pragma once

#include <cstdint>
#include <string>

#include "pt2tf/status.h"

namespace pt2tf::tf {

// "node:<output arg>:<i>" for output `index` of `node`, an op of type `op`; an error for an
// op the table does not list.
Result<std::string> FunctionOutputName(const std::string& node, const std::string& op,
                                       int64_t index);

// The inverse: the GraphDef output number of "<output arg>:<index>" of an op of type `op`
// (e.g. TopKV2 "indices", 0 -> 1), or an error.
Result<int64_t> GraphOutputIndex(const std::string& op, const std::string& arg, int64_t index);

}  // namespace pt2tf::tf
