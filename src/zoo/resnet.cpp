// torchvision 0.29 ResNet (torchvision/models/resnet.py): resnet18/34/50/101/152.
// Same module tree and state_dict names; the default groups=1, width_per_group=64, no
// dilation.
#include <array>

#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

// conv3x3 / conv1x1 helpers of resnet.py.
nn::Conv2d Conv3x3(int64_t in, int64_t out, int64_t stride = 1) {
  return nn::Conv2d(in, out, 3, {.stride = stride, .padding = 1, .bias = false});
}
nn::Conv2d Conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
  return nn::Conv2d(in, out, 1, {.stride = stride, .bias = false});
}

class BasicBlock : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 1;
  BasicBlock(int64_t inplanes, int64_t planes, int64_t stride,
             std::optional<nn::Sequential> downsample)
      : Module("BasicBlock"),
        conv1(add("conv1", Conv3x3(inplanes, planes, stride))),
        bn1(add("bn1", nn::BatchNorm2d(planes))),
        relu(add("relu", nn::ReLU(true))),
        conv2(add("conv2", Conv3x3(planes, planes))),
        bn2(add("bn2", nn::BatchNorm2d(planes))),
        downsample(downsample ? &add("downsample", std::move(*downsample)) : nullptr) {}

  Var forward(Var x) override {
    Var identity = x;
    Var out = relu(bn1(conv1(x)));
    out = bn2(conv2(out));
    if (downsample) identity = (*downsample)(x);
    return relu(out + identity);
  }

  nn::Conv2d& conv1;
  nn::BatchNorm2d& bn1;
  nn::ReLU& relu;
  nn::Conv2d& conv2;
  nn::BatchNorm2d& bn2;
  nn::Sequential* downsample;
};

class Bottleneck : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 4;
  Bottleneck(int64_t inplanes, int64_t planes, int64_t stride,
             std::optional<nn::Sequential> downsample)
      : Module("Bottleneck"),
        conv1(add("conv1", Conv1x1(inplanes, planes))),
        bn1(add("bn1", nn::BatchNorm2d(planes))),
        conv2(add("conv2", Conv3x3(planes, planes, stride))),
        bn2(add("bn2", nn::BatchNorm2d(planes))),
        conv3(add("conv3", Conv1x1(planes, planes * kExpansion))),
        bn3(add("bn3", nn::BatchNorm2d(planes * kExpansion))),
        relu(add("relu", nn::ReLU(true))),
        downsample(downsample ? &add("downsample", std::move(*downsample)) : nullptr) {}

  Var forward(Var x) override {
    Var identity = x;
    Var out = relu(bn1(conv1(x)));
    out = relu(bn2(conv2(out)));
    out = bn3(conv3(out));
    if (downsample) identity = (*downsample)(x);
    return relu(out + identity);
  }

  nn::Conv2d& conv1;
  nn::BatchNorm2d& bn1;
  nn::Conv2d& conv2;
  nn::BatchNorm2d& bn2;
  nn::Conv2d& conv3;
  nn::BatchNorm2d& bn3;
  nn::ReLU& relu;
  nn::Sequential* downsample;
};

template <typename Block>
class ResNet : public nn::Module {
 public:
  explicit ResNet(std::array<int, 4> layers, int64_t num_classes = 1000)
      : Module("ResNet"),
        inplanes_(64),
        conv1(add("conv1", nn::Conv2d(3, 64, 7, {.stride = 2, .padding = 3, .bias = false}))),
        bn1(add("bn1", nn::BatchNorm2d(64))),
        relu(add("relu", nn::ReLU(true))),
        maxpool(add("maxpool", nn::MaxPool2d(3, 2, 1))),
        layer1(add("layer1", make_layer(64, layers[0]))),
        layer2(add("layer2", make_layer(128, layers[1], 2))),
        layer3(add("layer3", make_layer(256, layers[2], 2))),
        layer4(add("layer4", make_layer(512, layers[3], 2))),
        avgpool(add("avgpool", nn::AdaptiveAvgPool2d(1))),
        fc(add("fc", nn::Linear(512 * Block::kExpansion, num_classes))) {}

