#include "nn/nn.h"
#include "zoo/spec.h"

namespace {

using namespace pt2tf;
namespace F = nn::F;

struct TinyNet : nn::Module {
  TinyNet() : Module("TinyNet") {}

  nn::Sequential& stem = add("stem", nn::Sequential(nn::Conv2d(3, 16, 3, {.padding = 1, .bias = false}),
                                                    nn::BatchNorm2d(16), nn::ReLU()));
  nn::Sequential& block = add("block", nn::Sequential(nn::Conv2d(16, 16, 3, {.padding = 1, .bias = false}),
                                                      nn::BatchNorm2d(16)));
  nn::AdaptiveAvgPool2d& pool = add("pool", nn::AdaptiveAvgPool2d(1));
  nn::Linear& fc = add("fc", nn::Linear(16, 10));

  nn::Var forward(nn::Var x) override {
    x = stem(x);
    x = F::relu(x + block(x));
    x = F::flatten(pool(x), 1);
    return fc(x);
  }
};

}  // namespace

void RegisterModel_tinynet(pt2tf::zoo::ModelRegistry& registry) {
  // name, where it comes from, default NCHW input shape, how to construct it
  registry.Add(pt2tf::zoo::MakeSpec("tinynet", "models/tinynet.cpp", {1, 3, 64, 64},
                                    [] { return std::make_unique<TinyNet>(); }));
}
