// `pt2tf inspect` for model graphs: .onnx files, frozen TensorFlow .pb GraphDefs,
// SavedModel directories (their saved_model.pb) and .tflite FlatBuffers.
#pragma once

#include <string>

namespace pt2tf::cli {

// True when `path` names a graph file inspect_graph handles (by extension or a directory).
bool IsGraphInput(const std::string& path);

// Prints the op histogram, inputs/outputs (name, dtype, shape), weight bytes and node count
// as text or one JSON object. Returns the process exit code (errors reported, one line).
int RunInspectGraph(const std::string& path, bool json);

}  // namespace pt2tf::cli