  Var forward(Var x) override {
    x = maxpool(relu(bn1(conv1(x))));
    x = layer4(layer3(layer2(layer1(x))));
    x = F::flatten(avgpool(x), 1);
    return fc(x);
  }

 private:
  int64_t inplanes_;  // make_layer's running state; declared first so it is set first

 public:
  nn::Conv2d& conv1;
  nn::BatchNorm2d& bn1;
  nn::ReLU& relu;
  nn::MaxPool2d& maxpool;
  nn::Sequential& layer1;
  nn::Sequential& layer2;
  nn::Sequential& layer3;
  nn::Sequential& layer4;
  nn::AdaptiveAvgPool2d& avgpool;
  nn::Linear& fc;

 private:
  nn::Sequential make_layer(int64_t planes, int blocks, int64_t stride = 1) {
    std::optional<nn::Sequential> downsample;
    if (stride != 1 || inplanes_ != planes * Block::kExpansion)
      downsample.emplace(Conv1x1(inplanes_, planes * Block::kExpansion, stride),
                         nn::BatchNorm2d(planes * Block::kExpansion));
    nn::Sequential layers;
    layers.append(Block(inplanes_, planes, stride, std::move(downsample)));
    inplanes_ = planes * Block::kExpansion;
    for (int i = 1; i < blocks; ++i) layers.append(Block(inplanes_, planes, 1, std::nullopt));
    return layers;
  }
};

struct Variant {
  const char* name;
  bool bottleneck;
  std::array<int, 4> layers;
};
constexpr Variant kVariants[] = {
    {"resnet18", false, {2, 2, 2, 2}},  {"resnet34", false, {3, 4, 6, 3}},
    {"resnet50", true, {3, 4, 6, 3}},   {"resnet101", true, {3, 4, 23, 3}},
    {"resnet152", true, {3, 8, 36, 3}},
};

}  // namespace

void RegisterResNet(ModelRegistry& registry) {
  for (const Variant& v : kVariants) {
    CheckpointModuleFactory make = [v](const Checkpoint* c) -> std::unique_ptr<nn::Module> {
      const int64_t num_classes = TensorDim(c, "fc.weight", 0, 1000);
      if (v.bottleneck) return std::make_unique<ResNet<Bottleneck>>(v.layers, num_classes);
      return std::make_unique<ResNet<BasicBlock>>(v.layers, num_classes);
    };
    registry.Add(MakeSpec(v.name, "torchvision 0.29", {1, 3, 224, 224}, make));
  }
}

// The depth from the module tree: block class of layer1.0 and the blocks per layer.
Result<std::string> DetectResNet(const Checkpoint& checkpoint) {
  const ModuleInfo* first = FindModule(checkpoint, "layer1.0");
  if (!first) return InvalidInput("module tree has no layer1.0");
  const bool bottleneck = first->class_name == "Bottleneck";
  if (!bottleneck && first->class_name != "BasicBlock")
    return Unsupported("blocks of class " + first->class_name + " (expected BasicBlock or " +
                       "Bottleneck)");
  if (bottleneck) {  // resnext / wide_resnet widen or group conv2
    const ModuleInfo* conv2 = FindModule(checkpoint, "layer1.0.conv2");
    if (conv2 &&
        (IntAttribute(*conv2, "groups", 1) != 1 || IntAttribute(*conv2, "out_channels", 64) != 64))
      return Unsupported("grouped or widened bottlenecks (ResNeXt / Wide ResNet) are not built");
  }
  std::array<int, 4> counts{};
  for (int i = 0; i < 4; ++i)
    counts[i] = CountNumberedChildren(checkpoint, "layer" + std::to_string(i + 1));
  for (const Variant& v : kVariants)
    if (v.bottleneck == bottleneck && v.layers == counts) return std::string(v.name);
  return Unsupported(std::string(bottleneck ? "Bottleneck" : "BasicBlock") + " layers of " +
                     std::to_string(counts[0]) + "/" + std::to_string(counts[1]) + "/" +
                     std::to_string(counts[2]) + "/" + std::to_string(counts[3]) +
                     " blocks match no resnet18/34/50/101/152");
}

}  // namespace pt2tf::zoo
