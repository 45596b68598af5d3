// EliminateDeadCode: drops nodes no graph output depends on, then unused initializers.
//
//   before:  x ─► Conv ─► y (output)        after:  x ─► Conv ─► y (output)
//            x ─► Shape ─► s (unused)                (Shape and s gone, unused weights gone)
//
// Bodies of If/Loop/Scan are cleaned the same way (their outputs are the roots), and the
// captures a body no longer reads are dropped.
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {

size_t EliminateDeadCode(Graph& graph) {
  size_t removed = 0;
  // Bodies first: what they stop capturing may leave outer nodes dead.
  for (const auto& n : graph.nodes())
    for (auto& [name, body] : n->subgraphs) removed += EliminateDeadCode(*body);
  removed += graph.RemoveDeadNodes();
  graph.RemoveUnusedValues();
  return removed;
}

}  // namespace pt2tf::ir
