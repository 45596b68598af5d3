// Upgrading nodes imported from an older (or newer) default-domain opset to the IR's
// canonical opset-21 form.
//
// Every op whose form changed between opset 7 and 21 in a way that matters has one row in
// the table in opset_upgrade.cpp: the opset where the canonical form begins and the rewrite
// applied to nodes from older opsets. Ops that changed only by gaining types or attributes
// whose defaults keep the old meaning need no row. Models of opsets 22..27 are accepted when
// every op they use still means what it meant at 21.
#pragma once

#include <unordered_set>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::onnx {

struct UpgradeOptions {
  int source_opset = 21;  // the model's default-domain opset
  // Values whose dtype the file declared (inputs, initializers, value_info); rewrites that
  // must build a constant of an input's dtype refuse when it cannot be known.
  std::unordered_set<const ir::Value*> typed_values;
};

// Rewrites `graph` in place and re-sorts it; sets graph.opset() to 21. Errors name the node.
Status UpgradeToCanonical(ir::Graph& graph, const UpgradeOptions& options);

}  // namespace pt2tf::onnx
