// EmitContext: what an op emitter (src/tf/ops/*.cpp) uses to read its inputs as TF tensors,
// add TF nodes and constants, and publish its outputs with their layout.
//
// Inputs are fetched in the layout the emitter asks for; the context inserts the one
// Transpose (or free Reshape, when only size-1 dims move) needed and caches it, and permutes
// constants at conversion time instead (a strided view, no copy).
#pragma once

#include <map>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "tensorflow/types.pb.h"
#include "tf/layout.h"
#include "tf/tf_graph.h"

namespace pt2tf::tf {

// A [N, K] value flattened from a permuted tensor: its K axis enumerates `inner` (the IR
// dims after the batch dim, e.g. C, H, W) in the order `inner_perm` (e.g. H, W, C).
// Gemm/MatMul consume it by permuting their weight rows; anything else materialises it.
struct FlatOrder {
  ir::Dims inner;
  Perm inner_perm;
};

struct TfValue {
  std::string tensor;  // "node" or "node:k"
  Perm perm;           // tf tensor = ir tensor .permute(perm); empty = identity
  std::optional<FlatOrder> flat;
};

// The TF DataType for `dtype`, or an error naming it.
Result<tensorflow::DataType> TfType(DType dtype);

// Attribute setters (NodeDef attr map).
void SetAttrType(tensorflow::NodeDef& def, const std::string& name, tensorflow::DataType t);
void SetAttrInt(tensorflow::NodeDef& def, const std::string& name, int64_t v);
void SetAttrFloat(tensorflow::NodeDef& def, const std::string& name, float v);
void SetAttrBool(tensorflow::NodeDef& def, const std::string& name, bool v);
void SetAttrString(tensorflow::NodeDef& def, const std::string& name, const std::string& v);
void SetAttrInts(tensorflow::NodeDef& def, const std::string& name, const std::vector<int64_t>& v);
void SetAttrShape(tensorflow::NodeDef& def, const std::string& name, const ir::Dims& dims);

class EmitContext {
 public:
  // Counts the uses of every value of `graph` (which must outlive the context).
  EmitContext(const ir::Graph& graph, TfGraph& out);

  // --- names -------------------------------------------------------------------------
  // A unique TF node name made from `hint` (characters TF rejects become '_').
  std::string NewName(const std::string& hint);
  // TF's node-name rules applied to `name` (not made unique).
  static std::string Sanitize(const std::string& name);
  // A library function name made from `hint`, unique across the whole lowering (every
  // function-body context shares the set with the main graph's context).
  std::string NewFunctionName(const std::string& hint);
  // A context for a function body over `body`, writing to `out`, sharing the function names.
  EmitContext(const ir::Graph& body, TfGraph& out, const EmitContext& parent);

  // --- nodes -------------------------------------------------------------------------
  // Adds node `op` named NewName(hint) with the given inputs; returns its NodeDef.
  tensorflow::NodeDef& AddOp(const std::string& op, const std::string& hint,
                             std::vector<std::string> inputs);
  // Adds a Const holding `value` (streamed, never copied into the proto).
  // `declared_shape`, when given, is the shape TF sees (same element count as `value`).
  Result<std::string> AddConst(Tensor value, const std::string& hint,
                               std::optional<ir::Dims> declared_shape = std::nullopt);
  // Small integer constants (shapes, axes, perms) as int32 or int64 1-D tensors.
  // 1-D unless `shape` is given (e.g. [rank, 2] paddings).
  std::string ConstI32(const std::vector<int64_t>& values, const std::string& hint,
                       std::optional<ir::Dims> shape = std::nullopt);
  std::string ConstI64(const std::vector<int64_t>& values, const std::string& hint,
                       std::optional<ir::Dims> shape = std::nullopt);
  // The first failure of ConstI32/ConstI64 (a values/shape mismatch: a bug in an emitter).
  // They return "" then, and the lowering reports this error after the emitters ran.
  const Status& deferred_error() const { return deferred_error_; }
  // A scalar of `dtype` (floating or integer) holding `v`.
  Result<std::string> ConstScalar(DType dtype, double v, const std::string& hint);
  // Shorthands for common ops; `t` is the element type.
  std::string Unary(const std::string& op, const std::string& x, tensorflow::DataType t,
                    const std::string& hint);
  std::string Binary(const std::string& op, const std::string& a, const std::string& b,
                     tensorflow::DataType t, const std::string& hint);
  std::string Reshape(const std::string& x, const ir::Dims& shape, tensorflow::DataType t,
                      const std::string& hint);
  std::string Transpose(const std::string& x, const Perm& perm, tensorflow::DataType t,
                        const std::string& hint);

  // --- values ------------------------------------------------------------------------
  // The IR value's TF tensor in whatever layout it has (constants: in IR layout).
  Result<TfValue> Get(const ir::Value* value);
  // The IR value's TF tensor holding value.permute(perm) (empty perm = IR layout).
  Result<std::string> GetAs(const ir::Value* value, const Perm& perm);
  // Like GetAs, but for a value of lower rank broadcast (ONNX rules: right-aligned) against
  // a tensor of `rank`: leading 1-dims are added first.
  Result<std::string> GetBroadcastAs(const ir::Value* value, int64_t rank, const Perm& perm);
  void Set(const ir::Value* value, TfValue tf_value);

  // The IR value's shape; an error when its rank is unknown (dims may be kUnknownDim).
  Result<ir::Dims> Shape(const ir::Value* value) const;
  // The shape with every dim known, or an error naming the value.
  Result<ir::Dims> StaticShape(const ir::Value* value) const;
  // The constant tensor behind `value`, or nullptr when it is computed at run time.
  static const Tensor* ConstantOf(const ir::Value* value);

  // True when a node or graph output consumes `value`.
  bool IsUsed(const ir::Value* value) const { return use_count_.count(value) > 0; }
  // The IR nodes consuming `value` (graph outputs not included).
  std::vector<const ir::Node*> Users(const ir::Value* value) const;

  TfGraph& graph() { return out_; }

 private:
  Result<std::string> Materialize(const ir::Value* value, const TfValue& tf_value);
  Result<std::string> ConstAs(const ir::Value* value, int64_t rank, const Perm& perm);

  TfGraph& out_;
  std::string Checked(Result<Tensor> t, const std::string& hint);
  Status deferred_error_;
  // The per-value tables' entries live in one arena, freed at once with the context
  // (freeing them one by one showed up on graphs of 100k nodes). Declared before them.
  std::pmr::monotonic_buffer_resource arena_;
  std::pmr::unordered_map<const ir::Value*, std::vector<const ir::Node*>> users_{&arena_};
  std::pmr::unordered_map<const ir::Value*, int> use_count_{&arena_};
  std::pmr::unordered_set<std::string> names_{&arena_};
  std::shared_ptr<std::unordered_set<std::string>> function_names_;
  std::pmr::unordered_map<const ir::Value*, TfValue> values_{&arena_};
  // (value, perm) -> converted tensor, so a layout change is emitted once per value.
  std::map<std::pair<const ir::Value*, Perm>, std::string> converted_;
};

// "Conv 'name': message" as an Unsupported status.
Status NodeUnsupported(const ir::Node& node, const std::string& message);

}  // namespace pt2tf::tf
