// TFLite (LiteRT) writer: a `.tflite` FlatBuffer (schema version 3, identifier "TFL3") made of
// builtin operators only, one subgraph and a "serving_default" signature.
//
// It serializes the same lowered TensorFlow graph the .pb and SavedModel writers use (NHWC for
// the whole graph), translating each TF op to TFLite builtins and fusing as TFLite does
// (Conv2D + BiasAdd + Relu → CONV_2D with a fused activation, MatMul + BiasAdd →
// FULLY_CONNECTED). Weights are streamed from their source tensors into the file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tf/tf_writer.h"
#include "pt2tf/tflite/quantize.h"

namespace pt2tf::tflite {

// Storage type of floating-point weights.
enum class Precision {
  kFp32,  // float32 weights as they are
  kFp16,  // float16 weight buffers, each behind a DEQUANTIZE to float32 (TFLite's float16
          // quantization: half the file, the graph still computes in float32)
};

// Where weight bytes go. A FlatBuffer addresses its contents with 32-bit offsets, so a file
// with weights inside it (Buffer.data) stops at 2 GiB; LiteRT also reads weights stored
// after the FlatBuffer, found by Buffer.offset / Buffer.size (from the start of the file).
enum class BufferPlacement {
  kAuto,    // inline unless the file would pass 2 GiB, then offset
  kInline,  // Buffer.data, readable by every TFLite version; over 2 GiB is an error
  kOffset,  // Buffer.offset/size, any size (LiteRT / TensorFlow Lite 2.14 and later)
};

struct TfliteWriterOptions {
  Precision precision = Precision::kFp32;
  BufferPlacement buffers = BufferPlacement::kAuto;
  // --quantize (pt2tf/tflite/quantize.h); with kNone the model stays float.
  QuantizeOptions quantize;
  // Filled when quantizing: op counts and the accuracy report.
  QuantReport* quant_report = nullptr;
  // Called with the byte count of each weight chunk as it is written (progress display).
  std::function<void(uint64_t bytes)> on_weight_bytes;
};

// Lowers `graph` (on the writer's own copy; `graph` is not changed) and writes it to `path`
// atomically. Ops without a builtin translation are refused with a one-line error naming the
// node and op.
Status WriteTflite(const ir::Graph& graph, const std::string& path,
                   const tf::TfWriterOptions& lowering, const TfliteWriterOptions& options);

}  // namespace pt2tf::tflite
