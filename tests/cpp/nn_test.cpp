// The nn API: module trees, state_dict binding (load_state_dict strict semantics) and the
// nodes and shapes forward builds.
#include <cstring>

#include <gtest/gtest.h>

#include "nn/layers.h"
#include "nn/module.h"

namespace pt2tf::nn {
namespace {

// conv(3→4, k3, pad 1, no bias) → bn → relu → pool → flatten → fc(4*4*4 → 5)
struct TinyNet : Module {
  TinyNet() : Module("TinyNet") {}
  Sequential& features = add("features", Sequential(Conv2d(3, 4, 3, {.padding = 1, .bias = false}),
                                                    BatchNorm2d(4), ReLU(true), MaxPool2d(2, 2)));
  Linear& fc = add("fc", Linear(64, 5));
  Var forward(Var x) override { return fc(F::flatten(features(x), 1)); }
};

Tensor Filled(const ir::Dims& shape, float value, DType dtype = DType::kFloat32) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<std::byte> bytes(n * ElementSize(dtype));
  for (int64_t i = 0; i < n; ++i) {
    if (dtype == DType::kFloat32) std::memcpy(bytes.data() + 4 * i, &value, 4);
    if (dtype == DType::kFloat64) {
      double d = value;
      std::memcpy(bytes.data() + 8 * i, &d, 8);
    }
  }
  return Tensor::FromBytes(dtype, shape, std::move(bytes)).value();
}

Checkpoint TinyCheckpoint() {
  Checkpoint ck;
  ck.path = "tiny.pth";
  ck.tensors = {
      {"features.0.weight", Filled({4, 3, 3, 3}, 0.5f)},
      {"features.1.weight", Filled({4}, 1.f)},
      {"features.1.bias", Filled({4}, 0.f)},
      {"features.1.running_mean", Filled({4}, 0.f)},
      {"features.1.running_var", Filled({4}, 1.f)},
      {"features.1.num_batches_tracked", Filled({}, 0.f, DType::kInt64)},
      {"fc.weight", Filled({5, 64}, 0.1f, DType::kFloat64)},
      {"fc.bias", Filled({5}, 0.f)},
  };
  return ck;
}

TEST(Module, StateDictNamesAndParameterCount) {
  TinyNet net;
  std::vector<std::string> names;
  net.VisitTensors([&](const std::string& n, Parameter&) { names.push_back(n); });
  EXPECT_EQ(names,
            (std::vector<std::string>{"features.0.weight", "features.1.weight", "features.1.bias",
                                      "features.1.running_mean", "features.1.running_var",
                                      "features.1.num_batches_tracked", "fc.weight", "fc.bias"}));
  // torch: 4*3*3*3 + 4 + 4 + 5*64 + 5
  EXPECT_EQ(ParameterCount(net), 108 + 8 + 325);
}

TEST(Module, ShapeOnlyBuildWiresNodesNamedByModulePath) {
  TinyNet net;
  auto built = BuildModel(net, {}, {2, 3, 8, 8}, {});
  ASSERT_TRUE(built.ok()) << built.status().message();
  const ir::Graph& g = *built->graph;
  std::vector<std::string> ops, names;
  for (const auto& n : g.nodes()) {
    ops.push_back(n->op_type);
    names.push_back(n->name);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "MaxPool",
                                           "Flatten", "Gemm"}));
  EXPECT_EQ(names[0], "features.0");
  EXPECT_EQ(names[5], "fc");
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->name, "output");
  EXPECT_EQ(*g.outputs()[0]->shape, (ir::Dims{2, 5}));
  EXPECT_EQ(g.inputs()[0]->name, "input");
  EXPECT_EQ(built->parameter_count, 441);
}

TEST(Module, BindsCheckpointZeroCopyAndConvertsFloat64) {
  TinyNet net;
  Checkpoint ck = TinyCheckpoint();
  auto built = BuildModel(net, {&ck, "tiny"}, {1, 3, 8, 8}, {});
  ASSERT_TRUE(built.ok()) << built.status().message();
  const ir::Value* conv_w = built->graph->FindValue("features.0.weight");
  ASSERT_NE(conv_w, nullptr);
  EXPECT_EQ(conv_w->constant->storage(), ck.tensors[0].tensor.storage());  // a view
  const ir::Value* fc_w = built->graph->FindValue("fc.weight");
  ASSERT_NE(fc_w, nullptr);
  EXPECT_EQ(fc_w->constant->dtype(), DType::kFloat32);
  EXPECT_FLOAT_EQ(fc_w->constant->ElementAsDouble(7), 0.1f);
  EXPECT_EQ(built->graph->FindValue("features.1.num_batches_tracked"), nullptr);
}

TEST(Module, StrictBindingListsEveryProblem) {
  TinyNet net;
  Checkpoint ck = TinyCheckpoint();
  ck.tensors.erase(ck.tensors.begin() + 2);              // features.1.bias missing
  ck.tensors[0].tensor = Filled({4, 3, 5, 5}, 0.f);      // wrong conv shape
  ck.tensors.push_back({"fc.extra", Filled({1}, 0.f)});  // unexpected
  ck.tensors.push_back({"head.weight", Filled({1}, 0.f)});
  auto built = BuildModel(net, {&ck, "tiny"}, {1, 3, 8, 8}, {});
  ASSERT_FALSE(built.ok());
  const std::string& m = built.status().message();
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_NE(m.find("tiny.pth: checkpoint does not match tiny"), std::string::npos) << m;
  EXPECT_NE(m.find("missing keys: features.1.bias"), std::string::npos) << m;
  EXPECT_NE(m.find("unexpected keys: fc.extra, head.weight"), std::string::npos) << m;
  EXPECT_NE(m.find("features.0.weight (expected 4x3x3x3, found 4x3x5x5)"), std::string::npos) << m;
}

