// torchvision 0.29 MobileNetV3 (torchvision/models/mobilenetv3.py): `mobilenet_v3_large` and
// `mobilenet_v3_small` with their defaults (width_mult 1.0, no reduced tail, no dilation,
// BatchNorm2d eps 0.001). num_classes follows the checkpoint's classifier.3.weight.
#include <vector>

#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"
#include "zoo/torchvision_ops.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

constexpr double kBnEps = 0.001;

// InvertedResidualConfig after adjust_channels (width_mult 1.0 leaves the table's multiples
// of 8 as they are).
struct BlockConfig {
  int64_t input_channels, kernel, expanded_channels, out_channels;
  bool use_se;
  bool use_hs;  // "HS" (Hardswish) rather than "RE" (ReLU)
  int64_t stride;
  int64_t dilation;
};

class InvertedResidual : public nn::Module {
 public:
  explicit InvertedResidual(const BlockConfig& cnf)
      : Module("InvertedResidual"),
        use_res_connect_(cnf.stride == 1 && cnf.input_channels == cnf.out_channels) {
    const Activation activation = cnf.use_hs ? Activation::kHardswish : Activation::kReLU;
    nn::Sequential layers;
    if (cnf.expanded_channels != cnf.input_channels)  // expand
      layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels, 1,
                                         {.bn_eps = kBnEps, .activation = activation}));
    // depthwise
    layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.expanded_channels, cnf.kernel,
                                       {.stride = cnf.dilation > 1 ? 1 : cnf.stride,
                                        .groups = cnf.expanded_channels,
                                        .dilation = cnf.dilation,
                                        .bn_eps = kBnEps,
                                        .activation = activation}));
    if (cnf.use_se) {
      const int64_t squeeze_channels = MakeDivisible(cnf.expanded_channels / 4, 8);
      layers.append(SqueezeExcitation(cnf.expanded_channels, squeeze_channels, Activation::kReLU,
                                      Activation::kHardsigmoid));
    }
    // project
    layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels, 1,
                                       {.bn_eps = kBnEps, .activation = Activation::kNone}));
    block_ = &add("block", std::move(layers));
  }

  Var forward(Var x) override {
    Var result = (*block_)(x);
    return use_res_connect_ ? result + x : result;
  }

 private:
  bool use_res_connect_;
  nn::Sequential* block_;
};

struct Variant {
  const char* name;
  std::vector<BlockConfig> blocks;
  int64_t last_channel;
};

// _mobilenet_v3_conf's tables: (input, kernel, expanded, out, use_se, activation, stride,
// dilation).
const std::vector<Variant>& Variants() {
  static const std::vector<Variant> variants = {
      {"mobilenet_v3_large",
       {
           {16, 3, 16, 16, false, false, 1, 1},
           {16, 3, 64, 24, false, false, 2, 1},
           {24, 3, 72, 24, false, false, 1, 1},
           {24, 5, 72, 40, true, false, 2, 1},
           {40, 5, 120, 40, true, false, 1, 1},
           {40, 5, 120, 40, true, false, 1, 1},
           {40, 3, 240, 80, false, true, 2, 1},
           {80, 3, 200, 80, false, true, 1, 1},
           {80, 3, 184, 80, false, true, 1, 1},
           {80, 3, 184, 80, false, true, 1, 1},
           {80, 3, 480, 112, true, true, 1, 1},
           {112, 3, 672, 112, true, true, 1, 1},
           {112, 5, 672, 160, true, true, 2, 1},
           {160, 5, 960, 160, true, true, 1, 1},
           {160, 5, 960, 160, true, true, 1, 1},
       },
       1280},
      {"mobilenet_v3_small",
       {
           {16, 3, 16, 16, true, false, 2, 1},
           {16, 3, 72, 24, false, false, 2, 1},
           {24, 3, 88, 24, false, false, 1, 1},
           {24, 5, 96, 40, true, true, 2, 1},
           {40, 5, 240, 40, true, true, 1, 1},
           {40, 5, 240, 40, true, true, 1, 1},
           {40, 5, 120, 48, true, true, 1, 1},
           {48, 5, 144, 48, true, true, 1, 1},
           {48, 5, 288, 96, true, true, 2, 1},
           {96, 5, 576, 96, true, true, 1, 1},
           {96, 5, 576, 96, true, true, 1, 1},
       },
       1024},
  };
  return variants;
}

class MobileNetV3 : public nn::Module {
 public:
  MobileNetV3(const Variant& v, int64_t num_classes) : Module("MobileNetV3") {
    nn::Sequential layers;
    const int64_t firstconv_output_channels = v.blocks.front().input_channels;
    layers.append(Conv2dNormActivation(
        3, firstconv_output_channels, 3,
        {.stride = 2, .bn_eps = kBnEps, .activation = Activation::kHardswish}));
    for (const BlockConfig& cnf : v.blocks) layers.append(InvertedResidual(cnf));
    const int64_t lastconv_input_channels = v.blocks.back().out_channels;
    const int64_t lastconv_output_channels = 6 * lastconv_input_channels;
    layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels, 1,
                                       {.bn_eps = kBnEps, .activation = Activation::kHardswish}));
    features_ = &add("features", std::move(layers));
    avgpool_ = &add("avgpool", nn::AdaptiveAvgPool2d(1));
    classifier_ =
        &add("classifier", nn::Sequential(nn::Linear(lastconv_output_channels, v.last_channel),
                                          nn::Hardswish(true), nn::Dropout(0.2, true),
                                          nn::Linear(v.last_channel, num_classes)));
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

const ir::Dims kDefaultInput = {1, 3, 224, 224};

}  // namespace

void RegisterMobileNetV3(ModelRegistry& registry) {
  for (const Variant& v : Variants()) {
    registry.Add(MakeSpec(v.name, "torchvision 0.29", kDefaultInput, [&v](const Checkpoint* c) {
      return std::make_unique<MobileNetV3>(v, CheckpointDim(c, "classifier.3.weight", 0, 1000));
    }));
  }
}

// Large or small by the number of blocks; the default width (16-channel stem, no reduced
// tail: the last block's width as the table has it).
Result<std::string> DetectMobileNetV3(const Checkpoint& checkpoint) {
  const int features = CountNumberedChildren(checkpoint, "features");
  const ModuleInfo* stem = FindModule(checkpoint, "features.0.0");
  const int64_t stem_channels = stem ? IntAttribute(*stem, "out_channels", -1) : -1;
  for (const Variant& v : Variants()) {
    if (features != static_cast<int>(v.blocks.size()) + 2) continue;
    const ModuleInfo* last =
        FindModule(checkpoint, "features." + std::to_string(features - 1) + ".0");
    const int64_t last_in = last ? IntAttribute(*last, "in_channels", -1) : -1;
    if (stem_channels == v.blocks.front().input_channels && last_in == v.blocks.back().out_channels)
      return std::string(v.name);
  }
  return Unsupported("a MobileNetV3 with " + std::to_string(features) + " feature modules and a " +
                     std::to_string(stem_channels) +
                     "-channel stem is neither default mobilenet_v3_large (17, 16) nor "
                     "mobilenet_v3_small (13, 16) (width_mult 1.0, no reduced tail)");
}

}  // namespace pt2tf::zoo
