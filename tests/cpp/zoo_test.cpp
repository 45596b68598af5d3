// The registry and the built-in families: every model builds (shape-only) at its default
// input, and (driven by tests/python/test_zoo.py) binds exactly torch's state_dict and yields
// torch's output shape; whole-module pickles pick their model, unknown names get suggestions.
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "pt2tf/zoo/registry.h"

namespace pt2tf::zoo {
namespace {

TEST(Registry, EveryModelBuildsShapeOnlyAtItsDefaultInput) {
  Checkpoint none;
  for (const ModelSpec& spec : Registry().models()) {
    SCOPED_TRACE(spec.name);
    auto built = spec.build(none, {.shape_only = true});
    ASSERT_TRUE(built.ok()) << built.status().message();
    const ir::Graph& g = *built->graph;
    ASSERT_EQ(g.outputs().size(), 1u);
    ASSERT_TRUE(g.outputs()[0]->shape.has_value());
    // Every node input is a graph input, an initializer or an earlier node's output.
    std::set<const ir::Value*> ready(g.inputs().begin(), g.inputs().end());
    for (const ir::Value* v : g.Initializers()) ready.insert(v);
    std::set<std::string> names;
    for (const auto& n : g.nodes()) {
      EXPECT_TRUE(names.insert(n->name).second) << "duplicate node name " << n->name;
      for (const ir::Value* in : n->inputs) EXPECT_TRUE(!in || ready.count(in)) << n->Describe();
      for (const ir::Value* out : n->outputs) ready.insert(out);
    }
  }
}

// PT2TF_ZOO_REFERENCE names a JSON file test_zoo.py writes from torch (models built on the
// meta device): {model: {"parameters": N, "output": [dims], "state_dict": {key: [dims]}}}.
// Each model's shape-only build must bind every state_dict entry (num_batches_tracked, which
// inference never reads, aside) under torch's name with torch's shape, and nothing else, and
// produce torch's output shape and parameter count. Skipped (not passed) without the file.
TEST(Registry, ShapeOnlyBuildsMatchTorch) {
  const char* path = std::getenv("PT2TF_ZOO_REFERENCE");
  if (!path) GTEST_SKIP() << "driven by tests/python/test_zoo.py";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const nlohmann::json reference = nlohmann::json::parse(in);
  ASSERT_EQ(reference.size(), Registry().models().size());
  Checkpoint none;
  for (const ModelSpec& spec : Registry().models()) {
    SCOPED_TRACE(spec.name);
    ASSERT_TRUE(reference.contains(spec.name));
    const nlohmann::json& want = reference.at(spec.name);
    auto built = spec.build(none, {.shape_only = true});
    ASSERT_TRUE(built.ok()) << built.status().message();
    const ir::Graph& g = *built->graph;
    EXPECT_EQ(*g.outputs()[0]->shape, want.at("output").get<ir::Dims>());
    EXPECT_EQ(built->parameter_count, want.at("parameters").get<int64_t>());
    std::map<std::string, ir::Dims> bound;
    for (const ir::Value* v : g.Initializers())
      if (v->shape) bound[v->name] = *v->shape;
    std::map<std::string, ir::Dims> expected;
    for (const auto& [key, dims] : want.at("state_dict").items())
      if (!key.ends_with("num_batches_tracked")) expected[key] = dims.get<ir::Dims>();
    for (const auto& [key, dims] : expected) {
      auto it = bound.find(key);
      if (it == bound.end()) {
        ADD_FAILURE() << key << " is not bound";
      } else {
        EXPECT_EQ(it->second, dims) << key;
      }
    }
    for (const auto& [name, dims] : bound)
      if (!expected.count(name) && name.find('/') == std::string::npos)  // not a builder constant
        ADD_FAILURE() << "bound " << name << ", which torch's state_dict does not have";
  }
}

TEST(Registry, BatchAndSizeOverride) {
  Checkpoint none;
  auto built = Registry()
                   .Find("resnet50")
                   ->build(none, {.input_shape = ir::Dims{4, 3, 160, 128}, .shape_only = true});
  ASSERT_TRUE(built.ok()) << built.status().message();
  EXPECT_EQ(*built->graph->outputs()[0]->shape, (ir::Dims{4, 1000}));
  // vgg's AdaptiveAvgPool2d((7, 7)) cannot take a 5x5 feature map (160 / 32).
  auto vgg = Registry().Find("vgg11")->build(
      none, {.input_shape = ir::Dims{1, 3, 160, 160}, .shape_only = true});
  ASSERT_FALSE(vgg.ok());
  EXPECT_EQ(vgg.status().message().rfind("avgpool: AdaptiveAvgPool2d to 7x7", 0), 0u)
      << vgg.status().message();
}

TEST(Registry, SuggestsNearNames) {
  auto s = Registry().Suggest("resnet19");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0], "resnet18");
  auto v = Registry().Suggest("vgg16bn");
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0], "vgg16_bn");
  EXPECT_TRUE(Registry().Suggest("transformer-xl").empty());
}