TEST(Module, NonStrictTurnsUnexpectedKeysIntoWarnings) {
  TinyNet net;
  Checkpoint ck = TinyCheckpoint();
  ck.tensors.push_back({"fc.extra", Filled({1}, 0.f)});
  auto built = BuildModel(net, {&ck, "tiny"}, {1, 3, 8, 8}, {.strict = false});
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ(built->warnings.size(), 1u);
  EXPECT_NE(built->warnings[0].find("fc.extra"), std::string::npos);
}

TEST(Module, DataParallelPrefixIsStripped) {
  TinyNet net;
  Checkpoint ck = TinyCheckpoint();
  for (NamedTensor& t : ck.tensors) t.name = "module." + t.name;
  auto built = BuildModel(net, {&ck, "tiny"}, {1, 3, 8, 8}, {});
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_EQ(built->warnings.size(), 1u);
  EXPECT_NE(built->graph->FindValue("fc.weight"), nullptr);
  // Only when every key has it: one plain key leaves them all unexpected.
  ck.tensors.push_back({"stray", Filled({1}, 0.f)});
  EXPECT_FALSE(BuildModel(net, {&ck, "tiny"}, {1, 3, 8, 8}, {}).ok());
}

TEST(Module, IntegerWeightsAreRefused) {
  TinyNet net;
  Checkpoint ck = TinyCheckpoint();
  ck.tensors[7].tensor = Filled({5}, 0.f, DType::kInt64);
  auto built = BuildModel(net, {&ck, "tiny"}, {1, 3, 8, 8}, {});
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("fc.bias (int64, expected a floating-point tensor)"),
            std::string::npos)
      << built.status().message();
}

TEST(Module, InputTooSmallNamesTheLayer) {
  TinyNet net;
  auto built = BuildModel(net, {}, {1, 3, 1, 1}, {});
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().message().rfind("features.3: MaxPool2d: input 1x4x1x1 is too small", 0),
            0u)
      << built.status().message();
  auto wrong = BuildModel(net, {}, {1, 3, 16, 16}, {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message().rfind("fc: Linear expects 64 input features", 0), 0u)
      << wrong.status().message();
}

// Wraps layers in a root module so BuildModel can run them.
struct Probe : Module {
  explicit Probe(Sequential layers) : Module("Probe"), seq(add("p", std::move(layers))) {}
  Sequential& seq;
  Var forward(Var x) override { return seq(x); }
};

ir::Dims OutShape(Sequential seq, ir::Dims in, std::string* op = nullptr) {
  Probe probe(std::move(seq));
  auto built = BuildModel(probe, {}, in, {});
  if (!built.ok()) return {};
  if (op) *op = built->graph->nodes().empty() ? "" : built->graph->nodes()[0]->op_type;
  return *built->graph->outputs()[0]->shape;
}

TEST(Layers, PoolingShapesFollowTorch) {
  // squeezenet: MaxPool2d(3, 2, ceil_mode=True) on 111 → 55 (floor would give 55 too), on
  // 54 → 27 (floor 26).
  EXPECT_EQ(OutShape(Sequential(MaxPool2d(3, {.stride = 2, .ceil_mode = true})), {1, 1, 54, 54}),
            (ir::Dims{1, 1, 27, 27}));
  // torch drops a window that would start in the right padding: k2 s2 p1 ceil on 5 → 3.
  EXPECT_EQ(OutShape(Sequential(MaxPool2d(2, {.stride = 2, .padding = 1, .ceil_mode = true})),
                     {1, 1, 5, 5}),
            (ir::Dims{1, 1, 3, 3}));
  std::string op;
  EXPECT_EQ(OutShape(Sequential(AdaptiveAvgPool2d(1)), {1, 8, 7, 7}, &op), (ir::Dims{1, 8, 1, 1}));
  EXPECT_EQ(op, "GlobalAveragePool");
  EXPECT_EQ(OutShape(Sequential(AdaptiveAvgPool2d(7)), {1, 8, 14, 14}, &op),
            (ir::Dims{1, 8, 7, 7}));
  EXPECT_EQ(op, "AveragePool");
  EXPECT_EQ(OutShape(Sequential(AdaptiveAvgPool2d(7)), {1, 8, 10, 10}), ir::Dims{});  // refused
  EXPECT_EQ(OutShape(Sequential(Conv2d(1, 2, 4, {.padding = "same"})), {1, 1, 9, 9}),
            (ir::Dims{1, 2, 9, 9}));
  EXPECT_EQ(OutShape(Sequential(ZeroPad2d(0, 1, 0, 1)), {1, 1, 9, 9}), (ir::Dims{1, 1, 10, 10}));
}

}  // namespace
}  // namespace pt2tf::nn
