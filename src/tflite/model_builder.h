// ModelBuilder: the TFLite model being written — tensors, weight buffers, operators — and its
// serialization. The FlatBuffer metadata is built in memory with flatbuffers' builder; weight
// bytes never enter it: they are placed after the metadata in the file and streamed from their
// source tensors (views of the mapped checkpoint) at write time. Two layouts of the same
// bytes: inline, each Buffer's `data` vector re-pointed at its bytes (an ordinary `.tflite`,
// readable by every TFLite version, under 2 GiB since FlatBuffer offsets are 32-bit), or
// offset, each Buffer's `offset`/`size` (64-bit, from the start of the file) naming them,
// which LiteRT reads at any size.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"
#include "pt2tf/tflite/tflite_writer.h"
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
  // Quantization (empty scale: none): real = scale[c] * (q - zero_point[c]), one entry per
  // tensor or per slice along quantized_dimension.
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
};

// A constant's bytes: `data` in C order, optionally written as float16 (from float32).
struct BufferSpec {
  Tensor data;
  bool to_fp16 = false;
  uint64_t size() const { return to_fp16 ? data.numel() * 2 : data.nbytes(); }
};

class ModelBuilder {
 public:
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

  ModelBuilder();
  // Builder for operator option tables (create them before Write; never nested).
  flatbuffers::FlatBufferBuilder& fbb() { return fbb_; }

  // --- subgraphs -----------------------------------------------------------------------
  // Subgraph 0 is the main graph (the signature's); IF / WHILE ops name further ones (their
  // branches, condition and body) by index. Buffers and operator codes are shared; tensors,
  // operators and the interface belong to one subgraph. Every method below but the buffer
  // ones works on the current subgraph.
  size_t subgraph_count() const { return subgraphs_.size(); }
  // Appends an empty subgraph (named `name`) and returns its index; the current one stays.
  int AddSubgraph(std::string name);
  int current_subgraph() const { return current_; }
  void SetCurrentSubgraph(int index) { current_ = index; }

  int AddTensor(TensorSpec spec);
  // A buffer holding `data` (C order of the view); returns its index (never 0).
  uint32_t AddBuffer(Tensor data, bool to_fp16 = false);
  void AddOp(BuiltinOperator op, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
             ::tflite::BuiltinOptions options_type = ::tflite::BuiltinOptions_NONE,
             flatbuffers::Offset<void> options = 0);
  // The subgraph interface, with the signature names of each tensor.
  void AddInput(int tensor, std::string signature_name);
  void AddOutput(int tensor, std::string signature_name);

  // Marks `tensor` as one --quantize must leave float: arithmetic whose result depends on
  // steps far below an int8 scale (the positive area NON_MAX_SUPPRESSION_V5's boxes are
  // given, its nudged IoU threshold). The op computing it stays float.
  void KeepFloat(int tensor) { sg().keep_float.insert(tensor); }
  bool KeepsFloat(int tensor) const { return sg().keep_float.count(tensor) > 0; }

  const TensorSpec& tensor(int index) const { return sg().tensors[index]; }
  TensorSpec& mutable_tensor(int index) { return sg().tensors[index]; }
  size_t op_count() const { return sg().ops.size(); }
  size_t tensor_count() const { return sg().tensors.size(); }
  bool IsInterface(int tensor) const;
  // For rewrite passes over the finished translation (quantization): the operators in
  // execution order, the interface, and a buffer's source data (index as TensorSpec::buffer).
  std::vector<OpSpec>& mutable_ops() { return sg().ops; }
  const std::vector<OpSpec>& ops() const { return sg().ops; }
  std::vector<Endpoint>& mutable_inputs() { return sg().inputs; }
  std::vector<Endpoint>& mutable_outputs() { return sg().outputs; }
  const std::vector<Endpoint>& inputs() const { return sg().inputs; }
  const std::vector<Endpoint>& outputs() const { return sg().outputs; }
  const BufferSpec& buffer(uint32_t index) const { return buffers_[index - 1]; }

  // Serializes the model into `path` atomically; `on_bytes` hears each weight chunk.
  Status Write(const std::string& path, BufferPlacement placement,
               const std::function<void(uint64_t)>& on_bytes) const;
  // The same bytes in memory, placed as kAuto does (for pt2tf's own evaluation of the model
  // being written); `file_tensor[i]`: the file's number of tensor i of subgraph 0 (-1: left
  // out, nothing refers to it).
  Result<std::vector<uint8_t>> Serialize(std::vector<int32_t>* file_tensor = nullptr) const;

 private:
  struct Subgraph {
    std::string name;
    std::vector<TensorSpec> tensors;
    std::vector<OpSpec> ops;
    std::vector<Endpoint> inputs, outputs;
    std::unordered_set<int> keep_float;  // KeepFloat
  };
  Subgraph& sg() { return subgraphs_[current_]; }
  const Subgraph& sg() const { return subgraphs_[current_]; }

  // Tensors of `g` some operator or interface entry refers to.
  static std::vector<bool> UsedTensors(const Subgraph& g);
  // The buffers used tensors refer to, in order; file_index[i] = file buffer number of buffer i.
  std::vector<const BufferSpec*> LiveBuffers(std::vector<uint32_t>& file_index) const;
  // Streams the file through `sink`; returns the byte count.
  Result<uint64_t> Emit(const std::function<Status(ByteSpan)>& sink, BufferPlacement placement,
                        const std::function<void(uint64_t)>& on_bytes,
                        std::vector<int32_t>* file_tensor = nullptr) const;
  // The metadata FlatBuffer (weights not included) and, per live buffer, the position in it
  // of the field to patch once the data's place is known: `data` (a 32-bit offset) inline,
  // `offset` (64-bit) with `offset_buffers`. Empty buffers keep an empty inline `data` either
  // way (LiteRT reads offset 0 / size 0 as no data); their position is 0.
  Result<std::vector<uint8_t>> Finish(bool offset_buffers, std::vector<uint64_t>& field_pos,
                                      std::vector<int32_t>* file_tensor = nullptr) const;

  mutable flatbuffers::FlatBufferBuilder fbb_;
  std::vector<Subgraph> subgraphs_;
  int current_ = 0;
  std::vector<BufferSpec> buffers_;  // index i is model buffer i + 1
};

}  // namespace pt2tf::tflite
