// EliminateDeadCode: drops nodes no graph output depends on, then unused initializers.
//
//   before:  x ─► Conv ─► y (output)        after:  x ─► Conv ─► y (output)
//            x ─► Shape ─► s (unused)                (Shape and s gone, unused weights gone)
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {

size_t EliminateDeadCode(Graph& graph) {
  const size_t removed = graph.RemoveDeadNodes();
  graph.RemoveUnusedValues();
  return removed;
}

}  // namespace pt2tf::ir
