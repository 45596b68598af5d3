// Translator: what a TFLite op converter (src/tflite/ops/*.cpp) uses to turn one node of the
// lowered TF graph into TFLite builtins — its inputs as TFLite tensors (constants become
// buffers, float16 + DEQUANTIZE under --precision fp16), their static shapes, constant
// values, and the consumers of a tensor (for fusing BiasAdd/Relu into the op before them).
#pragma once

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pt2tf/status.h"
#include "pt2tf/tflite/tflite_writer.h"
#include "tf/tf_graph.h"
#include "tflite/model_builder.h"

namespace pt2tf::tflite {

// A constant: `data` in C order holds the tensor of shape `shape` (same element count; the
// view may have a finer shape, e.g. a permuted weight matrix).
struct ConstView {
  Tensor data;
  ir::Dims shape;
};

// `c` transposed: result.shape[i] = c.shape[perm[i]] (a strided view when the view's axes
// group into the declared ones, else a copy).
Result<ConstView> PermuteConst(const ConstView& c, const std::vector<int64_t>& perm);

class Translator {
 public:
  // `library`: the functions control-flow nodes call (default: `graph.functions`).
  Translator(const tf::TfGraph& graph, Precision precision, ModelBuilder& model,
             const std::vector<tf::TfFunction>* library = nullptr);

  // Translates every node; then the interface (inputs, outputs, signature).
  Status Run();

  // --- inputs of the node being translated ---------------------------------------------
  size_t InputCount(const tf::TfNode& node) const;  // data inputs (control inputs skipped)
  // The TFLite tensor of data input `i` (a Const becomes a buffer-backed tensor, once).
  Result<int> In(const tf::TfNode& node, size_t i);
  // The input's shape and type without materialising a constant.
  Result<ir::Dims> InShape(const tf::TfNode& node, size_t i);
  Result<TensorType> InType(const tf::TfNode& node, size_t i);
  // The input's value when it is a Const (else nullopt).
  std::optional<ConstView> Const(const tf::TfNode& node, size_t i) const;
  // An integer Const input's values, or an error naming the node.
  Result<std::vector<int64_t>> ConstInts(const tf::TfNode& node, size_t i) const;
  // The node producing data input `i` (nullptr for an unknown name).
  const tf::TfNode* Producer(const tf::TfNode& node, size_t i) const;

  // --- outputs -------------------------------------------------------------------------
  // A fresh activation tensor.
  int NewTensor(const std::string& name, TensorType type, ir::Dims shape);
  // A constant tensor from `c` (float32 under fp16: float16 buffer + DEQUANTIZE).
  Result<int> ConstTensor(const std::string& name, const ConstView& c);
  int ConstI32(const std::string& name, const std::vector<int64_t>& values,
               std::optional<ir::Dims> shape = std::nullopt);
  // The shape of `tensor` as an int32 operand: a constant when static, else SHAPE of it.
  int ShapeOperand(int tensor, const std::string& name);
  // Output `k` of `node` is TFLite tensor `tensor`.
  void Bind(const tf::TfNode& node, int k, int tensor);
  // Output `k` of `node` has the value `value`, known now (e.g. the Shape of a static
  // tensor): consumers see it through Const() and ConstInts(); it becomes a buffer-backed
  // tensor only when one reads it through In().
  void Fold(const tf::TfNode& node, int k, ConstView value);
  // Adds the node's output tensor `k` (named after it) and binds it.
  int Output(const tf::TfNode& node, int k, TensorType type, ir::Dims shape);
  void Op(BuiltinOperator op, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          ::tflite::BuiltinOptions options_type = ::tflite::BuiltinOptions_NONE,
          flatbuffers::Offset<void> options = 0);
  flatbuffers::FlatBufferBuilder& fbb() { return model_.fbb(); }
  // --quantize leaves `tensor`'s op float (ModelBuilder::KeepFloat).
  void KeepFloat(int tensor) { model_.KeepFloat(tensor); }
  const TensorSpec& Info(int tensor) const { return model_.tensor(tensor); }

  // --- control flow --------------------------------------------------------------------
  // Translates library function `name` into a new subgraph of the model whose inputs have the
  // types and shapes of `inputs` (tensors of the current subgraph); returns the subgraph's
  // index and, in `outputs`, its output tensors' specs (in signature order).
  Result<int> TranslateFunction(const std::string& name, const std::vector<int32_t>& inputs,
                                std::vector<TensorSpec>& outputs);

  // --- fusion --------------------------------------------------------------------------
  // The one node consuming output 0 of `node`, when there is exactly one (graph outputs
  // count as consumers that cannot fuse).
  const tf::TfNode* SoleConsumer(const tf::TfNode& node) const;
  // Marks `node` as translated (absorbed into an earlier op) with output 0 = `tensor`.
  void Absorb(const tf::TfNode& node, int tensor);

  Precision precision() const { return precision_; }

 private:
  Result<std::string> InputKey(const tf::TfNode& node, size_t i) const;
  Status Translate(const tf::TfNode& node);
  Status Finish();

  const tf::TfGraph& graph_;
  Precision precision_;
  ModelBuilder& model_;
  const std::vector<tf::TfFunction>* library_;
  bool is_function_;  // a control-flow body or branch, not the main graph
  // The per-node tables' entries live in one arena, freed at once with the translator
  // (freeing them one by one showed up on graphs of 100k nodes). Declared before them.
  std::pmr::monotonic_buffer_resource arena_;
  std::pmr::unordered_map<std::string_view, const tf::TfNode*> nodes_{&arena_};  // by name
  std::pmr::unordered_map<std::string, int> tensors_{&arena_};  // "node:k" → TFLite tensor
  std::unordered_map<std::string, ConstView> folded_;           // "node:k" → value known now
  std::unordered_map<int, ConstView> dequantized_;  // fp16: DEQUANTIZE output → its constant
  // by "node:k"
  std::pmr::unordered_map<std::string, std::vector<const tf::TfNode*>> consumers_{&arena_};
  std::unordered_set<std::string> output_keys_;  // tensors the graph outputs read
  std::pmr::unordered_set<const tf::TfNode*> done_{&arena_};
};

// "node" → "node:0"; "node:k" unchanged.
std::string TensorKey(const std::string& input);
// TF DataType → TFLite TensorType (or an error naming it).
Result<TensorType> TfliteType(tensorflow::DataType t);
// NumPy-style broadcast of two static shapes.
Result<ir::Dims> Broadcast(const ir::Dims& a, const ir::Dims& b);
// Unsupported("<op> '<name>': message") for a TF node.
Status NodeError(const tf::TfNode& node, const std::string& message);

// Attribute readers for TF NodeDefs (fallback when absent).
int64_t AttrInt(const tf::TfNode& node, const std::string& name, int64_t fallback = 0);
float AttrFloat(const tf::TfNode& node, const std::string& name, float fallback = 0);
bool AttrBool(const tf::TfNode& node, const std::string& name, bool fallback = false);
std::string AttrString(const tf::TfNode& node, const std::string& name,
                       const std::string& fallback = "");
std::vector<int64_t> AttrInts(const tf::TfNode& node, const std::string& name);
std::optional<tensorflow::DataType> AttrType(const tf::TfNode& node, const std::string& name);

}  // namespace pt2tf::tflite
