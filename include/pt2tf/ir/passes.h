// Graph-wide analyses and rewrites. Each lives in its own file under src/ir/ or src/passes/;
// src/passes/pipeline.cpp is the one place that orders them.
#pragma once

#include <cstdint>
#include <string>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::ir {

// ---- analyses (src/ir/) ----

// Checks structural invariants: every input is produced before use, names are unique,
// attributes have the types ONNX requires, shapes of constants match their tensors.
// The error names the offending node or value.
Status VerifyGraph(const Graph& graph);

// Fills Value::dtype and Value::shape for every node output from the graph inputs and
// constants, at ONNX opset-21 semantics. Error (naming the node) when inputs are
// inconsistent, e.g. an input shape the network cannot take. Shape-carrying inputs
// (Reshape shape, Slice starts, ...) are only read when constant; otherwise the affected
// dims become kUnknownDim. Where a rule cannot tell (unknown rank or dims) the outputs keep
// what they already carried (e.g. an importer's value_info); what it can tell overrides.
// Ops without a rule keep their outputs' current shapes.
Status InferShapes(Graph& graph);
// The same for a single node (its inputs must already be inferred).
Status InferNodeShapes(Node& node);
// True when shape inference has a rule for this (default-domain) op type.
bool HasShapeInference(const std::string& op_type);

// ---- rewrites (src/passes/) ----

struct FoldOptions {
  // Nodes whose result would have more elements than this are not folded (so Expand or
  // ConstantOfShape never bloat the model), except ops that only permute or retag an
  // existing constant (Transpose, Reshape, Flatten, Squeeze, Unsqueeze, Identity, Cast).
  int64_t max_elements = 1 << 16;
};

// Evaluates nodes whose inputs are all constant (and Shape/Size of statically shaped values),
// turning their outputs into initializers that keep their names, and turns Constant nodes into
// initializers. Needs shapes inferred first. Returns how many nodes were folded.
Result<size_t> FoldConstants(Graph& graph, const FoldOptions& options = {});

// Replaces each If whose condition is a constant by the nodes of the branch it takes (in
// bodies too). Returns how many were inlined.
Result<size_t> InlineConstantIf(Graph& graph);

// Bypasses Identity nodes and inference-mode Dropout nodes. Returns how many were removed.
Result<size_t> RemoveIdentityNodes(Graph& graph);

// Removes nodes that reach no graph output, then unused initializers and values.
size_t EliminateDeadCode(Graph& graph);

struct PassOptions {
  FoldOptions fold;
  bool fold_constants = true;
  bool remove_identity = true;
  // Upper bound on fold <-> infer rounds (each round strictly makes progress).
  int max_fold_rounds = 32;
};

// The standard pipeline: infer shapes, fold constants (to a fixed point), remove identities,
// eliminate dead code, infer shapes again, verify. Errors name the node. (No default for
// `options`, so a caller's own one-argument RunPasses helper never becomes ambiguous.)
Status RunPasses(Graph& graph, const PassOptions& options);

}  // namespace pt2tf::ir
