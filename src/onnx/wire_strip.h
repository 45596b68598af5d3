// Zero-copy initializers for the ONNX reader.
//
// libprotobuf copies every bytes field it parses, which would double the memory a large model
// needs. So before parsing, the serialized ModelProto is re-encoded without the raw_data
// bytes of its graph initializers (a small buffer: metadata only), and the position of each
// initializer's raw_data inside the original bytes is recorded. Tensors then view the mapped
// file directly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"

namespace pt2tf::onnx {

struct StrippedModel {
  // The ModelProto without initializer raw_data bytes (each stripped initializer keeps an
  // empty raw_data field, so has_raw_data() still tells how its data is stored).
  std::string metadata;
  // For graph.initializer(i) in parse order: its raw_data bytes in the input, if it had any.
  std::vector<std::optional<ByteSpan>> raw_data;
};

// Walks the protobuf wire format of `model` (every length checked against the bytes that
// remain). Errors describe the malformation.
Result<StrippedModel> StripInitializerData(ByteSpan model);

}  // namespace pt2tf::onnx
