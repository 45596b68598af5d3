// ModelBuilder: the TFLite model being written — tensors, weight buffers, operators — and its
// serialization. The FlatBuffer metadata is built in memory with flatbuffers' builder; weight
// bytes never enter it: each Buffer's `data` vector is placed after the metadata in the file
// and streamed from its source tensor (a view of the mapped checkpoint) at write time, the
// Buffer's offset field patched to point there. The file is an ordinary `.tflite` (inline
// buffers), readable by every LiteRT version.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"
#include "tflite_subset_generated.h"

namespace pt2tf::tflite {

using TensorType = ::tflite::TensorType;
using BuiltinOperator = ::tflite::BuiltinOperator;

// A dim of a TensorSpec's shape that only the kernel computing the tensor knows (its size
// follows from values computed at run time, e.g. reduction axes fed as a graph input).
constexpr int64_t kDynamicDim = -1;

struct TensorSpec {
  std::string name;
  TensorType type = TensorType::TensorType_FLOAT32;
  ir::Dims shape;
  uint32_t buffer = 0;  // 0: no data (activations)
};

// A constant's bytes: `data` in C order, optionally written as float16 (from float32).
struct BufferSpec {
  Tensor data;
  bool to_fp16 = false;
  uint64_t size() const { return to_fp16 ? data.numel() * 2 : data.nbytes(); }
};

class ModelBuilder {
 public:
  ModelBuilder();
  // Builder for operator option tables (create them before Write; never nested).
  flatbuffers::FlatBufferBuilder& fbb() { return fbb_; }

  int AddTensor(TensorSpec spec);
  // A buffer holding `data` (C order of the view); returns its index (never 0).
  uint32_t AddBuffer(Tensor data, bool to_fp16 = false);
  void AddOp(BuiltinOperator op, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
             ::tflite::BuiltinOptions options_type = ::tflite::BuiltinOptions_NONE,
             flatbuffers::Offset<void> options = 0);
  // The subgraph interface, with the signature names of each tensor.
  void AddInput(int tensor, std::string signature_name);
  void AddOutput(int tensor, std::string signature_name);

  const TensorSpec& tensor(int index) const { return tensors_[index]; }
  TensorSpec& mutable_tensor(int index) { return tensors_[index]; }
  size_t op_count() const { return ops_.size(); }
  bool IsInterface(int tensor) const;

  // Serializes the model into `path` atomically; `on_bytes` hears each weight chunk.
  Status Write(const std::string& path, const std::function<void(uint64_t)>& on_bytes) const;

 private:
  struct OpSpec {
    BuiltinOperator op;
    std::vector<int32_t> inputs, outputs;
    ::tflite::BuiltinOptions options_type;
    flatbuffers::Offset<void> options;
  };
  struct Endpoint {
    int tensor;
    std::string name;
  };
  // The metadata FlatBuffer (weights not included) and, per buffer, the file position of its
  // `data` offset field.
  Result<std::vector<uint8_t>> Finish(std::vector<uint64_t>& data_field_pos) const;

  mutable flatbuffers::FlatBufferBuilder fbb_;
  std::vector<TensorSpec> tensors_;
  std::vector<BufferSpec> buffers_;  // index i is model buffer i + 1
  std::vector<OpSpec> ops_;
  std::vector<Endpoint> inputs_, outputs_;
};

// float32 → float16 bits, round to nearest even (inf/nan kept).
uint16_t FloatToHalf(float f);

}  // namespace pt2tf::tflite
