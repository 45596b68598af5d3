// torchvision 0.29 EfficientNet V1 (torchvision/models/efficientnet.py): `efficientnet_b0` ...
// `efficientnet_b7`, torchvision's own module tree (features.N..., classifier.1), not
// efficientnet_pytorch's: symmetric padding (k - 1) / 2, SiLU, SqueezeExcitation with SiLU and
// sigmoid, stochastic depth (the identity in eval), BatchNorm2d eps 1e-5 for b0-b4 and 1e-3
// for b5-b7 (their builders pass norm_layer=partial(BatchNorm2d, eps=0.001)). num_classes
// follows the checkpoint's classifier.1.weight.
#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"
#include "zoo/torchvision_ops.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

// MBConvConfig after width and depth adjustment.
struct MBConvConfig {
  int64_t expand_ratio, kernel, stride, input_channels, out_channels, num_layers;
};

class MBConv : public nn::Module {
 public:
  MBConv(const MBConvConfig& cnf, double bn_eps)
      : Module("MBConv"),
        use_res_connect_(cnf.stride == 1 && cnf.input_channels == cnf.out_channels) {
    nn::Sequential layers;
    const int64_t expanded_channels =
        MakeDivisible(static_cast<double>(cnf.input_channels * cnf.expand_ratio), 8);
    if (expanded_channels != cnf.input_channels)  // expand
      layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels, 1,
                                         {.bn_eps = bn_eps, .activation = Activation::kSiLU}));
    // depthwise
    layers.append(Conv2dNormActivation(expanded_channels, expanded_channels, cnf.kernel,
                                       {.stride = cnf.stride,
                                        .groups = expanded_channels,
                                        .bn_eps = bn_eps,
                                        .activation = Activation::kSiLU}));
    // squeeze and excitation
    const int64_t squeeze_channels = std::max<int64_t>(1, cnf.input_channels / 4);
    layers.append(SqueezeExcitation(expanded_channels, squeeze_channels, Activation::kSiLU,
                                    Activation::kSigmoid));
    // project
    layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, 1,
                                       {.bn_eps = bn_eps, .activation = Activation::kNone}));
    block_ = &add("block", std::move(layers));
    // StochasticDepth: the identity in eval.
    stochastic_depth_ = &add("stochastic_depth", nn::Identity());
  }

  Var forward(Var x) override {
    Var result = (*block_)(x);
    if (!use_res_connect_) return result;
    return (*stochastic_depth_)(result) + x;
  }

 private:
  bool use_res_connect_;
  nn::Sequential* block_;
  nn::Identity* stochastic_depth_;
};

struct Variant {
  const char* name;
  double width_mult, depth_mult;
  double dropout;
  double bn_eps;
  int64_t resolution;  // the weights' crop size: the default input
};
constexpr Variant kVariants[] = {
    {"efficientnet_b0", 1.0, 1.0, 0.2, 1e-5, 224}, {"efficientnet_b1", 1.0, 1.1, 0.2, 1e-5, 240},
    {"efficientnet_b2", 1.1, 1.2, 0.3, 1e-5, 288}, {"efficientnet_b3", 1.2, 1.4, 0.3, 1e-5, 300},
    {"efficientnet_b4", 1.4, 1.8, 0.4, 1e-5, 380}, {"efficientnet_b5", 1.6, 2.2, 0.4, 1e-3, 456},
    {"efficientnet_b6", 1.8, 2.6, 0.5, 1e-3, 528}, {"efficientnet_b7", 2.0, 3.1, 0.5, 1e-3, 600},
};

