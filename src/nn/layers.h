// torch.nn layers. Constructors take torch's positional arguments; keyword arguments go in
// an options struct with designated initializers:
//   nn.Conv2d(64, 64, kernel_size=3, stride=2, padding=1, bias=False)
//   nn::Conv2d(64, 64, 3, {.stride = 2, .padding = 1, .bias = false})
// Each layer registers exactly the parameters and buffers torch's state_dict holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "nn/functional.h"
#include "nn/module.h"

namespace pt2tf::nn {

// Conv2d padding: ints, an (h, w) pair, or "same" / "valid" as torch accepts.
struct Padding {
  enum class Mode { kExplicit, kSame, kValid };
  Mode mode = Mode::kExplicit;
  int64_t h = 0;
  int64_t w = 0;
  bool bad_string = false;  // anything but "same"/"valid": reported when the layer runs

  Padding(int64_t v) : h(v), w(v) {}  // NOLINT: implicit, as torch accepts ints
  Padding(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  // "same" or "valid" (a string literal: a plain pointer would make `0` ambiguous).
  template <size_t N>
  Padding(const char (&s)[N]) : Padding(std::string_view(s, N - 1), 0) {}  // NOLINT

 private:
  Padding(std::string_view s, int);
};

struct Conv2dOptions {
  Pair stride = 1;
  Padding padding = 0;
  Pair dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, Conv2dOptions options = {});
  Var forward(Var x) override;

  int64_t in_channels, out_channels;
  Pair kernel_size;
  Conv2dOptions options;

 private:
  Parameter* weight_;
  Parameter* bias_ = nullptr;
};

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;  // training only; accepted for copying torch code
  bool affine = true;
  bool track_running_stats = true;  // false means batch statistics in eval: refused
};

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});
  Var forward(Var x) override;

  int64_t num_features;
  BatchNormOptions options;

 private:
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
  Parameter* running_mean_ = nullptr;
  Parameter* running_var_ = nullptr;
};

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Var forward(Var x) override;

  int64_t in_features, out_features;

 private:
  Parameter* weight_;
  Parameter* bias_ = nullptr;
};

// Parameter-free layers; `inplace` is accepted for copying torch code and means nothing here.
class ReLU : public Module {
 public:
  explicit ReLU(bool inplace = false) : Module("ReLU") {}
  Var forward(Var x) override { return F::relu(x); }
};
class ReLU6 : public Module {
 public:
  explicit ReLU6(bool inplace = false) : Module("ReLU6") {}
  Var forward(Var x) override { return F::relu6(x); }
};
class SiLU : public Module {
 public:
  explicit SiLU(bool inplace = false) : Module("SiLU") {}
  Var forward(Var x) override { return F::silu(x); }
};
using Swish = SiLU;  // x * sigmoid(x), efficientnet_pytorch's (MemoryEfficient)Swish
class Hardswish : public Module {
 public:
  explicit Hardswish(bool inplace = false) : Module("Hardswish") {}
  Var forward(Var x) override { return F::hardswish(x); }
};
class Hardsigmoid : public Module {
 public:
  explicit Hardsigmoid(bool inplace = false) : Module("Hardsigmoid") {}
  Var forward(Var x) override { return F::hardsigmoid(x); }
};
class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Var forward(Var x) override { return F::sigmoid(x); }
};
class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Var forward(Var x) override { return F::tanh(x); }
};
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none")
      : Module("GELU"), approximate(std::move(approximate)) {}
  Var forward(Var x) override { return F::gelu(x, approximate); }
  std::string approximate;
};
// Inference mode (model.eval()): the identity.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, bool inplace = false) : Module("Dropout") {}
  Var forward(Var x) override { return x; }
};
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Var forward(Var x) override { return x; }
};

class MaxPool2d : public Module {
 public:
  MaxPool2d(Pair kernel_size, F::PoolOptions options = {})
      : Module("MaxPool2d"), kernel_size(kernel_size), options(options) {}
  MaxPool2d(Pair kernel_size, Pair stride, Pair padding = 0)
      : MaxPool2d(kernel_size, F::PoolOptions{.stride = stride, .padding = padding}) {}
  Var forward(Var x) override { return F::max_pool2d(x, kernel_size, options); }

  Pair kernel_size;
  F::PoolOptions options;
};

class AvgPool2d : public Module {
 public:
  AvgPool2d(Pair kernel_size, F::PoolOptions options = {})
      : Module("AvgPool2d"), kernel_size(kernel_size), options(options) {}
  AvgPool2d(Pair kernel_size, Pair stride, Pair padding = 0)
      : AvgPool2d(kernel_size, F::PoolOptions{.stride = stride, .padding = padding}) {}
  Var forward(Var x) override { return F::avg_pool2d(x, kernel_size, options); }

  Pair kernel_size;
  F::PoolOptions options;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Pair output_size)
      : Module("AdaptiveAvgPool2d"), output_size(output_size) {}
  Var forward(Var x) override { return F::adaptive_avg_pool2d(x, output_size); }

  Pair output_size;
};

// nn.ZeroPad2d(p) or nn.ZeroPad2d((left, right, top, bottom)).
class ZeroPad2d : public Module {
 public:
  explicit ZeroPad2d(int64_t p) : ZeroPad2d(p, p, p, p) {}
  ZeroPad2d(int64_t left, int64_t right, int64_t top, int64_t bottom)
      : Module("ZeroPad2d"), left(left), right(right), top(top), bottom(bottom) {}
  Var forward(Var x) override { return F::zero_pad2d(x, left, right, top, bottom); }

  int64_t left, right, top, bottom;
};

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Var forward(Var x) override { return F::flatten(x, start_dim, end_dim); }

  int64_t start_dim, end_dim;
};

// nn.Sequential: children applied in order, named "0", "1", ... unless named explicitly.
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  template <typename... Ms>
  requires(sizeof...(Ms) > 0 &&
           (std::is_base_of_v<Module, Ms> && ...)) explicit Sequential(Ms... modules)
      : Module("Sequential") {
    (append(std::move(modules)), ...);
  }
  Sequential(Sequential&&) = default;

  template <typename M>
  M& append(M module) {
    return add(std::to_string(children().size()), std::move(module));
  }
  // A named child, as nn.Sequential(OrderedDict(...)) or seq.add_module(name, m) give.
  template <typename M>
  M& append(std::string name, M module) {
    return add(std::move(name), std::move(module));
  }
  Module& append(std::unique_ptr<Module> module) {
    return add_module(std::to_string(children().size()), std::move(module));
  }
  size_t size() const { return children().size(); }
  Module& operator[](size_t i) const { return *children()[i].second; }

  Var forward(Var x) override;
};

}  // namespace pt2tf::nn
