// Lowering the IR to a TfGraph: the driver shared by the frozen-graph and SavedModel writers.
#pragma once

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tf/tf_writer.h"
#include "tf/tf_graph.h"

namespace pt2tf::tf {

// Runs the TF-side rewrites (BN folding, zero Pad folded into Conv) on `graph`, then emits every
// node through the registry in topological order: Placeholders for the inputs (NHWC when options
// ask), an Identity named after each output, and only the TF nodes the outputs need.
Result<TfGraph> LowerToTf(ir::Graph& graph, const TfWriterOptions& options);

// The signature key for a tensor name: letters, digits and '_' only.
std::string SignatureKey(const std::string& name);

}  // namespace pt2tf::tf
