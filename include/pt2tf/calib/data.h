// Calibration samples: what `--calibration PATH` names, turned into inputs for the reference
// runner (include/pt2tf/ir/runner.h).
//   - a .npy (one-input models) or .npz (arrays named after the inputs; one array for a
//     one-input model may have any name) of N×… samples, float32/float16/uint8;
//   - a folder of JPEG/PNG images, resized (bilinear) to the model's input size.
// uint8 data and images are scaled to [0, 1] and then normalised per channel:
// (x / 255 − mean[c]) / std[c]. Float arrays are taken as they are.
// Anything that does not fit the model (shape, dtype, no samples, NaN/Inf) is a one-line
// InvalidInput naming the file.
#pragma once

#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/ir/runner.h"
#include "pt2tf/status.h"

namespace pt2tf::calib {

// One sample: a tensor per graph input, in graph-input order.
using Sample = std::vector<ir::run::RunTensor>;

struct DataOptions {
  std::string path;         // .npy, .npz or a directory of images
  std::vector<float> mean;  // per channel (or one for all); empty = 0
  std::vector<float> std;   // per channel (or one for all); empty = 1
  int64_t max_samples = 0;  // 0 = all
};

// Reads the samples for `graph`'s (non-constant) inputs. Each sample has the model's batch
// size (its input dim 0, or 1 when unknown).
Result<std::vector<Sample>> LoadSamples(const ir::Graph& graph, const DataOptions& options);

// Decodes a JPEG or PNG file to 8-bit interleaved pixels with `channels` (1 or 3) channels.
struct Image {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // height × width × channels
};
Result<Image> DecodeImage(const std::string& path, int channels);

}  // namespace pt2tf::calib
