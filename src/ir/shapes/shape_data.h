// What shape inference knows of the small integer tensors a graph computes from shapes at
// run time (ONNX's "data propagation"): `Shape(x)` over a run-time batch and the Gather,
// Slice, Concat and Unsqueeze of it. Exporters spell `x.view(x.size(0), -1)` that way; with
// the batch entry known to be x's own dim 0, the -1 resolves to a static size, so the
// Reshape's output is [?, 512] instead of [?, ?] and the writers can emit a constant target
// (a FULLY_CONNECTED after it needs the 512).
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "pt2tf/ir/graph.h"

namespace pt2tf::ir::shapes {

// One entry of such a tensor: a value known now, or run-time dim `dim` of `of` (a
// canonical value: see ShapeData::Source), or nothing known (both unset).
struct SymInt {
  std::optional<int64_t> value;
  const Value* of = nullptr;
  int64_t dim = 0;

  bool operator==(const SymInt& o) const {
    return value == o.value && of == o.of && (!of || dim == o.dim);
  }
};
using SymInts = std::vector<SymInt>;

// Lives for one InferShapes walk: pointers to values never outlive the graph's pass.
class ShapeData {
 public:
  // After `node`'s shape function: its Reshape/Expand/ConstantOfShape/Tile outputs get the
  // dims the table decides; then its outputs' entries are recorded from its inputs'.
  void Apply(Node& node);
  // Only the second half: records `node`'s outputs' entries (constant folding, which
  // must not touch shapes).
  void Propagate(const Node& node);
  // Every entry of `v` when all are known now (e.g. Slice(Shape(x), 1) of x[?, 3, 8, 8]).
  std::optional<std::vector<int64_t>> KnownValues(const Value* v) const;

 private:
  // Entries of `v` (flattened, C order): from the table, or from a small integer constant.
  std::optional<SymInts> Get(const Value* v) const;
  void Refine(Node& node) const;
  // The value whose dim `dim` is the same run-time size as `v`'s (walking back through
  // ops that keep that dim), so that x.view(y.size(0), -1) with x = relu(y) matches.
  static SymInt Source(const Value* v, int64_t dim);

  std::unordered_map<const Value*, SymInts> values_;
};

}  // namespace pt2tf::ir::shapes
