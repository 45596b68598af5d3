// Probe modules: small networks exercising the nn layer variants the zoo itself does not
// use (padding='same', dilation, ceil_mode with padding, count_include_pad, GELU, ...).
// Each has a PyTorch twin of the same name in tests/python/test_nn_ops.py, which saves its
// state_dict to $PT2TF_NN_PROBE_DIR/<name>.pth, runs this test, and compares the written
// <name>.onnx in ONNX Runtime with PyTorch. Disabled by default: it needs those files and is
// run only by that pytest (--gtest_also_run_disabled_tests).
#include <cstdlib>
#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "nn/nn.h"
#include "pt2tf/io/checkpoint.h"
#include "pt2tf/ir/passes.h"
#include "pt2tf/onnx/onnx_writer.h"

namespace pt2tf::nn {
namespace {

// Conv2d: padding='same' with an even kernel (odd pixel at the end), dilation, groups,
// stride with (h, w) padding, bias=False.
struct ConvProbe : Module {
  ConvProbe() : Module("ConvProbe") {}
  Conv2d& same = add("same", Conv2d(4, 6, 4, {.padding = "same"}));
  Conv2d& dilated =
      add("dilated", Conv2d(6, 8, 3, {.stride = 2, .padding = {1, 2}, .dilation = 2, .groups = 2}));
  Conv2d& valid = add("valid", Conv2d(8, 4, {1, 3}, {.padding = "valid", .bias = false}));
  Var forward(Var x) override { return valid(dilated(same(x))); }
};

// Pooling variants on a 10x10 input, flattened side by side: ceil_mode adding a window
// (with and without padding), torch dropping a window that would start in the padding,
// count_include_pad both ways, dilation.
struct PoolProbe : Module {
  PoolProbe() : Module("PoolProbe") {}
  MaxPool2d& max_dilated = add(
      "max_dilated", MaxPool2d(3, {.stride = 2, .padding = 1, .dilation = 2, .ceil_mode = true}));
  AvgPool2d& avg_ceil_pad =
      add("avg_ceil_pad",
          AvgPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}));
  AvgPool2d& avg_ceil = add("avg_ceil", AvgPool2d(2, {.ceil_mode = true}));
  AvgPool2d& avg_pad = add("avg_pad", AvgPool2d(3, 2, 1));
  MaxPool2d& max_ceil_pad =
      add("max_ceil_pad", MaxPool2d(2, {.stride = 2, .padding = 1, .ceil_mode = true}));
  Var forward(Var x) override {
    Var x11 = F::zero_pad2d(x, 0, 1, 0, 1);   // 11x11
    Var x9 = F::zero_pad2d(x, 0, -1, 0, -1);  // 9x9: negative padding crops
    return F::cat(
        {F::flatten(max_dilated(x), 1), F::flatten(avg_ceil_pad(x), 1),
         F::flatten(avg_ceil(x11), 1), F::flatten(avg_pad(x), 1), F::flatten(max_ceil_pad(x9), 1)},
        1);
  }
};

// Every activation on the same input, side by side.
struct ActivationProbe : Module {
  ActivationProbe() : Module("ActivationProbe") {}
  ReLU6& relu6 = add("relu6", ReLU6(true));
  SiLU& silu = add("silu", SiLU());
  Hardswish& hardswish = add("hardswish", Hardswish());
  Hardsigmoid& hardsigmoid = add("hardsigmoid", Hardsigmoid());
  Sigmoid& sigmoid = add("sigmoid", Sigmoid());
  Tanh& tanh = add("tanh", Tanh());
  GELU& gelu = add("gelu", GELU());
  GELU& gelu_tanh = add("gelu_tanh", GELU("tanh"));
  Var forward(Var x) override {
    return F::cat({relu6(x), silu(x), hardswish(x), hardsigmoid(x), sigmoid(x), tanh(x), gelu(x),
                   gelu_tanh(x), F::relu(x), F::sigmoid(x)},
                  1);
  }
};

// Shape ops, broadcasting, Linear on a 3-D input, BatchNorm without affine parameters,
// adaptive pooling to a divisor and to the same size, asymmetric zero padding.
struct ShapeProbe : Module {
  ShapeProbe() : Module("ShapeProbe") {}
  BatchNorm2d& bn = add("bn", BatchNorm2d(4, {.eps = 1e-3, .affine = false}));
  ZeroPad2d& pad = add("pad", ZeroPad2d(1, 2, 0, 3));
  AdaptiveAvgPool2d& pool7 = add("pool7", AdaptiveAvgPool2d(7));
  AdaptiveAvgPool2d& pool_same = add("pool_same", AdaptiveAvgPool2d({7, 7}));
  Linear& proj = add("proj", Linear(7, 5));
  Flatten& flat = add("flat", Flatten(2));
  Dropout& drop = add("drop", Dropout(0.3));
  Var forward(Var x) override {
    Var y = pool_same(pool7(pad(bn(x))));             // 1x4x11x11 → 14x14 → 7x7 → 7x7
    Var scale = F::mean(y, {2, 3}, true);             // 1x4x1x1
    y = F::add(F::mul(y, scale), F::sigmoid(scale));  // broadcasting
    Var t = F::transpose(proj(y), 1, 3);              // Linear on 1x4x7x7 → 1x4x7x5 → 1x5x7x4
    Var p = F::permute(t, {0, 2, 1, 3});              // 1x7x5x4
    Var r = F::reshape(p, {1, -1, 10});               // 1x14x10
    Var m = F::reshape(F::mean(r, {-1}), {1, 2, 7});  // 1x2x7
    return F::cat({flat(drop(F::reshape(r, {1, 2, 7, 10}))), m}, 2);  // 1x2x77
  }
};

struct Probe {
  const char* name;
  std::function<std::unique_ptr<Module>()> make;
  ir::Dims input_shape;
};

std::vector<Probe> Probes() {
  return {
      {"conv", [] { return std::make_unique<ConvProbe>(); }, {2, 4, 13, 11}},
      {"pool", [] { return std::make_unique<PoolProbe>(); }, {1, 3, 10, 10}},
      {"activation", [] { return std::make_unique<ActivationProbe>(); }, {1, 2, 5, 7}},
      {"shape", [] { return std::make_unique<ShapeProbe>(); }, {1, 4, 11, 11}},
  };
}

TEST(NnProbe, DISABLED_WritesProbeModels) {
  const char* dir = std::getenv("PT2TF_NN_PROBE_DIR");
  ASSERT_NE(dir, nullptr) << "set PT2TF_NN_PROBE_DIR (tests/python/test_nn_ops.py does)";
  for (const Probe& probe : Probes()) {
    SCOPED_TRACE(probe.name);
    const std::string base = std::string(dir) + "/" + probe.name;
    auto checkpoint = LoadCheckpoint(base + ".pth");
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    std::unique_ptr<Module> model = probe.make();
    auto built = BuildModel(*model, {&*checkpoint, probe.name}, probe.input_shape, {});
    ASSERT_TRUE(built.ok()) << built.status().message();
    ASSERT_TRUE(ir::VerifyGraph(*built->graph).ok());
    ASSERT_TRUE(ir::InferShapes(*built->graph).ok());
    Status written = onnx::WriteOnnx(*built->graph, base + ".onnx", {});
    ASSERT_TRUE(written.ok()) << written.message();
  }
}

}  // namespace
}  // namespace pt2tf::nn
