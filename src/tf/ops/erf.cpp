// Erf in ops that TensorFlow's TFLite converter lowers to builtins.
//
// TF's Erf op has no TFLite builtin: the converter refuses it (builtins only), except inside
// the exact GELU 0.5·x · (1 + erf(x/√2)) written as Mul(Mul(x, 0.5), Add(Erf(x·(1/√2)), 1)),
// which it fuses into one GELU op. So an Erf in that form stays a TF Erf; any other float32
// Erf becomes x·P(x²)/Q(x²) on x clamped to [-4, 4] (|erf| rounds to 1 in float32 beyond):
// Minimum, Maximum, Mul, AddV2, RealDiv only. The rational is a relative-error minimax fit of
// erf(x)/x (degrees 6/5 in x², fitted for pt2tf against 30-digit erf); evaluated in float32
// it is within 3.1e-7 (5 ulp) of the true erf on all of [-6, 6], as close as float32 kernels
// get (TF's and PyTorch's own Erf differ from each other by about as much).
// Other element types keep TF's Erf kernel.
#include <array>
#include <cmath>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

constexpr double kClamp = 4.0;
// Numerator and denominator of erf(x)/x in u = x², lowest degree first (float32 values).
constexpr std::array<double, 7> kP = {
    1.128379225730896,      0.18520298600196838,   0.054316919296979904,   0.0038496064953505993,
    0.00037961031193844974, 4.684823579736985e-06, -1.3202457793681788e-08};
constexpr std::array<double, 6> kQ = {1.0,
                                      0.4974652826786041,
                                      0.11395835131406784,
                                      0.015462084673345089,
                                      0.0013075708411633968,
                                      6.311100878519937e-05};

// The single element of a constant scalar (or one-element) value, if it is one.
std::optional<double> ScalarConstant(const ir::Value* v) {
  const Tensor* c = v ? EmitContext::ConstantOf(v) : nullptr;
  if (!c || c->numel() != 1) return std::nullopt;
  return c->ElementAsDouble(0);
}

bool Near(std::optional<double> v, double want) { return v && std::fabs(*v - want) < 1e-6; }

// The node's other input when one of its two inputs is `v`; nullptr otherwise.
const ir::Value* OtherInput(const ir::Node& node, const ir::Value* v) {
  if (node.inputs.size() != 2) return nullptr;
  if (node.input(0) == v) return node.input(1);
  if (node.input(1) == v) return node.input(0);
  return nullptr;
}

// The single node consuming `v`, or nullptr.
const ir::Node* SoleUser(const ir::Value* v, const EmitContext& ctx) {
  std::vector<const ir::Node*> users = ctx.Users(v);
  return users.size() == 1 ? users[0] : nullptr;
}

// True when `erf` is the Erf of an exact GELU in the form the converter fuses:
// Mul(Mul(x, 0.5), Add(Erf(Mul(x, 1/√2) or Div(x, √2)), 1)), in either operand order.
bool InFusableGelu(const ir::Node& erf, const EmitContext& ctx) {
  const ir::Node* scale = erf.input(0)->producer;
  if (!scale || scale->inputs.size() != 2 || scale->outputs.size() != 1) return false;
  const ir::Value* x = scale->input(0);
  if (scale->op_type == "Mul" && Near(ScalarConstant(x), M_SQRT1_2)) x = scale->input(1);
  const bool scaled =
      (scale->op_type == "Mul" && Near(ScalarConstant(OtherInput(*scale, x)), M_SQRT1_2)) ||
      (scale->op_type == "Div" && scale->input(0) == x &&
       Near(ScalarConstant(scale->input(1)), M_SQRT2));
  if (!scaled) return false;
  const ir::Node* add = SoleUser(erf.outputs[0], ctx);
  if (!add || add->op_type != "Add" || !Near(ScalarConstant(OtherInput(*add, erf.outputs[0])), 1))
    return false;
  const ir::Node* gate = SoleUser(add->outputs[0], ctx);
  if (!gate || gate->op_type != "Mul") return false;
  const ir::Value* half_x = OtherInput(*gate, add->outputs[0]);
  const ir::Node* half = half_x ? half_x->producer : nullptr;
  return half && half->op_type == "Mul" && OtherInput(*half, x) &&
         Near(ScalarConstant(OtherInput(*half, x)), 0.5);
}

// c[n-1]·u^(n-1) + ... + c[0] by Horner's rule.
template <size_t N>
Result<std::string> Polynomial(EmitContext& ctx, const std::array<double, N>& c,
                               const std::string& u, tensorflow::DataType t,
                               const std::string& hint) {
  PT2TF_ASSIGN_OR_RETURN(std::string acc, ctx.ConstScalar(DType::kFloat32, c[N - 1], hint + "/c"));
  for (size_t i = N - 1; i-- > 0;) {
    PT2TF_ASSIGN_OR_RETURN(std::string ci, ctx.ConstScalar(DType::kFloat32, c[i], hint + "/c"));
    acc = ctx.Binary("AddV2", ctx.Binary("Mul", acc, u, t, hint + "/mul"), ci, t, hint + "/add");
  }
  return acc;
}

}  // namespace

Status EmitErf(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  std::string y;
  if (node.input(0)->dtype != DType::kFloat32 || InFusableGelu(node, ctx)) {
    y = ctx.Unary("Erf", in.tensor, t, node.name);
  } else {
    PT2TF_ASSIGN_OR_RETURN(std::string hi,
                           ctx.ConstScalar(DType::kFloat32, kClamp, node.name + "/hi"));
    PT2TF_ASSIGN_OR_RETURN(std::string lo,
                           ctx.ConstScalar(DType::kFloat32, -kClamp, node.name + "/lo"));
    std::string x = ctx.Binary("Minimum", in.tensor, hi, t, node.name + "/clamp_hi");
    x = ctx.Binary("Maximum", x, lo, t, node.name + "/clamp");
    std::string u = ctx.Binary("Mul", x, x, t, node.name + "/square");
    PT2TF_ASSIGN_OR_RETURN(std::string p, Polynomial(ctx, kP, u, t, node.name + "/p"));
    PT2TF_ASSIGN_OR_RETURN(std::string q, Polynomial(ctx, kQ, u, t, node.name + "/q"));
    y = ctx.Binary("Mul", x, ctx.Binary("RealDiv", p, q, t, node.name + "/ratio"), t, node.name);
  }
  ctx.Set(node.outputs[0], TfValue{y, in.perm, in.flat});
  return OkStatus();
}

}  // namespace pt2tf::tf
