// The TFLite serializer of a lowered TF graph (the public WriteTflite lowers first).
#pragma once

#include <string>

#include "pt2tf/tflite/tflite_writer.h"
#include "tf/tf_graph.h"

namespace pt2tf::tflite {

// Translates `lowered` to TFLite builtins and writes it to `path` atomically.
Status WriteTflite(const tf::TfGraph& lowered, const std::string& path,
                   const TfliteWriterOptions& options);

}  // namespace pt2tf::tflite
