// torchvision 0.29 VGG (torchvision/models/vgg.py): vgg11/13/16/19 and their _bn forms.
#include <string_view>
#include <vector>

#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

constexpr int kM = 0;  // "M" in vgg.py's cfgs: a 2x2 max-pool

const std::vector<int>& Cfg(char letter) {
  static const std::vector<int> a = {64, kM, 128, kM, 256, 256, kM, 512, 512, kM, 512, 512, kM};
  static const std::vector<int> b = {64, 64,  kM,  128, 128, kM,  256, 256,
                                     kM, 512, 512, kM,  512, 512, kM};
  static const std::vector<int> d = {64, 64,  kM,  128, 128, kM,  256, 256, 256,
                                     kM, 512, 512, 512, kM,  512, 512, 512, kM};
  static const std::vector<int> e = {64,  64,  kM,  128, 128, kM,  256, 256, 256, 256, kM,
                                     512, 512, 512, 512, kM,  512, 512, 512, 512, kM};
  return letter == 'A' ? a : letter == 'B' ? b : letter == 'D' ? d : e;
}

// make_layers(cfg, batch_norm)
nn::Sequential MakeLayers(const std::vector<int>& cfg, bool batch_norm) {
  nn::Sequential layers;
  int64_t in_channels = 3;
  for (int v : cfg) {
    if (v == kM) {
      layers.append(nn::MaxPool2d(2, 2));
      continue;
    }
    layers.append(nn::Conv2d(in_channels, v, 3, {.padding = 1}));
    if (batch_norm) layers.append(nn::BatchNorm2d(v));
    layers.append(nn::ReLU(true));
    in_channels = v;
  }
  return layers;
}

class VGG : public nn::Module {
 public:
  VGG(nn::Sequential features_, int64_t num_classes = 1000)
      : Module("VGG"),
        features(add("features", std::move(features_))),
        avgpool(add("avgpool", nn::AdaptiveAvgPool2d({7, 7}))),
        classifier(
            add("classifier", nn::Sequential(nn::Linear(512 * 7 * 7, 4096), nn::ReLU(true),
                                             nn::Dropout(), nn::Linear(4096, 4096), nn::ReLU(true),
                                             nn::Dropout(), nn::Linear(4096, num_classes)))) {}

  Var forward(Var x) override { return classifier(F::flatten(avgpool(features(x)), 1)); }

  nn::Sequential& features;
  nn::AdaptiveAvgPool2d& avgpool;
  nn::Sequential& classifier;
};

struct Variant {
  const char* name;
  char cfg;
  bool batch_norm;
};
constexpr Variant kVariants[] = {
    {"vgg11", 'A', false}, {"vgg11_bn", 'A', true}, {"vgg13", 'B', false}, {"vgg13_bn", 'B', true},
    {"vgg16", 'D', false}, {"vgg16_bn", 'D', true}, {"vgg19", 'E', false}, {"vgg19_bn", 'E', true},
};

}  // namespace

void RegisterVgg(ModelRegistry& registry) {
  for (const Variant& v : kVariants) {
    CheckpointModuleFactory make = [v](const Checkpoint* c) -> std::unique_ptr<nn::Module> {
      return std::make_unique<VGG>(MakeLayers(Cfg(v.cfg), v.batch_norm),
                                   TensorDim(c, "classifier.6.weight", 0, 1000));
    };
    registry.Add(MakeSpec(v.name, "torchvision 0.29", {1, 3, 224, 224}, make));
  }
}

// Reads the cfg back from the features Sequential: conv widths, "M" pools, BatchNorms.
Result<std::string> DetectVgg(const Checkpoint& checkpoint) {
  std::vector<int> cfg;
  bool batch_norm = false;
  const int n = CountNumberedChildren(checkpoint, "features");
  for (int i = 0; i < n; ++i) {
    const ModuleInfo* m = FindModule(checkpoint, "features." + std::to_string(i));
    if (m->class_name == "MaxPool2d") cfg.push_back(kM);
    if (m->class_name == "BatchNorm2d") batch_norm = true;
    if (m->class_name == "Conv2d")
      cfg.push_back(static_cast<int>(IntAttribute(*m, "out_channels", -1)));
  }
  for (const Variant& v : kVariants)
    if (v.batch_norm == batch_norm && Cfg(v.cfg) == cfg) return std::string(v.name);
  return Unsupported("its features (" + std::to_string(n) +
                     " layers) match no vgg11/13/16/19 configuration");
}

}  // namespace pt2tf::zoo
