// torchvision 0.29 SqueezeNet (torchvision/models/squeezenet.py): squeezenet1_0, 1_1.
#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

class Fire : public nn::Module {
 public:
  Fire(int64_t inplanes, int64_t squeeze_planes, int64_t expand1x1_planes, int64_t expand3x3_planes)
      : Module("Fire"),
        squeeze(add("squeeze", nn::Conv2d(inplanes, squeeze_planes, 1))),
        squeeze_activation(add("squeeze_activation", nn::ReLU(true))),
        expand1x1(add("expand1x1", nn::Conv2d(squeeze_planes, expand1x1_planes, 1))),
        expand1x1_activation(add("expand1x1_activation", nn::ReLU(true))),
        expand3x3(
            add("expand3x3", nn::Conv2d(squeeze_planes, expand3x3_planes, 3, {.padding = 1}))),
        expand3x3_activation(add("expand3x3_activation", nn::ReLU(true))) {}

  Var forward(Var x) override {
    x = squeeze_activation(squeeze(x));
    return F::cat({expand1x1_activation(expand1x1(x)), expand3x3_activation(expand3x3(x))}, 1);
  }

  nn::Conv2d& squeeze;
  nn::ReLU& squeeze_activation;
  nn::Conv2d& expand1x1;
  nn::ReLU& expand1x1_activation;
  nn::Conv2d& expand3x3;
  nn::ReLU& expand3x3_activation;
};

nn::MaxPool2d CeilPool() { return nn::MaxPool2d(3, {.stride = 2, .ceil_mode = true}); }

nn::Sequential Features(bool v1_0) {
  if (v1_0)
    return nn::Sequential(nn::Conv2d(3, 96, 7, {.stride = 2}), nn::ReLU(true), CeilPool(),
                          Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128),
                          CeilPool(), Fire(256, 32, 128, 128), Fire(256, 48, 192, 192),
                          Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), CeilPool(),
                          Fire(512, 64, 256, 256));
  return nn::Sequential(nn::Conv2d(3, 64, 3, {.stride = 2}), nn::ReLU(true), CeilPool(),
                        Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), CeilPool(),
                        Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), CeilPool(),
                        Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
                        Fire(512, 64, 256, 256));
}

class SqueezeNet : public nn::Module {
 public:
  SqueezeNet(bool v1_0, int64_t num_classes = 1000)
      : Module("SqueezeNet"),
        features(add("features", Features(v1_0))),
        classifier(add("classifier", nn::Sequential(nn::Dropout(), nn::Conv2d(512, num_classes, 1),
                                                    nn::ReLU(true), nn::AdaptiveAvgPool2d(1)))) {}

  Var forward(Var x) override { return F::flatten(classifier(features(x)), 1); }

  nn::Sequential& features;
  nn::Sequential& classifier;
};

}  // namespace

void RegisterSqueezeNet(ModelRegistry& registry) {
  registry.Add(MakeSpec("squeezenet1_0", "torchvision 0.29", {1, 3, 224, 224},
                        CheckpointModuleFactory([](const Checkpoint* c) {
                          return std::make_unique<SqueezeNet>(
                              true, TensorDim(c, "classifier.1.weight", 0, 1000));
                        })));
  registry.Add(MakeSpec("squeezenet1_1", "torchvision 0.29", {1, 3, 224, 224},
                        CheckpointModuleFactory([](const Checkpoint* c) {
                          return std::make_unique<SqueezeNet>(
                              false, TensorDim(c, "classifier.1.weight", 0, 1000));
                        })));
}

// Version 1_0 starts with a 7x7 convolution, 1_1 with a 3x3 one.
Result<std::string> DetectSqueezeNet(const Checkpoint& checkpoint) {
  const ModuleInfo* conv = FindModule(checkpoint, "features.0");
  if (!conv || conv->class_name != "Conv2d") return InvalidInput("features.0 is not a Conv2d");
  const int64_t k = IntAttribute(*conv, "kernel_size", -1);
  if (k == 7) return std::string("squeezenet1_0");
  if (k == 3) return std::string("squeezenet1_1");
  return Unsupported("features.0 kernel_size " + std::to_string(k) +
                     " matches no squeezenet version");
}

}  // namespace pt2tf::zoo
