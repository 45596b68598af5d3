// What every ATen op builder sees: the node being imported (its named arguments, read with
// schema defaults) and the IR graph being built, plus small builders for the constants and
// casts torch's semantics need on top of ONNX's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pt2/program.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::pt2 {

class ImportContext {
 public:
  // `tensor_values`: the metadata of the graph being imported (the program's, or a branch's:
  // each graph has its own names).
  ImportContext(const std::map<std::string, TensorMeta>& tensor_values, ir::Graph& graph)
      : tensor_values_(tensor_values), graph_(graph) {}

  ir::Graph& graph() { return graph_; }

  // The IR value bound to a program tensor name, or nullptr.
  ir::Value* Lookup(const std::string& name) const;
  void Bind(const std::string& name, ir::Value* value) { values_[name] = value; }
  // Marks `name` as a value the graph cannot compute (a random draw): nothing is bound, and a
  // node reading it fails with `reason` instead of "used before it is defined".
  void MarkUnavailable(const std::string& name, const std::string& reason) {
    unavailable_[name] = reason;
  }
  // Why `name` is unbound ("" when it is merely not defined yet).
  std::string UnavailableReason(const std::string& name) const;
  // A program SymInt (from sym_size, ...) as an int64 scalar IR value, or nullptr.
  ir::Value* LookupSym(const std::string& name) const;
  void BindSym(const std::string& name, ir::Value* value) { syms_[name] = value; }

  // The program node whose output is tensor `name` (nullptr for inputs, weights, or a name
  // not produced yet): lets an in-place op find the view chain it writes through.
  const Node* Producer(const std::string& name) const;
  void SetProducer(const std::string& name, const Node* node) { producers_[name] = node; }
  const std::map<std::string, const Node*>& producers() const { return producers_; }

  // The dtype / rank / static dims the program records for tensor `name`.
  const TensorMeta* Meta(const std::string& name) const;

  // ---- builders ----
  ir::Value* Op(const std::string& op_type, std::vector<ir::Value*> inputs,
                ir::AttributeMap attrs = {});
  std::vector<ir::Value*> OpN(const std::string& op_type, std::vector<ir::Value*> inputs,
                              ir::AttributeMap attrs, size_t num_outputs);
  ir::Value* ConstInts(const std::vector<int64_t>& values);  // 1-D int64
  ir::Value* ConstInt(int64_t value);                        // 0-D int64
  ir::Value* ConstScalar(double value, DType dtype);         // 0-D of `dtype`
  ir::Value* Cast(ir::Value* v, DType to);                   // no-op when already `to`
  // The dtype of an IR value created by this import (the program's meta for bound names).
  DType DTypeOf(const ir::Value* v) const;
  void SetDType(ir::Value* v, DType t) { v->dtype = t; }

 private:
  const std::map<std::string, TensorMeta>& tensor_values_;
  ir::Graph& graph_;
  std::map<std::string, ir::Value*> values_;
  std::map<std::string, ir::Value*> syms_;
  std::map<std::string, const Node*> producers_;
  std::map<std::string, std::string> unavailable_;
};

// One node's arguments by their schema names, with defaults for omitted ones.
class OpCall {
 public:
  OpCall(const Node& node, ImportContext& ctx) : node_(node), ctx_(ctx) {}

  const Node& node() const { return node_; }
  ImportContext& ctx() { return ctx_; }
  // "aten.conv2d.default node 'conv2d_3'" for messages.
  std::string Describe() const;
  Status Error(const std::string& what) const;

  // The argument named `name`, or nullptr when the node omits it (schema default applies).
  const Arg* Find(const std::string& name) const;
  bool Has(const std::string& name) const;  // present and not None

  Result<ir::Value*> Tensor(const std::string& name) const;     // required tensor
  Result<ir::Value*> OptTensor(const std::string& name) const;  // nullptr when None/omitted
  Result<std::vector<ir::Value*>> Tensors(const std::string& name) const;
  Result<int64_t> Int(const std::string& name, std::optional<int64_t> fallback = {}) const;
  Result<std::vector<int64_t>> Ints(const std::string& name,
                                    std::optional<std::vector<int64_t>> fallback = {}) const;
  Result<double> Float(const std::string& name, std::optional<double> fallback = {}) const;
  Result<bool> Bool(const std::string& name, std::optional<bool> fallback = {}) const;
  Result<std::string> String(const std::string& name,
                             std::optional<std::string> fallback = {}) const;
  Result<std::optional<DType>> ScalarType(const std::string& name) const;
  // An int list that may hold SymInts: a 1-D int64 IR value (a constant when all literal).
  Result<ir::Value*> IntList(const std::string& name) const;
  // A Scalar argument (int, float or bool) or a tensor, as an IR value of dtype `like`.
  Result<ir::Value*> ScalarOrTensor(const std::string& name, DType like) const;
  // True when the argument is a literal number (not a tensor).
  bool IsScalar(const std::string& name) const;

  // Output i's program name, or "" when the node has no such tensor output.
  std::string OutputName(size_t i = 0) const;
  // The dtype the program records for output i (float32 when unrecorded).
  DType OutputDType(size_t i = 0) const;
  // Rank of an input tensor as recorded in the program (from its meta), or an error.
  Result<int64_t> Rank(const std::string& name) const;
  // Static sizes of an input tensor, kUnknownDim for symbolic ones.
  Result<std::vector<int64_t>> Sizes(const std::string& name) const;
  // Int argument `dim` (default "dim") as an axis of tensor `of` (default "self"), made
  // non-negative, or an error naming the call.
  Result<int64_t> Dim(const std::string& dim = "dim", const std::string& of = "self") const;
  // Binds output i (a tensor output) to `v`, tagging v with the program's dtype and shape.
  Status SetOutput(ir::Value* v, size_t i = 0);

 private:
  Result<const Arg*> Required(const std::string& name) const;
  const Node& node_;
  ImportContext& ctx_;
};

// Normalises a possibly-negative axis for `rank`, or an error naming the call.
Result<int64_t> NormAxis(const OpCall& call, int64_t axis, int64_t rank);

}  // namespace pt2tf::pt2
