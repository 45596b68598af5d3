// Content hashes of tensors, for integrity checks (`pt2tf inspect --hash`).
#pragma once

#include <string>

#include "pt2tf/tensor.h"

namespace pt2tf {

// Lower-case hex SHA-256 of the tensor's elements in C-contiguous little-endian order (what
// `tensor.contiguous().numpy().tobytes()` hashes to), streamed without a full copy.
Result<std::string> Sha256Hex(const Tensor& tensor);

}  // namespace pt2tf
