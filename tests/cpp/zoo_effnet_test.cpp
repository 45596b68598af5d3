// EfficientNet / MobileNet families: efficientnet_pytorch's static TF-SAME padding rule, the
// whole-model detectors on hand-made module trees, and hostile pickled configurations.
// Numerics against PyTorch live in tests/python/test_zoo_effnet.py.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pt2tf/zoo/registry.h"

namespace pt2tf::zoo {
namespace {

using Json = nlohmann::ordered_json;

Result<BuildResult> BuildShapeOnly(const std::string& name, std::optional<ir::Dims> shape = {}) {
  const ModelSpec* spec = Registry().Find(name);
  if (!spec) return InvalidInput("no model " + name);
  Checkpoint none;
  return spec->build(none, {.input_shape = shape, .shape_only = true});
}

// The (top, left, bottom, right) pads of the Pad node named `name`.
std::vector<int64_t> PadsOf(const ir::Graph& g, const std::string& name) {
  for (const auto& n : g.nodes()) {
    if (n->name != name || n->op_type != "Pad") continue;
    const Tensor& pads = *n->inputs[1]->constant;
    return {pads.ElementAsInt(2), pads.ElementAsInt(3), pads.ElementAsInt(6), pads.ElementAsInt(7)};
  }
  return {};
}

TEST(EfficientNetPytorch, StaticSamePaddingFollowsTheImageSize) {
  // efficientnet-b3's third stage starts with a 5x5 stride-2 depthwise conv (block 5). At the
  // nominal 300 px it sees 75 px: SAME needs 4 pixels, 2 + 2. At 320 px it sees 80 px: 3
  // pixels, the odd one bottom/right.
  auto nominal = BuildShapeOnly("efficientnet-b3");
  ASSERT_TRUE(nominal.ok()) << nominal.status().message();
  EXPECT_EQ(nominal->graph->inputs()[0]->shape, (ir::Dims{1, 3, 300, 300}));
  EXPECT_EQ(PadsOf(*nominal->graph, "_blocks.5._depthwise_conv.static_padding"),
            (std::vector<int64_t>{2, 2, 2, 2}));
  // The stem: 3x3 stride 2 on an even size pads one pixel, bottom/right only.
  EXPECT_EQ(PadsOf(*nominal->graph, "_conv_stem.static_padding"),
            (std::vector<int64_t>{0, 0, 1, 1}));

  auto wide = BuildShapeOnly("efficientnet-b3", ir::Dims{1, 3, 320, 320});
  ASSERT_TRUE(wide.ok()) << wide.status().message();
  EXPECT_EQ(PadsOf(*wide->graph, "_blocks.5._depthwise_conv.static_padding"),
            (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(*wide->graph->outputs()[0]->shape, (ir::Dims{1, 1000}));

  // Non-square: height and width are padded independently (80 px high, 75 px wide).
  auto odd = BuildShapeOnly("efficientnet-b3", ir::Dims{2, 3, 320, 300});
  ASSERT_TRUE(odd.ok()) << odd.status().message();
  EXPECT_EQ(PadsOf(*odd->graph, "_blocks.5._depthwise_conv.static_padding"),
            (std::vector<int64_t>{1, 2, 2, 2}));
  EXPECT_EQ(*odd->graph->outputs()[0]->shape, (ir::Dims{2, 1000}));
}

TEST(EfficientNetPytorch, OneByOneConvolutionsAreNotPadded) {
  auto built = BuildShapeOnly("efficientnet-b0");
  ASSERT_TRUE(built.ok()) << built.status().message();
  int pads = 0;
  for (const auto& n : built->graph->nodes()) pads += n->op_type == "Pad";
  EXPECT_EQ(pads, 17);  // the stem and the 16 depthwise convolutions
}

TEST(EfficientNetPytorch, InputShapeMustBeNchw) {
  auto built = BuildShapeOnly("efficientnet-b0", ir::Dims{1, 3, 224});
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("NCHW"), std::string::npos);
}

Json GlobalParams(Json width, Json depth, Json image_size) {
  return {{"class", "efficientnet_pytorch.utils.GlobalParams"},
          {"args", {width, depth, image_size, 0.3, 1000, 0.99, 0.001, 0.2, 8, nullptr, true}}};
}

Json BlockArgs(int repeat, int kernel, int stride, int expand, int in, int out) {
  return {{"class", "efficientnet_pytorch.utils.BlockArgs"},
          {"args", {repeat, kernel, Json::array({stride}), expand, in, out, 0.25, true}}};
}

Checkpoint EfficientNetPickle(Json global_params, Json blocks_args) {
  Checkpoint c;
  c.path = "e.pth";
  Json attrs = {{"_global_params", std::move(global_params)},
                {"_blocks_args", std::move(blocks_args)}};
  c.modules.push_back({"", "efficientnet_pytorch.model", "EfficientNet", attrs});
  return c;
}

Json DefaultBlocks() {
  return Json::array({BlockArgs(1, 3, 1, 1, 32, 16), BlockArgs(2, 3, 2, 6, 16, 24),
                      BlockArgs(2, 5, 2, 6, 24, 40), BlockArgs(3, 3, 2, 6, 40, 80),
                      BlockArgs(3, 5, 1, 6, 80, 112), BlockArgs(4, 5, 2, 6, 112, 192),
                      BlockArgs(1, 3, 1, 6, 192, 320)});
}

TEST(EfficientNetPytorch, DetectsTheVariantFromPickledGlobalParams) {
  EXPECT_EQ(DetectModel(EfficientNetPickle(GlobalParams(1.2, 1.4, 300), DefaultBlocks())).value(),
            "efficientnet-b3");
  EXPECT_EQ(DetectModel(EfficientNetPickle(GlobalParams(2.0, 3.1, Json::array({600, 500})),
                                           DefaultBlocks()))
                .value(),
            "efficientnet-b7");
  EXPECT_EQ(
      DetectModel(EfficientNetPickle(GlobalParams(1.0, 1.0, nullptr), DefaultBlocks())).value(),
      "efficientnet-b0");
  // efficientnet-b8 (2.2, 3.6) is not built: the error names the class and the coefficients.
  auto b8 = DetectModel(EfficientNetPickle(GlobalParams(2.2, 3.6, 672), DefaultBlocks()));
  ASSERT_FALSE(b8.ok());
  EXPECT_NE(b8.status().message().find("efficientnet_pytorch.model.EfficientNet"),
            std::string::npos);
  EXPECT_NE(b8.status().message().find("width_coefficient 2.2"), std::string::npos)
      << b8.status().message();
}

TEST(EfficientNetPytorch, MalformedPickledConfigurationsAreOneLineErrors) {
  const std::vector<Checkpoint> bad = {
      // Too few fields.
      EfficientNetPickle(
          {{"class", "efficientnet_pytorch.utils.GlobalParams"}, {"args", {1.0, 1.0, 224}}},
          DefaultBlocks()),
      // Not a number, not a size.
      EfficientNetPickle(GlobalParams("wide", 1.0, 224), DefaultBlocks()),
      EfficientNetPickle(GlobalParams(1.0, 1.0, "big"), DefaultBlocks()),
      EfficientNetPickle(GlobalParams(1.0, 1.0, -5), DefaultBlocks()),
      EfficientNetPickle(GlobalParams(1e300, 1.0, 224), DefaultBlocks()),
      // No blocks, a block of the wrong class, a negative filter count.
      EfficientNetPickle(GlobalParams(1.0, 1.0, 224), Json::array()),
      EfficientNetPickle(GlobalParams(1.0, 1.0, 224), Json::array({GlobalParams(1, 1, 1)})),
      EfficientNetPickle(GlobalParams(1.0, 1.0, 224), Json::array({BlockArgs(1, 3, 1, 1, -3, 4)})),
      // A hostile depth: 7 x 60000 blocks x 64.
      EfficientNetPickle(GlobalParams(1.0, 64.0, 224),
                         Json::array({BlockArgs(60000, 3, 1, 6, 32, 32)})),
  };
  for (const Checkpoint& c : bad) {
    auto name = DetectModel(c);
    ASSERT_FALSE(name.ok()) << c.modules[0].attributes.dump();
    const std::string& m = name.status().message();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_EQ(m.rfind("e.pth: ", 0), 0u) << m;
  }
  // The same configurations fail the build too (a pickle may be forced with --model).
  auto built = Registry().Find("efficientnet-b0")->build(bad[1], {});
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("width_coefficient"), std::string::npos);
}

ModuleInfo Mod(std::string path, Json attrs = Json::object()) {
  return ModuleInfo{std::move(path), "torch.nn.modules.container", "Sequential", std::move(attrs)};
}

// A torchvision `features` tree: features.0.0 (stem conv), stages with `depths` numbered
// children, and the last conv features.<n>.0 with `head_in` input channels.
Checkpoint TorchvisionTree(std::string module, std::string cls, int64_t stem,
                           std::vector<int> depths, int64_t head_in) {
  Checkpoint c;
  c.path = "t.pth";
  c.modules.push_back({"", std::move(module), std::move(cls), Json::object()});
  c.modules.push_back(Mod("features"));
  c.modules.push_back(Mod("features.0"));
  c.modules.push_back(Mod("features.0.0", {{"in_channels", 3}, {"out_channels", stem}}));
  int i = 1;
  for (int d : depths) {
    const std::string stage = "features." + std::to_string(i++);
    c.modules.push_back(Mod(stage));
    for (int b = 0; b < d; ++b) c.modules.push_back(Mod(stage + "." + std::to_string(b)));
  }
  const std::string head = "features." + std::to_string(i);
  c.modules.push_back(Mod(head));
  c.modules.push_back(Mod(head + ".0", {{"in_channels", head_in}}));
  return c;
}

TEST(TorchvisionFamilies, DetectFromTheModuleTree) {
  const std::string effnet = "torchvision.models.efficientnet";
  EXPECT_EQ(
      DetectModel(TorchvisionTree(effnet, "EfficientNet", 32, {1, 2, 2, 3, 3, 4, 1}, 320)).value(),
      "efficientnet_b0");
  // b1 and b2 have the same stem and depths; the head width tells them apart.
  EXPECT_EQ(
      DetectModel(TorchvisionTree(effnet, "EfficientNet", 32, {2, 3, 3, 4, 4, 5, 2}, 320)).value(),
      "efficientnet_b1");
  EXPECT_EQ(
      DetectModel(TorchvisionTree(effnet, "EfficientNet", 32, {2, 3, 3, 4, 4, 5, 2}, 352)).value(),
      "efficientnet_b2");
  EXPECT_EQ(DetectModel(TorchvisionTree(effnet, "EfficientNet", 64, {4, 7, 7, 10, 10, 13, 4}, 640))
                .value(),
            "efficientnet_b7");
  auto v2 = DetectModel(TorchvisionTree(effnet, "EfficientNet", 24, {2, 4, 4, 6, 9, 15}, 256));
  ASSERT_FALSE(v2.ok());
  EXPECT_NE(v2.status().message().find("24-channel stem"), std::string::npos);

  const std::string v3 = "torchvision.models.mobilenetv3";
  EXPECT_EQ(
      DetectModel(TorchvisionTree(v3, "MobileNetV3", 16, std::vector<int>(15, 0), 160)).value(),
      "mobilenet_v3_large");
  EXPECT_EQ(
      DetectModel(TorchvisionTree(v3, "MobileNetV3", 16, std::vector<int>(11, 0), 96)).value(),
      "mobilenet_v3_small");
  // reduced_tail=True halves the last blocks.
  EXPECT_FALSE(
      DetectModel(TorchvisionTree(v3, "MobileNetV3", 16, std::vector<int>(11, 0), 48)).ok());

  const std::string v2m = "torchvision.models.mobilenetv2";
  EXPECT_EQ(
      DetectModel(TorchvisionTree(v2m, "MobileNetV2", 32, std::vector<int>(17, 0), 320)).value(),
      "mobilenet_v2");
  auto narrow = DetectModel(TorchvisionTree(v2m, "MobileNetV2", 16, std::vector<int>(17, 0), 160));
  ASSERT_FALSE(narrow.ok());
  EXPECT_NE(narrow.status().message().find("16-channel stem"), std::string::npos);
}

}  // namespace
}  // namespace pt2tf::zoo
