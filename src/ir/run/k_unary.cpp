// Elementwise float functions: activations (Relu, Sigmoid, HardSwish, Gelu, ...) and math
// (Exp, Erf, Sqrt, ...), plus Clip with its min/max inputs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

// Attribute values a function may need, read once per node.
struct Params {
  float alpha = 0, beta = 0, gamma = 0;
  bool tanh_gelu = false;
};

using UnaryFn = float (*)(float x, const Params& p);

struct UnaryRule {
  std::string_view op;
  UnaryFn fn;
  float alpha, beta, gamma;  // defaults of the op's alpha/beta/gamma attributes
};

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float Gelu(float x, const Params& p) {
  if (p.tanh_gelu) {
    constexpr float kC = 0.7978845608028654f;  // sqrt(2/pi)
    return 0.5f * x * (1.0f + std::tanh(kC * (x + 0.044715f * x * x * x)));
  }
  return 0.5f * x * (1.0f + std::erf(x * 0.7071067811865476f));
}

float RoundHalfEven(float x) { return std::nearbyint(x); }  // default FE_TONEAREST

constexpr UnaryRule kUnaryRules[] = {
    {"Relu", [](float x, const Params&) { return x > 0 ? x : 0.0f; }, 0, 0, 0},
    {"LeakyRelu", [](float x, const Params& p) { return x >= 0 ? x : p.alpha * x; }, 0.01f, 0, 0},
    {"Elu", [](float x, const Params& p) { return x >= 0 ? x : p.alpha * std::expm1(x); }, 1, 0, 0},
    {"Selu",
     [](float x, const Params& p) { return p.gamma * (x > 0 ? x : p.alpha * std::expm1(x)); },
     1.67326319217681884765625f, 0, 1.05070102214813232421875f},
    {"Celu",
     [](float x, const Params& p) {
       return std::max(0.0f, x) + std::min(0.0f, p.alpha * std::expm1(x / p.alpha));
     },
     1, 0, 0},
    {"Sigmoid", [](float x, const Params&) { return Sigmoid(x); }, 0, 0, 0},
    {"HardSigmoid",
     [](float x, const Params& p) { return std::clamp(p.alpha * x + p.beta, 0.0f, 1.0f); }, 0.2f,
     0.5f, 0},
    {"HardSwish",
     [](float x, const Params&) { return x * std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); }, 0, 0, 0},
    {"Tanh", [](float x, const Params&) { return std::tanh(x); }, 0, 0, 0},
    {"Softplus", [](float x, const Params&) { return x > 20 ? x : std::log1p(std::exp(x)); }, 0, 0,
     0},
    {"Softsign", [](float x, const Params&) { return x / (1.0f + std::fabs(x)); }, 0, 0, 0},
    {"Mish",
     [](float x, const Params&) { return x * std::tanh(x > 20 ? x : std::log1p(std::exp(x))); }, 0,
     0, 0},
    {"Gelu", Gelu, 0, 0, 0},
    {"Erf", [](float x, const Params&) { return std::erf(x); }, 0, 0, 0},
    {"Exp", [](float x, const Params&) { return std::exp(x); }, 0, 0, 0},
    {"Log", [](float x, const Params&) { return std::log(x); }, 0, 0, 0},
    {"Sqrt", [](float x, const Params&) { return std::sqrt(x); }, 0, 0, 0},
    {"Reciprocal", [](float x, const Params&) { return 1.0f / x; }, 0, 0, 0},
    {"Neg", [](float x, const Params&) { return -x; }, 0, 0, 0},
    {"Abs", [](float x, const Params&) { return std::fabs(x); }, 0, 0, 0},
    {"Floor", [](float x, const Params&) { return std::floor(x); }, 0, 0, 0},
    {"Ceil", [](float x, const Params&) { return std::ceil(x); }, 0, 0, 0},
    {"Round", [](float x, const Params&) { return RoundHalfEven(x); }, 0, 0, 0},
    {"Sign",
     [](float x, const Params&) {
       return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x;
     },
     0, 0, 0},
    {"Sin", [](float x, const Params&) { return std::sin(x); }, 0, 0, 0},
    {"Cos", [](float x, const Params&) { return std::cos(x); }, 0, 0, 0},
};

}  // namespace

Result<Outputs> RunUnary(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const UnaryRule* rule = nullptr;
  for (const UnaryRule& r : kUnaryRules)
    if (r.op == node.op_type) rule = &r;
  if (!rule) return InternalError(node.Describe() + ": no unary function");
  Params p{node.GetFloat("alpha", rule->alpha), node.GetFloat("beta", rule->beta),
           node.GetFloat("gamma", rule->gamma), node.GetString("approximate", "none") == "tanh"};
  const RunTensor& x = *in[0];
  RunTensor out;
  out.shape = x.shape;
  out.f.resize(x.f.size());
  if (node.op_type == "Relu") {  // the hot one: an inline loop, not a call per element
    for (size_t k = 0; k < x.f.size(); ++k) out.f[k] = x.f[k] > 0 ? x.f[k] : 0.0f;
  } else {
    const UnaryFn fn = rule->fn;
    for (size_t k = 0; k < x.f.size(); ++k) out.f[k] = fn(x.f[k], p);
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunClip(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  for (size_t k = 1; k < 3 && k < in.size(); ++k) {
    if (!in[k]) continue;
    if (!in[k]->is_float() || in[k]->numel() != 1)
      return InvalidInput(node.Describe() + ": min/max must be float scalars");
    (k == 1 ? lo : hi) = in[k]->f[0];
  }
  const RunTensor& x = *in[0];
  RunTensor out;
  out.shape = x.shape;
  out.f.resize(x.f.size());
  // min then max, as ONNX Runtime does (min > max gives max everywhere).
  for (size_t k = 0; k < x.f.size(); ++k) out.f[k] = std::min(std::max(x.f[k], lo), hi);
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
