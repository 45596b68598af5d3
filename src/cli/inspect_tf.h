// `pt2tf inspect` for TensorFlow models (.pb, SavedModel directories).
#pragma once

#include <string>

namespace pt2tf::cli {

// Prints the summary of a TensorFlow model (text, or one JSON object); returns the exit code.
int RunInspectTf(const std::string& path, bool json);

}  // namespace pt2tf::cli
