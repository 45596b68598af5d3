// torchvision 0.29 MobileNetV2 (torchvision/models/mobilenetv2.py): `mobilenet_v2` with its
// defaults (width_mult 1.0, round_nearest 8, BatchNorm2d eps 1e-5). num_classes follows the
// checkpoint's classifier.1.weight, as a model built with num_classes=N would have it.
#include <array>
#include <cmath>

#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"
#include "zoo/torchvision_ops.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

class InvertedResidual : public nn::Module {
 public:
  InvertedResidual(int64_t inp, int64_t oup, int64_t stride, int64_t expand_ratio)
      : Module("InvertedResidual"), use_res_connect_(stride == 1 && inp == oup) {
    const int64_t hidden_dim = inp * expand_ratio;
    nn::Sequential layers;
    if (expand_ratio != 1)  // pw
      layers.append(Conv2dNormActivation(inp, hidden_dim, 1, {.activation = Activation::kReLU6}));
    // dw
    layers.append(Conv2dNormActivation(
        hidden_dim, hidden_dim, 3,
        {.stride = stride, .groups = hidden_dim, .activation = Activation::kReLU6}));
    // pw-linear
    layers.append(nn::Conv2d(hidden_dim, oup, 1, {.bias = false}));
    layers.append(nn::BatchNorm2d(oup));
    conv_ = &add("conv", std::move(layers));
  }

  Var forward(Var x) override { return use_res_connect_ ? x + (*conv_)(x) : (*conv_)(x); }

 private:
  bool use_res_connect_;
  nn::Sequential* conv_;
};

struct Stage {
  int64_t t, c, n, s;  // expand ratio, output channels, repeats, first stride
};
constexpr std::array<Stage, 7> kInvertedResidualSetting = {{
    {1, 16, 1, 1},
    {6, 24, 2, 2},
    {6, 32, 3, 2},
    {6, 64, 4, 2},
    {6, 96, 3, 1},
    {6, 160, 3, 2},
    {6, 320, 1, 1},
}};
constexpr int64_t kInputChannel = 32;
constexpr int64_t kLastChannel = 1280;
constexpr int kFeatureCount = 19;  // stem + 17 blocks + last conv

class MobileNetV2 : public nn::Module {
 public:
  explicit MobileNetV2(int64_t num_classes) : Module("MobileNetV2") {
    int64_t input_channel = MakeDivisible(kInputChannel, 8);
    const int64_t last_channel = MakeDivisible(kLastChannel, 8);
    nn::Sequential features;
    features.append(
        Conv2dNormActivation(3, input_channel, 3, {.stride = 2, .activation = Activation::kReLU6}));
    for (const Stage& st : kInvertedResidualSetting) {
      const int64_t output_channel = MakeDivisible(static_cast<double>(st.c), 8);
      for (int64_t i = 0; i < st.n; ++i) {
        features.append(InvertedResidual(input_channel, output_channel, i == 0 ? st.s : 1, st.t));
        input_channel = output_channel;
      }
    }
    features.append(
        Conv2dNormActivation(input_channel, last_channel, 1, {.activation = Activation::kReLU6}));
    features_ = &add("features", std::move(features));
    classifier_ =
        &add("classifier", nn::Sequential(nn::Dropout(0.2), nn::Linear(last_channel, num_classes)));
  }

  Var forward(Var x) override {
    x = (*features_)(x);
    x = F::adaptive_avg_pool2d(x, 1);
    x = F::flatten(x, 1);
    return (*classifier_)(x);
  }

 private:
  nn::Sequential* features_;
  nn::Sequential* classifier_;
};

constexpr const char* kName = "mobilenet_v2";
const ir::Dims kDefaultInput = {1, 3, 224, 224};

}  // namespace

void RegisterMobileNetV2(ModelRegistry& registry) {
  registry.Add(MakeSpec(kName, "torchvision 0.29", kDefaultInput, [](const Checkpoint* c) {
    return std::make_unique<MobileNetV2>(CheckpointDim(c, "classifier.1.weight", 0, 1000));
  }));
}

// The default configuration only: 19 feature modules and a 32-channel stem (width_mult 1.0).
Result<std::string> DetectMobileNetV2(const Checkpoint& checkpoint) {
  const int features = CountNumberedChildren(checkpoint, "features");
  const ModuleInfo* stem = FindModule(checkpoint, "features.0.0");
  const int64_t stem_channels = stem ? IntAttribute(*stem, "out_channels", -1) : -1;
  if (features != kFeatureCount || stem_channels != kInputChannel)
    return Unsupported("a MobileNetV2 with " + std::to_string(features) +
                       " feature modules and a " + std::to_string(stem_channels) +
                       "-channel stem is not the default mobilenet_v2 (19 and 32: width_mult "
                       "1.0, the default inverted_residual_setting)");
  return std::string(kName);
}

}  // namespace pt2tf::zoo
