// torch.nn.functional / torch.* ops on symbolic tensors, as ONNX nodes. Each computes its
// output shape with torch's rules and fails the builder (naming the module) when the input
// cannot take it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nn/module.h"

namespace pt2tf::nn {

// An int or an (h, w) pair, like torch's _pair: `3` or `{3, 1}`.
struct Pair {
  int64_t h = 0;
  int64_t w = 0;
  Pair(int64_t v) : h(v), w(v) {}  // NOLINT: implicit, as torch accepts ints
  Pair(int64_t h_, int64_t w_) : h(h_), w(w_) {}
};

namespace F {

Var relu(Var x);
Var relu6(Var x);  // Clip(0, 6)
Var sigmoid(Var x);
Var silu(Var x);         // x * sigmoid(x) (swish)
Var hardswish(Var x);    // x * relu6(x + 3) / 6
Var hardsigmoid(Var x);  // relu6(x + 3) / 6
Var tanh(Var x);
// approximate: "none" (erf) or "tanh", as torch spells it.
Var gelu(Var x, const std::string& approximate = "none");

// Elementwise with numpy/torch broadcasting.
Var add(Var a, Var b);
Var mul(Var a, Var b);
// torch.cat(tensors, dim).
Var cat(const std::vector<Var>& xs, int64_t dim);
// torch.flatten(x, start_dim, end_dim).
Var flatten(Var x, int64_t start_dim = 0, int64_t end_dim = -1);
// x.mean(dims, keepdim).
Var mean(Var x, const std::vector<int64_t>& dims, bool keepdim = false);
// x.reshape(shape) / x.view(shape): at most one -1.
Var reshape(Var x, const std::vector<int64_t>& shape);
Var transpose(Var x, int64_t dim0, int64_t dim1);
Var permute(Var x, const std::vector<int64_t>& dims);

// Pooling as nn.MaxPool2d / nn.AvgPool2d / nn.AdaptiveAvgPool2d compute it.
struct PoolOptions {
  std::optional<Pair> stride;  // default: the kernel size
  Pair padding = 0;
  Pair dilation = 1;  // max pooling only
  bool ceil_mode = false;
  bool count_include_pad = true;  // average pooling only
};
Var max_pool2d(Var x, Pair kernel, const PoolOptions& options = {});
Var avg_pool2d(Var x, Pair kernel, const PoolOptions& options = {});
// Output 1x1 → GlobalAveragePool; equal to the input → no node; input divisible by the
// output → AveragePool; otherwise an error (torch's uneven bins have no ONNX twin).
Var adaptive_avg_pool2d(Var x, Pair output_size);
// F.pad(x, (left, right, top, bottom)) with zeros.
Var zero_pad2d(Var x, int64_t left, int64_t right, int64_t top, int64_t bottom);

}  // namespace F

inline Var operator+(Var a, Var b) { return F::add(a, b); }
inline Var operator*(Var a, Var b) { return F::mul(a, b); }

}  // namespace pt2tf::nn
