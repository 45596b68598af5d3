// Calibration samples from .npy / .npz arrays or a folder of images (see calib/data.h).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "ir/eval/host_tensor.h"
#include "pt2tf/calib/data.h"
#include "pt2tf/io/npy.h"

namespace pt2tf::calib {
namespace {

namespace fs = std::filesystem;
using ir::Dims;
using ir::run::RunTensor;

bool EndsWith(std::string s, const std::string& suffix) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<const ir::Value*> ModelInputs(const ir::Graph& graph) {
  std::vector<const ir::Value*> out;
  for (const ir::Value* v : graph.inputs())
    if (!v->is_constant()) out.push_back(v);
  return out;
}

std::string Describe(const ir::Value& v) {
  return "model input '" + v.name + "' (" + std::string(TorchName(v.dtype)) + " " +
         (v.shape ? ShapeToString(*v.shape) : std::string("of unknown shape")) + ")";
}

// Per-channel normalisation constants for `channels` channels.
Result<std::vector<float>> PerChannel(const std::vector<float>& given, int64_t channels,
                                      float fallback, const char* flag) {
  if (given.empty()) return std::vector<float>(static_cast<size_t>(channels), fallback);
  if (given.size() == 1) return std::vector<float>(static_cast<size_t>(channels), given[0]);
  if (static_cast<int64_t>(given.size()) != channels)
    return UsageError(std::string(flag) + " has " + std::to_string(given.size()) +
                      " values, the model input has " + std::to_string(channels) + " channels");
  return given;
}

// Where the channel dim of an image-like input is: 1 (NCHW) or its last dim (NHWC).
int64_t ChannelAxis(const Dims& shape) {
  if (shape.size() == 4 && (shape[1] == 1 || shape[1] == 3)) return 1;
  if (shape.size() == 4 && (shape[3] == 1 || shape[3] == 3)) return 3;
  return shape.size() >= 2 ? 1 : 0;
}

struct Normalizer {
  std::vector<float> mean, inv_std;
  int64_t axis = 1;
};

Result<Normalizer> MakeNormalizer(const Dims& sample_shape, const DataOptions& options) {
  Normalizer n;
  n.axis = ChannelAxis(sample_shape);
  const int64_t channels = sample_shape.empty() ? 1 : sample_shape[n.axis];
  PT2TF_ASSIGN_OR_RETURN(n.mean, PerChannel(options.mean, channels, 0.0f, "--mean"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<float> sd, PerChannel(options.std, channels, 1.0f, "--std"));
  for (float s : sd) {
    if (!(s > 0) || !std::isfinite(s)) return UsageError("--std values must be positive");
    n.inv_std.push_back(1.0f / s);
  }
  return n;
}

// Splits one array (N×… samples) into per-sample tensors for `input`.
Result<std::vector<RunTensor>> SplitArray(const std::string& file, const Tensor& array,
                                          const ir::Value& input, const DataOptions& options) {
  const Dims& a = array.shape();
  const DType dt = array.dtype();
  // Integer model inputs (token ids, indices) take integer arrays, kept as integers; float
  // inputs take float32 / float16, or uint8 pixels (normalised below).
  const bool integer_input = IsInteger(input.dtype) && input.dtype != DType::kUInt8;
  if (integer_input ? !IsInteger(dt)
                    : dt != DType::kFloat32 && dt != DType::kFloat16 && dt != DType::kUInt8)
    return InvalidInput(file + ": dtype " + std::string(TorchName(dt)) +
                        (integer_input ? " is not an integer type, as " + Describe(input) + " is"
                                       : std::string(" is not float32, float16 or uint8")));
  if (!integer_input && !IsFloatingPoint(input.dtype) &&
      !(input.dtype == DType::kUInt8 && dt == DType::kUInt8))
    return InvalidInput(file + ": " + std::string(TorchName(dt)) + " samples for " +
                        Describe(input));
  if (!input.shape) return InvalidInput(file + ": " + Describe(input) + ": rank unknown");
  const Dims& want = *input.shape;
  Dims sample = want;
  bool fits = a.size() == want.size() && !a.empty();
  for (size_t d = 1; fits && d < a.size(); ++d) {
    fits = want[d] == ir::kUnknownDim || want[d] == a[d];
    sample[d] = a[d];
  }
  if (!fits)
    return InvalidInput(file + ": shape " + ShapeToString(a) + " does not fit " + Describe(input) +
                        " (expected N samples along dim 0)");
  const int64_t batch = want[0] > 0 ? want[0] : 1;
  sample[0] = batch;
  if (a[0] == 0) return InvalidInput(file + ": no samples (dim 0 is 0)");
  if (a[0] % batch != 0)
    return InvalidInput(file + ": " + std::to_string(a[0]) +
                        " samples is not a multiple of the model's batch size " +
                        std::to_string(batch));
  int64_t count = a[0] / batch;
  if (options.max_samples > 0) count = std::min(count, options.max_samples);
  const int64_t per = array.numel() / a[0] * batch;
  PT2TF_ASSIGN_OR_RETURN(Normalizer norm, MakeNormalizer(sample, options));
  const Dims strides = [&] {
    Dims s(sample.size(), 1);
    for (size_t k = sample.size(); k-- > 1;) s[k - 1] = s[k] * sample[k];
    return s;
  }();
  const Tensor c = array.ToContiguous();
  const std::byte* base = c.contiguous_bytes().data();
  std::vector<RunTensor> out;
  if (integer_input) {
    // Values are read as int64 and must fit the input's type (an int64 id array for an int32
    // input is fine while the ids fit).
    PT2TF_ASSIGN_OR_RETURN(RunTensor all, RunTensor::FromTensor(c));
    const int64_t lo = input.dtype == DType::kInt64   ? INT64_MIN
                       : input.dtype == DType::kInt32 ? INT32_MIN
                       : input.dtype == DType::kInt16 ? INT16_MIN
                       : input.dtype == DType::kInt8  ? INT8_MIN
                                                      : 0;
    const int64_t hi = input.dtype == DType::kInt64    ? INT64_MAX
                       : input.dtype == DType::kInt32  ? INT32_MAX
                       : input.dtype == DType::kInt16  ? INT16_MAX
                       : input.dtype == DType::kInt8   ? INT8_MAX
                       : input.dtype == DType::kUInt16 ? UINT16_MAX
                                                       : UINT32_MAX;
    for (int64_t n = 0; n < count; ++n) {
      RunTensor t;
      t.dtype = input.dtype;
      t.shape = sample;
      t.i.assign(all.i.begin() + n * per, all.i.begin() + (n + 1) * per);
      for (int64_t v : t.i)
        if (v < lo || v > hi)
          return InvalidInput(file + ": sample " + std::to_string(n) + " holds " +
                              std::to_string(v) + ", outside " + Describe(input));
      out.push_back(std::move(t));
    }
    return out;
  }
  for (int64_t n = 0; n < count; ++n) {
    RunTensor t;
    t.dtype = input.dtype;
    t.shape = sample;
    if (!IsFloatingPoint(input.dtype)) {  // uint8 model input: raw bytes
      t.i.resize(static_cast<size_t>(per));
      for (int64_t k = 0; k < per; ++k) t.i[k] = static_cast<uint8_t>(base[n * per + k]);
      out.push_back(std::move(t));
      continue;
    }
    t.f.resize(static_cast<size_t>(per));
    for (int64_t k = 0; k < per; ++k) {
      const int64_t flat = n * per + k;
      float v = 0;
      if (dt == DType::kFloat32) {
        std::memcpy(&v, base + flat * 4, 4);
      } else if (dt == DType::kFloat16) {
        uint16_t h;
        std::memcpy(&h, base + flat * 2, 2);
        v = HalfToFloat(h);
      } else {
        const int64_t ch = sample.size() > 1 ? (k / strides[norm.axis]) % sample[norm.axis] : 0;
        v = (static_cast<uint8_t>(base[flat]) / 255.0f - norm.mean[ch]) * norm.inv_std[ch];
      }
      if (!std::isfinite(v))
        return InvalidInput(file + ": sample " + std::to_string(n) + " holds NaN or Inf");
      t.f[k] = v;
    }
    out.push_back(std::move(t));
  }
  return out;
}

// Bilinear (half-pixel) resize of 8-bit pixels to h×w, as float 0..255.
std::vector<float> Resize(const Image& img, int64_t h, int64_t w) {
  const int64_t c = img.channels;
  std::vector<float> out(static_cast<size_t>(h * w * c));
  const double sy = static_cast<double>(img.height) / h, sx = static_cast<double>(img.width) / w;
  for (int64_t y = 0; y < h; ++y) {
    const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, img.height - 1.0);
    const int64_t y0 = static_cast<int64_t>(fy), y1 = std::min(y0 + 1, img.height - 1);
    const float wy = static_cast<float>(fy - y0);
    for (int64_t x = 0; x < w; ++x) {
      const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, img.width - 1.0);
      const int64_t x0 = static_cast<int64_t>(fx), x1 = std::min(x0 + 1, img.width - 1);
      const float wx = static_cast<float>(fx - x0);
      for (int64_t k = 0; k < c; ++k) {
        auto px = [&](int64_t yy, int64_t xx) {
          return static_cast<float>(img.pixels[(yy * img.width + xx) * c + k]);
        };
        const float top = px(y0, x0) * (1 - wx) + px(y0, x1) * wx;
        const float bottom = px(y1, x0) * (1 - wx) + px(y1, x1) * wx;
        out[(y * w + x) * c + k] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

Result<std::vector<Sample>> FromImages(const std::string& dir, const ir::Value& input,
                                       const DataOptions& options) {
  if (!IsFloatingPoint(input.dtype) || !input.shape || input.shape->size() != 4)
    return InvalidInput(dir + ": images need a float model input of rank 4, not " +
                        Describe(input));
  Dims shape = *input.shape;
  const int64_t axis = ChannelAxis(shape);
  const int64_t h = axis == 1 ? shape[2] : shape[1], w = axis == 1 ? shape[3] : shape[2];
  const int64_t channels = shape[axis];
  if (h <= 0 || w <= 0 || (channels != 1 && channels != 3))
    return InvalidInput(dir + ": " + Describe(input) +
                        " is not an image input with known height and width (1 or 3 channels)");
  shape[0] = 1;
  PT2TF_ASSIGN_OR_RETURN(Normalizer norm, MakeNormalizer(shape, options));
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string p = it->path().string();
    if (it->is_regular_file(ec) &&
        (EndsWith(p, ".jpg") || EndsWith(p, ".jpeg") || EndsWith(p, ".png")))
      files.push_back(p);
  }
  if (ec) return IoError(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return InvalidInput(dir + ": no .jpg, .jpeg or .png images in the folder");
  if (options.max_samples > 0 && static_cast<int64_t>(files.size()) > options.max_samples)
    files.resize(static_cast<size_t>(options.max_samples));
  std::vector<Sample> samples;
  for (const std::string& file : files) {
    PT2TF_ASSIGN_OR_RETURN(Image img, DecodeImage(file, static_cast<int>(channels)));
    const std::vector<float> px = Resize(img, h, w);
    RunTensor t = RunTensor::Zeros(input.dtype, shape);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t k = 0; k < channels; ++k) {
          const float v =
              (px[(y * w + x) * channels + k] / 255.0f - norm.mean[k]) * norm.inv_std[k];
          const int64_t at = axis == 1 ? (k * h + y) * w + x : (y * w + x) * channels + k;
          t.f[at] = v;
        }
    Sample s;
    s.push_back(std::move(t));
    samples.push_back(std::move(s));
  }
  return samples;
}

}  // namespace

Result<std::vector<Sample>> LoadSamples(const ir::Graph& graph, const DataOptions& options) {
  const std::vector<const ir::Value*> inputs = ModelInputs(graph);
  const std::string& path = options.path;
  if (inputs.empty()) return InvalidInput(path + ": the model has no inputs to calibrate");
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (inputs.size() != 1)
      return InvalidInput(path + ": an image folder feeds one-input models; this one has " +
                          std::to_string(inputs.size()) + " inputs (use an .npz)");
    return FromImages(path, *inputs[0], options);
  }
  NamedArrays arrays;
  if (EndsWith(path, ".npz")) {
    PT2TF_ASSIGN_OR_RETURN(arrays, ReadNpz(path));
  } else if (EndsWith(path, ".npy")) {
    PT2TF_ASSIGN_OR_RETURN(Tensor t, ReadNpy(path));
    arrays.emplace_back(inputs[0]->name, std::move(t));
  } else {
    return UsageError(path + ": calibration data must be a .npy, an .npz or a folder of images");
  }
  if (inputs.size() == 1 && arrays.size() == 1) arrays[0].first = inputs[0]->name;
  std::vector<Sample> samples;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const ir::Value& input = *inputs[k];
    const Tensor* array = nullptr;
    for (const auto& [name, t] : arrays)
      if (name == input.name) array = &t;
    if (!array)
      return InvalidInput(path + ": no array named '" + input.name + "' for " + Describe(input));
    const std::string what = arrays.size() > 1 ? path + ": " + input.name : path;
    PT2TF_ASSIGN_OR_RETURN(std::vector<RunTensor> parts, SplitArray(what, *array, input, options));
    if (k == 0) samples.resize(parts.size());
    if (parts.size() != samples.size())
      return InvalidInput(what + ": " + std::to_string(parts.size()) +
                          " samples, other inputs have " + std::to_string(samples.size()));
    for (size_t n = 0; n < parts.size(); ++n) samples[n].push_back(std::move(parts[n]));
  }
  for (const auto& [name, t] : arrays) {
    bool used = false;
    for (const ir::Value* v : inputs) used = used || v->name == name;
    if (!used) return InvalidInput(path + ": array '" + name + "' matches no model input");
  }
  return samples;
}

}  // namespace pt2tf::calib
