// Deferred weights: a tensor whose bytes are computed from another tensor while a writer
// streams them, so a transformed weight never exists as a full-size copy in memory.
//
// The one transform is the BatchNorm-into-Conv fold's weight expression, row by row:
//   out[c, k...] = float(double(source[c, k...]) * scale[c])
// It lives on the Storage, so every view a lowering makes of the folded weight (OIHW -> HWIO
// permutes, depthwise reshapes, FC transposes: all strided views) streams the folded values
// without knowing about the fold. Permutes stay strided views (Tensor::Make), and fp16 casts
// happen chunk by chunk in the TFLite writer; neither needs a deferred storage.
//
// Streaming reads the source through the view's strides (Tensor::ForEachChunk's gather) and
// scales each bounded chunk of output: for the views lowering makes, the row of output
// element p is a counter over p. A view whose rows cannot be followed that way (none known
// today) is materialised first: correct, but the full copy is back.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf {

// A deferred storage's recipe: `source` (float32, C-contiguous, shape [rows, ...]) with row r
// multiplied by scale[r]; a row is `row_elems` consecutive elements.
struct RowScale {
  Tensor source;
  std::vector<double> scale;
  int64_t row_elems = 0;
};

// A float32 tensor of `source`'s shape computing source[r, ...] * scale[r] when read.
// `source` must be float32 with scale.size() == shape[0]; a non-contiguous source is made
// contiguous first (that copies it).
Result<Tensor> ScaleRows(const Tensor& source, std::vector<double> scale);

namespace deferred {

// Output chunks of ForEachChunk on a deferred tensor are at most this big.
constexpr size_t kChunkBytes = size_t{1} << 20;

// `view`'s bytes in C order, computed chunk by chunk (view.storage()->deferred is set).
void ForEachChunk(const Tensor& view, const std::function<void(ByteSpan)>& sink);
// Element `index` of a deferred storage (in storage order), as a double holding the float.
double Element(const RowScale& rows, int64_t index);

}  // namespace deferred
}  // namespace pt2tf