ModuleInfo Mod(std::string path, std::string module, std::string cls,
               nlohmann::ordered_json attrs = nlohmann::ordered_json::object()) {
  return ModuleInfo{std::move(path), std::move(module), std::move(cls), std::move(attrs)};
}

Checkpoint ResNetTree(const std::string& block, std::vector<int> counts) {
  Checkpoint c;
  c.path = "m.pth";
  c.modules.push_back(Mod("", "torchvision.models.resnet", "ResNet"));
  for (int l = 0; l < 4; ++l) {
    std::string layer = "layer" + std::to_string(l + 1);
    c.modules.push_back(Mod(layer, "torch.nn.modules.container", "Sequential"));
    for (int b = 0; b < counts[l]; ++b) {
      std::string p = layer + "." + std::to_string(b);
      c.modules.push_back(Mod(p, "torchvision.models.resnet", block));
      c.modules.push_back(Mod(p + ".conv2", "torch.nn.modules.conv", "Conv2d",
                              {{"out_channels", 64 << l}, {"groups", 1}}));
    }
  }
  return c;
}

TEST(Detect, PicksModelFromPickledClassAndTree) {
  EXPECT_EQ(DetectModel(ResNetTree("BasicBlock", {2, 2, 2, 2})).value(), "resnet18");
  EXPECT_EQ(DetectModel(ResNetTree("Bottleneck", {3, 4, 6, 3})).value(), "resnet50");
  EXPECT_EQ(DetectModel(ResNetTree("Bottleneck", {3, 8, 36, 3})).value(), "resnet152");
  auto odd = DetectModel(ResNetTree("BasicBlock", {1, 1, 1, 1}));
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("1/1/1/1"), std::string::npos);

  Checkpoint civil;
  civil.modules.push_back(Mod("", "__main__", "CivilNet"));
  EXPECT_EQ(DetectModel(civil).value(), "civilnet");

  Checkpoint unknown;
  unknown.path = "x.pth";
  unknown.modules.push_back(Mod("", "mylib.nets", "FancyNet"));
  auto u = DetectModel(unknown);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("mylib.nets.FancyNet"), std::string::npos);
  EXPECT_NE(u.status().message().find("resnet18"), std::string::npos);

  Checkpoint state_dict;
  EXPECT_FALSE(DetectModel(state_dict).ok());
}

// torchvision's VGG features as a pickle lists them: Conv2d(out_channels), [BatchNorm2d],
// ReLU per cfg entry, MaxPool2d per "M".
Checkpoint VggTree(const std::vector<int>& cfg, bool batch_norm) {
  Checkpoint c;
  c.modules.push_back(Mod("", "torchvision.models.vgg", "VGG"));
  c.modules.push_back(Mod("features", "torch.nn.modules.container", "Sequential"));
  int i = 0;
  auto add = [&](const std::string& cls, nlohmann::ordered_json attrs = {}) {
    c.modules.push_back(Mod("features." + std::to_string(i++), "torch.nn.modules.x", cls,
                            attrs.is_null() ? nlohmann::ordered_json::object() : attrs));
  };
  for (int v : cfg) {
    if (v == 0) {
      add("MaxPool2d");
      continue;
    }
    add("Conv2d", {{"out_channels", v}});
    if (batch_norm) add("BatchNorm2d");
    add("ReLU");
  }
  return c;
}

TEST(Detect, VggConfigurationFromFeatures) {
  const std::vector<int> a = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
  EXPECT_EQ(DetectModel(VggTree(a, false)).value(), "vgg11");
  EXPECT_EQ(DetectModel(VggTree(a, true)).value(), "vgg11_bn");
  std::vector<int> e = {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
                        512, 512, 512, 512, 0,   512, 512, 512, 512, 0};
  EXPECT_EQ(DetectModel(VggTree(e, true)).value(), "vgg19_bn");
  e[0] = 32;
  EXPECT_FALSE(DetectModel(VggTree(e, true)).ok());
}

}  // namespace
}  // namespace pt2tf::zoo