// _efficientnet_conf's table for efficientnet_b*: (expand, kernel, stride, in, out, layers).
std::vector<MBConvConfig> InvertedResidualSetting(const Variant& v) {
  constexpr MBConvConfig kBase[] = {
      {1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},   {6, 5, 2, 24, 40, 2},   {6, 3, 2, 40, 80, 3},
      {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
  };
  std::vector<MBConvConfig> setting;
  for (MBConvConfig c : kBase) {
    c.input_channels = MakeDivisible(c.input_channels * v.width_mult, 8);
    c.out_channels = MakeDivisible(c.out_channels * v.width_mult, 8);
    c.num_layers = static_cast<int64_t>(std::ceil(c.num_layers * v.depth_mult));
    setting.push_back(c);
  }
  return setting;
}

class EfficientNet : public nn::Module {
 public:
  EfficientNet(const Variant& v, int64_t num_classes) : Module("EfficientNet") {
    const std::vector<MBConvConfig> setting = InvertedResidualSetting(v);
    nn::Sequential layers;
    layers.append(
        Conv2dNormActivation(3, setting.front().input_channels, 3,
                             {.stride = 2, .bn_eps = v.bn_eps, .activation = Activation::kSiLU}));
    for (const MBConvConfig& cnf : setting) {
      nn::Sequential stage;
      for (int64_t i = 0; i < cnf.num_layers; ++i) {
        MBConvConfig block_cnf = cnf;
        if (i > 0) {  // not the first conv of the stage
          block_cnf.input_channels = block_cnf.out_channels;
          block_cnf.stride = 1;
        }
        stage.append(MBConv(block_cnf, v.bn_eps));
      }
      layers.append(std::move(stage));
    }
    const int64_t lastconv_input_channels = setting.back().out_channels;
    const int64_t lastconv_output_channels = 4 * lastconv_input_channels;
    layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels, 1,
                                       {.bn_eps = v.bn_eps, .activation = Activation::kSiLU}));
    features_ = &add("features", std::move(layers));
    avgpool_ = &add("avgpool", nn::AdaptiveAvgPool2d(1));
    classifier_ =
        &add("classifier", nn::Sequential(nn::Dropout(v.dropout, true),
                                          nn::Linear(lastconv_output_channels, num_classes)));
  }

  Var forward(Var x) override {
    x = (*features_)(x);
    x = (*avgpool_)(x);
    x = F::flatten(x, 1);
    return (*classifier_)(x);
  }

 private:
  nn::Sequential* features_;
  nn::AdaptiveAvgPool2d* avgpool_;
  nn::Sequential* classifier_;
};

}  // namespace

void RegisterTorchvisionEfficientNet(ModelRegistry& registry) {
  for (const Variant& v : kVariants) {
    const ir::Dims default_input = {1, 3, v.resolution, v.resolution};
    registry.Add(MakeSpec(v.name, "torchvision 0.29", default_input, [&v](const Checkpoint* c) {
      return std::make_unique<EfficientNet>(v, CheckpointDim(c, "classifier.1.weight", 0, 1000));
    }));
  }
}

// The variant whose stem width, stage depths and head width the module tree has (b1 and b2
// differ only in width). BatchNorm eps comes
// from the variant (b0-b4 1e-5, b5-b7 1e-3), as torchvision's builders set it.
Result<std::string> DetectTorchvisionEfficientNet(const Checkpoint& checkpoint) {
  const ModuleInfo* stem = FindModule(checkpoint, "features.0.0");
  const int64_t stem_channels = stem ? IntAttribute(*stem, "out_channels", -1) : -1;
  const ModuleInfo* head = FindModule(checkpoint, "features.8.0");
  const int64_t head_in = head ? IntAttribute(*head, "in_channels", -1) : -1;
  std::vector<int> depths;
  for (int stage = 1; stage <= 7; ++stage)
    depths.push_back(CountNumberedChildren(checkpoint, "features." + std::to_string(stage)));
  for (const Variant& v : kVariants) {
    const std::vector<MBConvConfig> setting = InvertedResidualSetting(v);
    bool same = stem_channels == setting.front().input_channels &&
                head_in == setting.back().out_channels &&
                CountNumberedChildren(checkpoint, "features") == 9;
    for (size_t i = 0; same && i < setting.size(); ++i) same = depths[i] == setting[i].num_layers;
    if (same) return std::string(v.name);
  }
  std::string shape;
  for (int d : depths) shape += (shape.empty() ? "" : "/") + std::to_string(d);
  return Unsupported("an EfficientNet with a " + std::to_string(stem_channels) +
                     "-channel stem, stages of " + shape + " blocks and a " +
                     std::to_string(head_in) +
                     "-channel head matches none of efficientnet_b0 ... efficientnet_b7 (V2 and "
                     "custom settings are not built)");
}

}  // namespace pt2tf::zoo
