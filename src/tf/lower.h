// Lowering the IR to a TfGraph: done once per conversion; the frozen-graph, SavedModel and
// TFLite writers are serializers of the result.
#pragma once

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tf/tf_writer.h"
#include "tf/emit_context.h"
#include "tf/tf_graph.h"

namespace pt2tf::tf {

// Runs the TF-side rewrites (BN folding, zero Pad folded into Conv) on a clone of `graph` (the
// source is left as it is, so other outputs do not depend on this one), then emits every node
// through the registry in topological order: Placeholders for the inputs (NHWC when options
// ask), an Identity named after each output, and only the TF nodes the outputs need. The
// result owns or shares every weight it refers to; it does not refer to `graph`.
Result<TfGraph> LowerToTf(const ir::Graph& graph, const TfWriterOptions& options);

// Emits every node of `graph` (in its order) through the emitter registry into `ctx`; errors
// name the node. Shared by the main graph and function bodies (FunctionBuilder).
Status EmitNodes(const ir::Graph& graph, EmitContext& ctx);

// Serializers of a lowered graph (the public WriteFrozenGraph / WriteSavedModel lower first).
Status WriteFrozenGraph(const TfGraph& lowered, const std::string& path,
                        const TfWriterOptions& options);
Status WriteSavedModel(const TfGraph& lowered, const std::string& dir,
                       const TfWriterOptions& options);

// The signature key for a tensor name: letters, digits and '_' only.
std::string SignatureKey(const std::string& name);

}  // namespace pt2tf::tf
