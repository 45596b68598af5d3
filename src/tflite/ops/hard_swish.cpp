// HardSwish as TFLite's HARD_SWISH builtin. The TF lowering has no HardSwish op, so it
// reaches the translator as one of two chains of elementwise ops:
//   x * HardSigmoid(x) (the zoo, PyTorch checkpoints): Mul(x, 1/6) → AddV2(0.5) →
//       Maximum(0) → Minimum(1) → Mul(x, ·)
//   ONNX HardSwish: AddV2(x, 3) → Relu6 → Mul(x, ·) → RealDiv(6)
// Translated op by op that is 4–5 passes over the activation; HARD_SWISH is one (XNNPACK
// runs it natively) and computes PyTorch's formula, x * relu6(x + 3) / 6. Every link must be
// the sole consumer of the one before it, so no intermediate value is needed elsewhere;
// anything else translates op by op as before.
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = ::tflite::BuiltinOperator;

// Input `i` of `node` is the float32 scalar constant `value` (compared in float32, the
// precision the constant was written in).
bool IsScalar(const Translator& t, const tf::TfNode& node, size_t i, double value) {
  auto c = t.Const(node, i);
  return c && c->data.dtype() == DType::kFloat32 && c->data.numel() == 1 &&
         c->data.ElementAsDouble(0) == static_cast<double>(static_cast<float>(value));
}

// `node` is the binary op `op` of the value `from` (output 0 of that node) and the scalar
// constant `value`, in either operand order; also requires `node` to consume `from` alone.
bool IsScalarOp(const Translator& t, const tf::TfNode* node, const char* op, const tf::TfNode& from,
                double value) {
  if (!node || node->def.op() != op || t.InputCount(*node) != 2) return false;
  const std::string key = from.def.name() + ":0";
  for (size_t i = 0; i < 2; ++i)
    if (TensorKey(node->def.input(i)) == key && IsScalar(t, *node, 1 - i, value)) return true;
  return false;
}

// `node` is Mul(x, gate) or Mul(gate, x).
bool IsGate(const Translator& t, const tf::TfNode* node, const std::string& x,
            const tf::TfNode& gate) {
  if (!node || node->def.op() != "Mul" || t.InputCount(*node) != 2) return false;
  const std::string a = TensorKey(node->def.input(0)), b = TensorKey(node->def.input(1));
  const std::string g = gate.def.name() + ":0";
  return (a == x && b == g) || (a == g && b == x);
}

// The input of `node` that is not the scalar constant (the chain's x), as a tensor key.
std::string NonConstInput(const Translator& t, const tf::TfNode& node) {
  return t.Const(node, 0) ? TensorKey(node.def.input(1)) : TensorKey(node.def.input(0));
}

// Emits HARD_SWISH on `x_key`'s tensor for the chain `links` (the first is `node`, the last
// produces the result) and marks the others translated.
Status EmitHardSwish(const tf::TfNode& node, Translator& t,
                     const std::vector<const tf::TfNode*>& links) {
  const size_t xi = t.Const(node, 0) ? 1 : 0;
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, xi));
  if (t.Info(x).type != TensorType::TensorType_FLOAT32)
    return NodeError(node, "HardSwish chain on a non-float32 tensor");
  const tf::TfNode& last = *links.back();
  const int y = t.NewTensor(last.def.name(), t.Info(x).type, t.Info(x).shape);
  t.Op(Op::BuiltinOperator_HARD_SWISH, {x}, {y});
  // The chain's value is y; the links after the first are translated with it (their
  // intermediate values have no other reader).
  t.Bind(node, 0, y);
  for (size_t i = 1; i < links.size(); ++i) t.Absorb(*links[i], y);
  return OkStatus();
}

// x * clamp(x / 6 + 1/2, 0, 1) starting at Mul(x, 1/6); the links, or empty.
std::vector<const tf::TfNode*> GateChain(const tf::TfNode& node, const Translator& t) {
  if (node.def.op() != "Mul" || t.InputCount(node) != 2) return {};
  if (!IsScalar(t, node, 0, 1.0 / 6) && !IsScalar(t, node, 1, 1.0 / 6)) return {};
  const std::string x = NonConstInput(t, node);
  const tf::TfNode* shift = t.SoleConsumer(node);
  if (!IsScalarOp(t, shift, "AddV2", node, 0.5)) return {};
  const tf::TfNode* lo = t.SoleConsumer(*shift);
  if (!IsScalarOp(t, lo, "Maximum", *shift, 0)) return {};
  const tf::TfNode* hi = t.SoleConsumer(*lo);
  if (!IsScalarOp(t, hi, "Minimum", *lo, 1)) return {};
  const tf::TfNode* gate = t.SoleConsumer(*hi);
  if (!IsGate(t, gate, x, *hi)) return {};
  return {&node, shift, lo, hi, gate};
}

// x * relu6(x + 3) / 6 starting at AddV2(x, 3); the links, or empty.
std::vector<const tf::TfNode*> Relu6Chain(const tf::TfNode& node, const Translator& t) {
  if (node.def.op() != "AddV2" || t.InputCount(node) != 2) return {};
  if (!IsScalar(t, node, 0, 3) && !IsScalar(t, node, 1, 3)) return {};
  const std::string x = NonConstInput(t, node);
  const tf::TfNode* relu6 = t.SoleConsumer(node);
  if (!relu6 || relu6->def.op() != "Relu6") return {};
  const tf::TfNode* gate = t.SoleConsumer(*relu6);
  if (!IsGate(t, gate, x, *relu6)) return {};
  const tf::TfNode* div = t.SoleConsumer(*gate);
  if (!div || div->def.op() != "RealDiv" ||
      TensorKey(div->def.input(0)) != gate->def.name() + ":0" || !IsScalar(t, *div, 1, 6))
    return {};
  return {&node, relu6, gate, div};
}

}  // namespace

Status ConvertMulOrHardSwish(const tf::TfNode& node, Translator& t) {
  auto links = GateChain(node, t);
  return links.empty() ? ConvertBinary(node, t) : EmitHardSwish(node, t, links);
}

Status ConvertAddOrHardSwish(const tf::TfNode& node, Translator& t) {
  auto links = Relu6Chain(node, t);
  return links.empty() ? ConvertBinary(node, t) : EmitHardSwish(node, t, links);
}

}  // namespace pt2tf::tflite
