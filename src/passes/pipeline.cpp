// RunPasses: the one place that orders the IR passes. Each pass lives in its own file.
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {

Status RunPasses(Graph& graph, const PassOptions& options) {
  // Importers may add nodes out of order; everything below assumes topological order.
  PT2TF_RETURN_IF_ERROR(graph.TopologicalSort());
  PT2TF_RETURN_IF_ERROR(VerifyGraph(graph));
  PT2TF_RETURN_IF_ERROR(InferShapes(graph));

  // Folding exposes new static shapes (a Reshape whose shape became constant), and new
  // static shapes expose more folding (Shape of that Reshape): iterate to a fixed point.
  if (options.fold_constants) {
    for (int round = 0; round < options.max_fold_rounds; ++round) {
      PT2TF_ASSIGN_OR_RETURN(size_t folded, FoldConstants(graph, options.fold));
      PT2TF_ASSIGN_OR_RETURN(size_t inlined, InlineConstantIf(graph));
      if (folded + inlined == 0) break;
      PT2TF_RETURN_IF_ERROR(InferShapes(graph));
    }
  }
  if (options.remove_identity) {
    PT2TF_ASSIGN_OR_RETURN(size_t removed, RemoveIdentityNodes(graph));
    (void)removed;
  }
  EliminateDeadCode(graph);
  // Format-specific rewrites (e.g. BatchNormalization folded into Conv for the TF writer)
  // are added here, each as one line guarded by its PassOptions flag.

  PT2TF_RETURN_IF_ERROR(InferShapes(graph));
  return VerifyGraph(graph);
}

}  // namespace pt2tf::ir
