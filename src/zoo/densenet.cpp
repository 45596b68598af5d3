// torchvision 0.29 DenseNet (torchvision/models/densenet.py): densenet121.
// BN-ReLU-Conv ordering; every dense layer sees the concatenation of all earlier outputs.
#include <string>
#include <vector>

#include "nn/nn.h"
#include "zoo/families.h"
#include "zoo/spec.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;

class DenseLayer : public nn::Module {
 public:
  DenseLayer(int64_t num_input_features, int64_t growth_rate, int64_t bn_size)
      : Module("_DenseLayer"),
        norm1(add("norm1", nn::BatchNorm2d(num_input_features))),
        relu1(add("relu1", nn::ReLU(true))),
        conv1(add("conv1", nn::Conv2d(num_input_features, bn_size * growth_rate, 1,
                                      {.stride = 1, .bias = false}))),
        norm2(add("norm2", nn::BatchNorm2d(bn_size * growth_rate))),
        relu2(add("relu2", nn::ReLU(true))),
        conv2(add("conv2", nn::Conv2d(bn_size * growth_rate, growth_rate, 3,
                                      {.stride = 1, .padding = 1, .bias = false}))) {}

  // torch's forward(list of tensors): bn_function(cat(inputs, 1)) then the 3x3 conv.
  Var forward(const std::vector<Var>& inputs) {
    nn::Builder::ScopeGuard scope(*inputs[0].builder, path());
    Var concated = inputs.size() == 1 ? inputs[0] : F::cat(inputs, 1);
    Var bottleneck_output = conv1(relu1(norm1(concated)));
    return conv2(relu2(norm2(bottleneck_output)));
  }
  Var forward(Var x) override { return forward(std::vector<Var>{x}); }

  nn::BatchNorm2d& norm1;
  nn::ReLU& relu1;
  nn::Conv2d& conv1;
  nn::BatchNorm2d& norm2;
  nn::ReLU& relu2;
  nn::Conv2d& conv2;
};

// An nn.ModuleDict of "denselayer1", "denselayer2", ...
class DenseBlock : public nn::Module {
 public:
  DenseBlock(int num_layers, int64_t num_input_features, int64_t bn_size, int64_t growth_rate)
      : Module("_DenseBlock") {
    for (int i = 0; i < num_layers; ++i)
      layers_.push_back(
          &add("denselayer" + std::to_string(i + 1),
               DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size)));
  }

  Var forward(Var init_features) override {
    std::vector<Var> features = {init_features};
    for (DenseLayer* layer : layers_) features.push_back(layer->forward(features));
    return F::cat(features, 1);
  }

 private:
  std::vector<DenseLayer*> layers_;
};

// _Transition is an nn.Sequential with named children.
nn::Sequential Transition(int64_t num_input_features, int64_t num_output_features) {
  nn::Sequential t;
  t.append("norm", nn::BatchNorm2d(num_input_features));
  t.append("relu", nn::ReLU(true));
  t.append("conv",
           nn::Conv2d(num_input_features, num_output_features, 1, {.stride = 1, .bias = false}));
  t.append("pool", nn::AvgPool2d(2, 2));
  return t;
}

class DenseNet : public nn::Module {
 public:
  DenseNet(int64_t growth_rate, std::vector<int> block_config, int64_t num_init_features,
           int64_t bn_size = 4, int64_t num_classes = 1000)
      : Module("DenseNet"),
        features(add("features", Features(growth_rate, block_config, num_init_features, bn_size,
                                          &num_features_))),
        classifier(add("classifier", nn::Linear(num_features_, num_classes))) {}

  Var forward(Var x) override {
    Var out = F::relu(features(x));
    out = F::adaptive_avg_pool2d(out, 1);
    out = F::flatten(out, 1);
    return classifier(out);
  }

 private:
  int64_t num_features_ = 0;  // declared first: Features() sets it before classifier is built

  static nn::Sequential Features(int64_t growth_rate, const std::vector<int>& block_config,
                                 int64_t num_init_features, int64_t bn_size,
                                 int64_t* num_features_out) {
    nn::Sequential f;
    f.append("conv0",
             nn::Conv2d(3, num_init_features, 7, {.stride = 2, .padding = 3, .bias = false}));
    f.append("norm0", nn::BatchNorm2d(num_init_features));
    f.append("relu0", nn::ReLU(true));
    f.append("pool0", nn::MaxPool2d(3, 2, 1));
    int64_t num_features = num_init_features;
    for (size_t i = 0; i < block_config.size(); ++i) {
      const int num_layers = block_config[i];
      f.append("denseblock" + std::to_string(i + 1),
               DenseBlock(num_layers, num_features, bn_size, growth_rate));
      num_features += num_layers * growth_rate;
      if (i != block_config.size() - 1) {
        f.append("transition" + std::to_string(i + 1), Transition(num_features, num_features / 2));
        num_features /= 2;
      }
    }
    f.append("norm5", nn::BatchNorm2d(num_features));
    *num_features_out = num_features;
    return f;
  }

 public:
  nn::Sequential& features;
  nn::Linear& classifier;
};

}  // namespace

void RegisterDenseNet(ModelRegistry& registry) {
  registry.Add(MakeSpec("densenet121", "torchvision 0.29", {1, 3, 224, 224},
                        CheckpointModuleFactory([](const Checkpoint* c) {
                          return std::make_unique<DenseNet>(
                              32, std::vector<int>{6, 12, 24, 16}, 64, 4,
                              TensorDim(c, "classifier.weight", 0, 1000));
                        })));
}

// densenet121 is the one with (6, 12, 24, 16) dense layers per block and growth rate 32.
Result<std::string> DetectDenseNet(const Checkpoint& checkpoint) {
  std::vector<int> counts;
  for (int b = 1; b <= 4; ++b) {
    int n = 0;
    while (FindModule(checkpoint, "features.denseblock" + std::to_string(b) + ".denselayer" +
                                      std::to_string(n + 1)))
      ++n;
    counts.push_back(n);
  }
  const ModuleInfo* conv2 = FindModule(checkpoint, "features.denseblock1.denselayer1.conv2");
  const int64_t growth = conv2 ? IntAttribute(*conv2, "out_channels", -1) : -1;
  if (counts == std::vector<int>{6, 12, 24, 16} && growth == 32) return std::string("densenet121");
  return Unsupported("dense blocks of " + std::to_string(counts[0]) + "/" +
                     std::to_string(counts[1]) + "/" + std::to_string(counts[2]) + "/" +
                     std::to_string(counts[3]) + " layers (growth rate " + std::to_string(growth) +
                     ") are not densenet121");
}

}  // namespace pt2tf::zoo
