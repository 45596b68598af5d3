// The tiled transpose of permuted weights (tensor.cpp), shared with the deferred BatchNorm
// fold (deferred.cpp) so a folded, permuted conv weight is scaled in the same pass.
#pragma once

#include <cstdint>
#include <functional>

#include "pt2tf/tensor.h"

namespace pt2tf {

// Streams `view`, a strided float32 view of a C-contiguous source of rows of `row_elems`
// elements, when it is a row transpose (its last dim walks whole source rows: OIHW -> HWIO,
// OHWI, an FC transpose), with each element of source row r (counted from the view's first
// element) computed as float(double(x) * scale[r]). False, and nothing sent, otherwise.
bool StreamScaledRowTranspose(const Tensor& view, int64_t row_elems, const double* scale,
                              const std::function<void(ByteSpan)>& sink);

}  // namespace pt2tf
