#include "zoo/torchvision_ops.h"

#include <algorithm>

namespace pt2tf::zoo {

std::unique_ptr<nn::Module> MakeActivation(Activation activation) {
  switch (activation) {
    case Activation::kNone:
      return nullptr;
    case Activation::kReLU:
      return std::make_unique<nn::ReLU>(true);
    case Activation::kReLU6:
      return std::make_unique<nn::ReLU6>(true);
    case Activation::kSiLU:
      return std::make_unique<nn::SiLU>(true);
    case Activation::kHardswish:
      return std::make_unique<nn::Hardswish>(true);
    case Activation::kSigmoid:
      return std::make_unique<nn::Sigmoid>();
    case Activation::kHardsigmoid:
      return std::make_unique<nn::Hardsigmoid>();
  }
  return nullptr;
}

namespace {
std::unique_ptr<nn::Module> ActivationOrIdentity(Activation activation) {
  if (auto m = MakeActivation(activation)) return m;
  return std::make_unique<nn::Identity>();
}
}  // namespace

int64_t MakeDivisible(double v, int64_t divisor, std::optional<int64_t> min_value) {
  const int64_t floor_min = min_value.value_or(divisor);
  // Python: int(v + divisor / 2) // divisor * divisor, with v > 0 here.
  int64_t new_v = std::max(floor_min, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (static_cast<double>(new_v) < 0.9 * v) new_v += divisor;
  return new_v;
}

nn::Sequential Conv2dNormActivation(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                    const ConvNormActivationOptions& options) {
  const int64_t padding = (kernel_size - 1) / 2 * options.dilation;
  nn::Sequential layers;
  layers.append(nn::Conv2d(in_channels, out_channels, kernel_size,
                           {.stride = options.stride,
                            .padding = padding,
                            .dilation = options.dilation,
                            .groups = options.groups,
                            .bias = false}));
  layers.append(nn::BatchNorm2d(out_channels, {.eps = options.bn_eps}));
  if (auto act = MakeActivation(options.activation)) layers.append(std::move(act));
  return layers;
}

SqueezeExcitation::SqueezeExcitation(int64_t input_channels, int64_t squeeze_channels,
                                     Activation activation, Activation scale_activation)
    : Module("SqueezeExcitation") {
  avgpool_ = &add("avgpool", nn::AdaptiveAvgPool2d(1));
  fc1_ = &add("fc1", nn::Conv2d(input_channels, squeeze_channels, 1));
  fc2_ = &add("fc2", nn::Conv2d(squeeze_channels, input_channels, 1));
  activation_ = &add_module("activation", ActivationOrIdentity(activation));
  scale_activation_ = &add_module("scale_activation", ActivationOrIdentity(scale_activation));
}

nn::Var SqueezeExcitation::forward(nn::Var x) {
  nn::Var scale = (*avgpool_)(x);
  scale = (*fc1_)(scale);
  scale = (*activation_)(scale);
  scale = (*fc2_)(scale);
  scale = (*scale_activation_)(scale);
  return scale * x;
}

int64_t CheckpointDim(const Checkpoint& checkpoint, const std::string& key, int64_t dim,
                      int64_t fallback) {
  for (const NamedTensor& nt : checkpoint.tensors) {
    if (nt.name != key) continue;
    if (dim >= nt.tensor.rank() || nt.tensor.shape()[dim] <= 0) return fallback;
    return nt.tensor.shape()[dim];
  }
  return fallback;
}

}  // namespace pt2tf::zoo
