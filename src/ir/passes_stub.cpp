// Placeholder until the verifier and shape inference land (branch ir-passes replaces this).
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
Status VerifyGraph(const Graph&) { return OkStatus(); }
Status InferShapes(Graph&) { return OkStatus(); }
}  // namespace pt2tf::ir
