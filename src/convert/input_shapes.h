// Pinning graph input shapes from the command line (--input-shape, --batch, --dynamic-batch)
// before the passes run, so that constant folding and shape inference see the pinned dims.
#pragma once

#include "pt2tf/convert.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/onnx/onnx_writer.h"
#include "pt2tf/status.h"

namespace pt2tf {

// Applies options.input_shape / named_input_shapes / batch to the inputs of a graph read
// from a file that carries its own input shapes (ONNX, .pt2).
// A pin naming no input, of the wrong rank, or contradicting a static dim of the file is a
// one-line error naming options.input_path. Dims a pin leaves as kUnknownDim stay as they are.
// Pinned dims lose their name in `dim_names`.
Status PinInputShapes(ir::Graph& graph, const ConvertOptions& options, onnx::DimNames& dim_names);

// Sets dim 0 of every input of a freshly built graph to `batch` (kUnknownDim: dynamic, named
// "batch") and forgets every computed shape, so inference recomputes them for it. Zoo
// architectures never bake the batch into an attribute or constant (they flatten with
// Flatten(axis=1)), so the graph stays valid for any batch.
void SetBatch(ir::Graph& graph, int64_t batch, onnx::DimNames& dim_names);
// After shape inference: names "batch" the unknown dim 0 of every graph output.
void NameDynamicOutputBatch(const ir::Graph& graph, onnx::DimNames& dim_names);

}  // namespace pt2tf
