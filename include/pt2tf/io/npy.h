// NumPy .npy / .npz files: sample inputs for calibration and `pt2tf run`, and its outputs.
// Reading treats the file as untrusted: the magic, version, header length, every header
// field ('descr', 'fortran_order', 'shape') and the data size are checked against the bytes
// that are there before anything is allocated. Arrays are zero-copy views of the mapping
// (stored .npz members) or of the inflated bytes (np.savez_compressed).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf {

using NamedArrays = std::vector<std::pair<std::string, Tensor>>;

// Parses one .npy image held by `storage`. Errors say what is wrong, without the path.
Result<Tensor> ParseNpy(std::shared_ptr<const Storage> storage);
// Reads a .npy file; errors start with the path.
Result<Tensor> ReadNpy(const std::string& path);
// Reads every member of a .npz ("x.npy" is named "x"), in archive order; errors name the
// path and the member.
Result<NamedArrays> ReadNpz(const std::string& path);
// Writes arrays as an uncompressed .npz (what np.load reads back), atomically.
Status WriteNpz(const std::string& path, const NamedArrays& arrays);

}  // namespace pt2tf
