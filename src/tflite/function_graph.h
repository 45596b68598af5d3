// A TF library function (an If branch, a While condition or body) as a plain TfGraph, so the
// Translator can turn it into a TFLite subgraph like the main graph.
#pragma once

#include <vector>

#include "pt2tf/status.h"
#include "tf/tf_graph.h"

namespace pt2tf::tflite {

// `fn` with one Placeholder per input arg (its dtype; shape `arg_shapes[i]`, the caller's
// tensor), the nodes with GraphDef-form inputs ("node:<arg>:<i>" -> "node:k"), and one
// Identity per output arg. Inputs and outputs are listed in signature order.
Result<tf::TfGraph> FunctionAsGraph(const tf::TfFunction& fn,
                                    const std::vector<ir::Dims>& arg_shapes);

}  // namespace pt2tf::tflite
