// MoveWeightsToVariables: the graph of a SavedModel whose weights live in variables/.
//
// Before:  W = Const{value: <weights>}            consumer(W, ...)
// After:   W = VarHandleOp{dtype, shape, shared_name: W}
//          W/Read/ReadVariableOp = ReadVariableOp(W)   consumer(W/Read/ReadVariableOp, ...)
//          save/RestoreV2(save/filename, names, slices) -> save/AssignVariableOp_i(W, :i)
//          save/restore_all = NoOp(^every assign)      (+ SaveV2 for a complete TF1 saver)
// plus the SaverDef naming save/filename:0 and save/restore_all, and one VariableDef per
// weight for the MetaGraphDef's "variables" collection. That is the TF1 resource-variable
// layout both loaders accept: saved_model_cli / the TF1 session loader run the SaverDef's
// restore op; TF2's tf.saved_model.load (no object graph → its v1 path) imports the graph in a
// wrapped function, lifts the collection's resource variables out of it and restores them
// through the same SaverDef. No object graph (or _CHECKPOINTABLE_OBJECT_GRAPH bundle key) is
// needed on that path.
//
// Only Consts of at least kMinVariableBytes move: small shape/axis/scalar constants stay Const,
// so TF's graph-construction shape inference still sees them.
#pragma once

#include <string>
#include <vector>

#include "pt2tf/status.h"
#include "tensorflow/saver.pb.h"
#include "tf/tf_graph.h"

namespace pt2tf::tf {

constexpr uint64_t kMinVariableBytes = 1024;

// A tensor to store in the bundle under `key` (the variable's name).
struct BundleTensor {
  std::string key;
  Tensor value;  // shares the source storage (a view into the mapped input), no copy
  ir::Dims shape;
};

struct VariablesGraph {
  TfGraph graph;
  std::vector<BundleTensor> tensors;
  tensorflow::SaverDef saver;
  std::vector<std::string> variable_defs;  // serialised VariableDef, one per variable
};

Result<VariablesGraph> MoveWeightsToVariables(const TfGraph& lowered);

}  // namespace pt2tf::tf
