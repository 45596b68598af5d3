// Building blocks torchvision's MobileNet and EfficientNet share (torchvision/ops/misc.py and
// torchvision/models/_utils.py): Conv2dNormActivation, SqueezeExcitation, _make_divisible.
// Same module trees and state_dict names as torchvision 0.29.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "nn/nn.h"
#include "pt2tf/io/checkpoint.h"

namespace pt2tf::zoo {

// The activation modules the blocks take as `activation_layer` / `scale_activation`.
enum class Activation { kNone, kReLU, kReLU6, kSiLU, kHardswish, kSigmoid, kHardsigmoid };

// A fresh module computing `activation`; nullptr for kNone.
std::unique_ptr<nn::Module> MakeActivation(Activation activation);

// _make_divisible(v, divisor, min_value): v rounded to the nearest multiple of `divisor`, at
// least `min_value` (default: divisor), and never below 90% of v.
int64_t MakeDivisible(double v, int64_t divisor, std::optional<int64_t> min_value = {});

// Conv2dNormActivation's keyword arguments (padding is always torch's default
// (kernel - 1) / 2 * dilation; norm_layer is BatchNorm2d with `bn_eps`).
struct ConvNormActivationOptions {
  int64_t stride = 1;
  int64_t groups = 1;
  int64_t dilation = 1;
  double bn_eps = 1e-5;
  Activation activation = Activation::kReLU;
};

// Conv2dNormActivation: Sequential(Conv2d(bias=False), BatchNorm2d[, activation]), children
// "0", "1", "2".
nn::Sequential Conv2dNormActivation(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                    const ConvNormActivationOptions& options = {});

// SqueezeExcitation: scale = scale_activation(fc2(activation(fc1(avgpool(x))))); x * scale.
class SqueezeExcitation : public nn::Module {
 public:
  SqueezeExcitation(int64_t input_channels, int64_t squeeze_channels,
                    Activation activation = Activation::kReLU,
                    Activation scale_activation = Activation::kSigmoid);
  nn::Var forward(nn::Var x) override;

 private:
  nn::Module* avgpool_;
  nn::Module* fc1_;
  nn::Module* fc2_;
  nn::Module* activation_;
  nn::Module* scale_activation_;
};

// Dimension `dim` of checkpoint tensor `key`, or `fallback` when the tensor is absent or has
// no such dimension. Used to size classifier heads as the checkpoint was trained
// (num_classes=...), so fine-tuned state dicts bind.
int64_t CheckpointDim(const Checkpoint& checkpoint, const std::string& key, int64_t dim,
                      int64_t fallback);

}  // namespace pt2tf::zoo
