// BatchNormalization (inference), LayerNormalization and InstanceNormalization. Statistics
// are accumulated in double: a float sum over thousands of elements drifts by more than the
// tolerance the tests hold the runner to.
#include <cmath>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

Status NeedChannels(const Node& node, const RunTensor* t, int64_t channels, const char* what) {
  if (!t || !t->is_float() || t->numel() != channels)
    return InvalidInput(node.Describe() + ": " + what + " does not have " +
                        std::to_string(channels) + " float elements");
  return OkStatus();
}

}  // namespace

Result<Outputs> RunBatchNorm(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 5));
  if (node.GetInt("training_mode", 0) != 0)
    return Unsupported(node.Describe() + ": training_mode=1");
  const RunTensor& x = *in[0];
  if (x.shape.size() < 2) return InvalidInput(node.Describe() + ": input rank below 2");
  const int64_t n = x.shape[0], c = x.shape[1], size = Prod(x.shape, 2, x.shape.size());
  PT2TF_RETURN_IF_ERROR(NeedChannels(node, in[1], c, "scale"));
  PT2TF_RETURN_IF_ERROR(NeedChannels(node, in[2], c, "bias"));
  PT2TF_RETURN_IF_ERROR(NeedChannels(node, in[3], c, "mean"));
  PT2TF_RETURN_IF_ERROR(NeedChannels(node, in[4], c, "var"));
  const double eps = node.GetFloat("epsilon", 1e-5f);
  RunTensor out;
  out.shape = x.shape;
  out.f.resize(x.f.size());
  for (int64_t ch = 0; ch < c; ++ch) {
    const double a = in[1]->f[ch] / std::sqrt(static_cast<double>(in[4]->f[ch]) + eps);
    const float fa = static_cast<float>(a);
    const float fb = static_cast<float>(in[2]->f[ch] - a * in[3]->f[ch]);
    for (int64_t b = 0; b < n; ++b) {
      const float* src = x.f.data() + (b * c + ch) * size;
      float* dst = out.f.data() + (b * c + ch) * size;
      for (int64_t q = 0; q < size; ++q) dst[q] = src[q] * fa + fb;
    }
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunLayerNorm(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  const RunTensor& x = *in[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(node, node.GetInt("axis", -1), rank));
  const Dims norm_shape(x.shape.begin() + axis, x.shape.end());
  const int64_t rows = Prod(x.shape, 0, axis), size = Prod(x.shape, axis, x.shape.size());
  const RunTensor* scale = in[1];
  const RunTensor* bias = in.size() > 2 ? in[2] : nullptr;
  // Scale and bias broadcast over the normalised dims.
  auto strides_for = [&](const RunTensor* t, Dims& s) -> Status {
    if (!t) return OkStatus();
    if (!t->is_float()) return InvalidInput(node.Describe() + ": non-float scale/bias");
    PT2TF_ASSIGN_OR_RETURN(Dims b, Broadcast(node, t->shape, norm_shape));
    if (b != norm_shape)
      return InvalidInput(node.Describe() + ": scale/bias " + ShapeToString(t->shape) +
                          " do not broadcast to " + ShapeToString(norm_shape));
    s = BroadcastStrides(t->shape, norm_shape);
    return OkStatus();
  };
  Dims ss, bs;
  PT2TF_RETURN_IF_ERROR(strides_for(scale, ss));
  PT2TF_RETURN_IF_ERROR(strides_for(bias, bs));
  // Flat offsets of scale/bias for each normalised element.
  std::vector<int64_t> so(static_cast<size_t>(size)), bo(static_cast<size_t>(size));
  Dims index(norm_shape.size(), 0);
  for (int64_t q = 0; q < size; ++q) {
    int64_t a = 0, b = 0;
    for (size_t d = 0; d < norm_shape.size(); ++d) {
      a += index[d] * ss[d];
      if (bias) b += index[d] * bs[d];
    }
    so[q] = a;
    bo[q] = b;
    for (size_t d = norm_shape.size(); d-- > 0;) {
      if (++index[d] < norm_shape[d]) break;
      index[d] = 0;
    }
  }
  const double eps = node.GetFloat("epsilon", 1e-5f);
  RunTensor y;
  y.shape = x.shape;
  y.f.resize(x.f.size());
  Dims stat_shape = x.shape;
  for (int64_t d = axis; d < rank; ++d) stat_shape[d] = 1;
  RunTensor mean = RunTensor::Zeros(DType::kFloat32, stat_shape);
  RunTensor inv_std = RunTensor::Zeros(DType::kFloat32, stat_shape);
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x.f.data() + r * size;
    double s = 0, s2 = 0;
    for (int64_t q = 0; q < size; ++q) s += src[q];
    const double mu = s / static_cast<double>(size);
    for (int64_t q = 0; q < size; ++q) s2 += (src[q] - mu) * (src[q] - mu);
    const double inv = 1.0 / std::sqrt(s2 / static_cast<double>(size) + eps);
    float* dst = y.f.data() + r * size;
    for (int64_t q = 0; q < size; ++q) {
      const double v = (src[q] - mu) * inv * scale->f[so[q]] + (bias ? bias->f[bo[q]] : 0.0f);
      dst[q] = static_cast<float>(v);
    }
    mean.f[r] = static_cast<float>(mu);
    inv_std.f[r] = static_cast<float>(inv);
  }
  Outputs result;
  result.push_back(std::move(y));
  result.push_back(std::move(mean));
  result.push_back(std::move(inv_std));
  return result;
}

Result<Outputs> RunInstanceNorm(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 3));
  const RunTensor& x = *in[0];
  if (x.shape.size() < 3) return InvalidInput(node.Describe() + ": input rank below 3");
  const int64_t n = x.shape[0], c = x.shape[1], size = Prod(x.shape, 2, x.shape.size());
  PT2TF_RETURN_IF_ERROR(NeedChannels(node, in[1], c, "scale"));
  PT2TF_RETURN_IF_ERROR(NeedChannels(node, in[2], c, "bias"));
  const double eps = node.GetFloat("epsilon", 1e-5f);
  RunTensor out;
  out.shape = x.shape;
  out.f.resize(x.f.size());
  for (int64_t p = 0; p < n * c; ++p) {
    const int64_t ch = p % c;
    const float* src = x.f.data() + p * size;
    double s = 0, s2 = 0;
    for (int64_t q = 0; q < size; ++q) s += src[q];
    const double mu = size > 0 ? s / static_cast<double>(size) : 0.0;
    for (int64_t q = 0; q < size; ++q) s2 += (src[q] - mu) * (src[q] - mu);
    const double inv = 1.0 / std::sqrt((size > 0 ? s2 / static_cast<double>(size) : 0.0) + eps);
    float* dst = out.f.data() + p * size;
    for (int64_t q = 0; q < size; ++q)
      dst[q] = static_cast<float>((src[q] - mu) * inv * in[1]->f[ch] + in[2]->f[ch]);
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
