// Graph-wide analyses and rewrites. Each lives in its own file under src/ir/ or src/passes/;
// src/passes/pipeline.cpp is the one place that orders them.
#pragma once

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::ir {

// Checks structural invariants: every input is produced before use, names are unique,
// attributes have the types ONNX requires, shapes of constants match their tensors.
Status VerifyGraph(const Graph& graph);

// Fills Value::dtype and Value::shape for every node output from the graph inputs and
// constants. Error (naming the node) when inputs are inconsistent, e.g. an input shape the
// network cannot take.
Status InferShapes(Graph& graph);

}  // namespace pt2tf::ir
