// torchvision 0.29 AlexNet (torchvision/models/alexnet.py).
#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

class AlexNet : public nn::Module {
 public:
  explicit AlexNet(int64_t num_classes = 1000)
      : Module("AlexNet"),
        features(add("features",
                     nn::Sequential(nn::Conv2d(3, 64, 11, {.stride = 4, .padding = 2}),
                                    nn::ReLU(true), nn::MaxPool2d(3, 2),
                                    nn::Conv2d(64, 192, 5, {.padding = 2}), nn::ReLU(true),
                                    nn::MaxPool2d(3, 2), nn::Conv2d(192, 384, 3, {.padding = 1}),
                                    nn::ReLU(true), nn::Conv2d(384, 256, 3, {.padding = 1}),
                                    nn::ReLU(true), nn::Conv2d(256, 256, 3, {.padding = 1}),
                                    nn::ReLU(true), nn::MaxPool2d(3, 2)))),
        avgpool(add("avgpool", nn::AdaptiveAvgPool2d({6, 6}))),
        classifier(
            add("classifier", nn::Sequential(nn::Dropout(), nn::Linear(256 * 6 * 6, 4096),
                                             nn::ReLU(true), nn::Dropout(), nn::Linear(4096, 4096),
                                             nn::ReLU(true), nn::Linear(4096, num_classes)))) {}

  Var forward(Var x) override { return classifier(F::flatten(avgpool(features(x)), 1)); }

  nn::Sequential& features;
  nn::AdaptiveAvgPool2d& avgpool;
  nn::Sequential& classifier;
};

}  // namespace

void RegisterAlexNet(ModelRegistry& registry) {
  registry.Add(MakeSpec("alexnet", "torchvision 0.29", {1, 3, 224, 224},
                        CheckpointModuleFactory([](const Checkpoint* c) {
                          return std::make_unique<AlexNet>(
                              TensorDim(c, "classifier.6.weight", 0, 1000));
                        })));
}

}  // namespace pt2tf::zoo
