// `pt2tf inspect` for torch.export archives (.pt2): the program's inputs / outputs (with
// symbolic dims), ATen op histogram (unsupported ops marked), weights, and range constraints.
#pragma once

#include <string>

namespace pt2tf::cli {

// Returns the process exit code (errors reported, one line).
int RunInspectPt2(const std::string& path, bool json);

}  // namespace pt2tf::cli
