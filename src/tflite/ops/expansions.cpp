// TF ops with no TFLite builtin, expressed in builtins (never Flex ops):
//   Erf(x)      = sign(x) * (1 - poly(t) * exp(-x^2)), t = 1 / (1 + p|x|)
//                 (Abramowitz & Stegun 7.1.26: |error| <= 1.5e-7, below float32 tolerances)
//   Softplus(x) = relu(x) + log(1 + exp(-|x|))          (no overflow for large |x|)
//   Selu(x)     = scale * (relu(x) + alpha * min(elu(x), 0))
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

// Emits ops on float32 tensors, naming each after the node.
class Emitter {
 public:
  Emitter(const tf::TfNode& node, Translator& t, const ir::Dims& shape)
      : node_(node), t_(t), shape_(shape) {}

  Result<int> Scalar(float v) {
    std::vector<std::byte> bytes(4);
    std::memcpy(bytes.data(), &v, 4);
    PT2TF_ASSIGN_OR_RETURN(Tensor s, Tensor::FromBytes(DType::kFloat32, {}, std::move(bytes)));
    return t_.ConstTensor(Name("c"), ConstView{std::move(s), {}});
  }
  int Unary(Op op, int x) {
    const int y = t_.NewTensor(Name("u"), TensorType::TensorType_FLOAT32, shape_);
    t_.Op(op, {x}, {y});
    return y;
  }
  int Binary(Op op, int a, int b) {
    const int y = t_.NewTensor(Name("b"), TensorType::TensorType_FLOAT32, shape_);
    switch (op) {
      case Op::BuiltinOperator_ADD:
        t_.Op(op, {a, b}, {y}, ::tflite::BuiltinOptions_AddOptions,
              ::tflite::CreateAddOptions(t_.fbb()).Union());
        break;
      case Op::BuiltinOperator_MUL:
        t_.Op(op, {a, b}, {y}, ::tflite::BuiltinOptions_MulOptions,
              ::tflite::CreateMulOptions(t_.fbb()).Union());
        break;
      case Op::BuiltinOperator_SUB:
        t_.Op(op, {a, b}, {y}, ::tflite::BuiltinOptions_SubOptions,
              ::tflite::CreateSubOptions(t_.fbb()).Union());
        break;
      case Op::BuiltinOperator_DIV:
        t_.Op(op, {a, b}, {y}, ::tflite::BuiltinOptions_DivOptions,
              ::tflite::CreateDivOptions(t_.fbb()).Union());
        break;
      default:
        t_.Op(op, {a, b}, {y}, ::tflite::BuiltinOptions_MaximumMinimumOptions,
              ::tflite::CreateMaximumMinimumOptions(t_.fbb()).Union());
    }
    return y;
  }
  // The last op's output becomes the node's output (renamed after it).
  void Finish(int y) { t_.Bind(node_, 0, y); }

 private:
  std::string Name(const char* what) {
    return node_.def.name() + "/" + what + std::to_string(count_++);
  }
  const tf::TfNode& node_;
  Translator& t_;
  ir::Dims shape_;
  int count_ = 0;
};

Result<int> FloatInput(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  if (t.Info(x).type != TensorType::TensorType_FLOAT32)
    return NodeError(node, "only float32 is expressed in TFLite builtins");
  return x;
}

}  // namespace

Status ConvertErf(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, FloatInput(node, t));
  Emitter e(node, t, t.Info(x).shape);
  constexpr float kP = 0.3275911f;
  constexpr float kA[5] = {0.254829592f, -0.284496736f, 1.421413741f, -1.453152027f, 1.061405429f};
  PT2TF_ASSIGN_OR_RETURN(int p, e.Scalar(kP));
  PT2TF_ASSIGN_OR_RETURN(int one, e.Scalar(1.0f));
  const int ax = e.Unary(Op::BuiltinOperator_ABS, x);
  const int tt =
      e.Binary(Op::BuiltinOperator_DIV, one,
               e.Binary(Op::BuiltinOperator_ADD, e.Binary(Op::BuiltinOperator_MUL, ax, p), one));
  // Horner: ((((a5 t + a4) t + a3) t + a2) t + a1) t
  PT2TF_ASSIGN_OR_RETURN(int acc, e.Scalar(kA[4]));
  for (int i = 3; i >= 0; --i) {
    PT2TF_ASSIGN_OR_RETURN(int a, e.Scalar(kA[i]));
    acc = e.Binary(Op::BuiltinOperator_ADD, e.Binary(Op::BuiltinOperator_MUL, acc, tt), a);
  }
  const int poly = e.Binary(Op::BuiltinOperator_MUL, acc, tt);
  const int neg_sq = e.Unary(Op::BuiltinOperator_NEG, e.Binary(Op::BuiltinOperator_MUL, x, x));
  const int tail =
      e.Binary(Op::BuiltinOperator_MUL, poly, e.Unary(Op::BuiltinOperator_EXP, neg_sq));
  const int mag = e.Binary(Op::BuiltinOperator_SUB, one, tail);
  e.Finish(e.Binary(Op::BuiltinOperator_MUL, e.Unary(Op::BuiltinOperator_SIGN, x), mag));
  return OkStatus();
}

Status ConvertSoftplus(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, FloatInput(node, t));
  Emitter e(node, t, t.Info(x).shape);
  PT2TF_ASSIGN_OR_RETURN(int one, e.Scalar(1.0f));
  const int neg_abs = e.Unary(Op::BuiltinOperator_NEG, e.Unary(Op::BuiltinOperator_ABS, x));
  const int log1p =
      e.Unary(Op::BuiltinOperator_LOG,
              e.Binary(Op::BuiltinOperator_ADD, one, e.Unary(Op::BuiltinOperator_EXP, neg_abs)));
  e.Finish(e.Binary(Op::BuiltinOperator_ADD, e.Unary(Op::BuiltinOperator_RELU, x), log1p));
  return OkStatus();
}

Status ConvertSelu(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, FloatInput(node, t));
  Emitter e(node, t, t.Info(x).shape);
  // TF's Selu constants (those of the SELU paper, as ONNX's defaults).
  PT2TF_ASSIGN_OR_RETURN(int alpha, e.Scalar(1.6732632423543772f));
  PT2TF_ASSIGN_OR_RETURN(int scale, e.Scalar(1.0507009873554805f));
  PT2TF_ASSIGN_OR_RETURN(int zero, e.Scalar(0.0f));
  const int neg = e.Binary(Op::BuiltinOperator_MINIMUM, e.Unary(Op::BuiltinOperator_ELU, x), zero);
  const int sum = e.Binary(Op::BuiltinOperator_ADD, e.Unary(Op::BuiltinOperator_RELU, x),
                           e.Binary(Op::BuiltinOperator_MUL, neg, alpha));
  e.Finish(e.Binary(Op::BuiltinOperator_MUL, sum, scale));
  return OkStatus();
}

}  // namespace pt2tf::tflite
