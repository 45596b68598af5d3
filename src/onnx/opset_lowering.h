// Lowering the canonical opset-21 IR to the form an older target opset accepts.
//
// Every op whose opset-21 form is not valid at every opset we write (13..21) has one row in
// the table in opset_lowering.cpp: the lowest opset at which our form is valid as is, and
// the function that rewrites it for older targets (or refuses, naming the node). Ops without
// a row are valid unchanged from opset 13 on.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf::onnx {

// A node as it will be written: value names instead of Value pointers.
struct OutNode {
  std::string op_type;
  std::string domain;
  std::string name;
  std::vector<std::string> inputs;  // "" = omitted optional input
  std::vector<std::string> outputs;
  ir::AttributeMap attrs;
  // The IR node copied as is (nullptr for rewritten nodes): its subgraphs are written too.
  const ir::Node* source = nullptr;
};

struct LoweredGraph {
  std::vector<OutNode> nodes;
  // Small constants the rewrites introduced (axes, scalars), written as initializers.
  std::vector<std::pair<std::string, Tensor>> constants;
};

// Rewrites `graph`'s nodes for `opset` (13..21) without modifying the graph. Intermediate
// values a rewrite introduces get names unused in `graph`.
Result<LoweredGraph> LowerToOpset(const ir::Graph& graph, int opset);

}  // namespace pt2tf::onnx
