#include "tflite/ops/chain.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace pt2tf::tflite {

using Op = BuiltinOperator;

std::pair<::tflite::BuiltinOptions, flatbuffers::Offset<void>> BinaryOptionsFor(
    flatbuffers::FlatBufferBuilder& fbb, Op op, ::tflite::ActivationFunctionType act) {
  switch (op) {
    case Op::BuiltinOperator_ADD:
      return {::tflite::BuiltinOptions_AddOptions, ::tflite::CreateAddOptions(fbb, act).Union()};
    case Op::BuiltinOperator_SUB:
      return {::tflite::BuiltinOptions_SubOptions, ::tflite::CreateSubOptions(fbb, act).Union()};
    case Op::BuiltinOperator_MUL:
      return {::tflite::BuiltinOptions_MulOptions, ::tflite::CreateMulOptions(fbb, act).Union()};
    case Op::BuiltinOperator_DIV:
      return {::tflite::BuiltinOptions_DivOptions, ::tflite::CreateDivOptions(fbb, act).Union()};
    case Op::BuiltinOperator_MAXIMUM:
    case Op::BuiltinOperator_MINIMUM:
      return {::tflite::BuiltinOptions_MaximumMinimumOptions,
              ::tflite::CreateMaximumMinimumOptions(fbb).Union()};
    default:
      return {::tflite::BuiltinOptions_NONE, 0};
  }
}

bool IsPredicate(Op op) {
  switch (op) {
    case Op::BuiltinOperator_GREATER:
    case Op::BuiltinOperator_GREATER_EQUAL:
    case Op::BuiltinOperator_LESS:
    case Op::BuiltinOperator_LESS_EQUAL:
    case Op::BuiltinOperator_EQUAL:
    case Op::BuiltinOperator_NOT_EQUAL:
    case Op::BuiltinOperator_LOGICAL_AND:
    case Op::BuiltinOperator_LOGICAL_OR:
      return true;
    default:
      return false;
  }
}

Result<DType> DTypeOf(TensorType type) {
  switch (type) {
    case TensorType::TensorType_FLOAT32:
      return DType::kFloat32;
    case TensorType::TensorType_FLOAT16:
      return DType::kFloat16;
    case TensorType::TensorType_FLOAT64:
      return DType::kFloat64;
    case TensorType::TensorType_INT64:
      return DType::kInt64;
    case TensorType::TensorType_INT32:
      return DType::kInt32;
    case TensorType::TensorType_INT16:
      return DType::kInt16;
    case TensorType::TensorType_INT8:
      return DType::kInt8;
    case TensorType::TensorType_UINT8:
      return DType::kUInt8;
    case TensorType::TensorType_UINT16:
      return DType::kUInt16;
    case TensorType::TensorType_UINT32:
      return DType::kUInt32;
    case TensorType::TensorType_BOOL:
      return DType::kBool;
    default:
      return Unsupported(std::string("TFLite type ") + ::tflite::EnumNameTensorType(type) +
                         " has no constant form here");
  }
}

Result<int> Int32Operand(const tf::TfNode& node, Translator& t, size_t i) {
  // Values past int32 (a slice's end of INT64_MAX, "to the end") are clamped, not wrapped:
  // a CAST would turn INT64_MAX into -1, one short of the end.
  constexpr int64_t kLo = std::numeric_limits<int32_t>::min();
  constexpr int64_t kHi = std::numeric_limits<int32_t>::max();
  if (auto c = t.Const(node, i); c && c->data.dtype() == DType::kInt64) {
    // (a constant too big to read element-wise goes the run-time way below)
    if (Result<std::vector<int64_t>> v = t.ConstInts(node, i); v.ok()) {
      for (int64_t& e : *v) e = std::clamp(e, kLo, kHi);
      return t.ConstI32(node.def.name() + "/operand" + std::to_string(i), *v, c->shape);
    }
  }
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, i));
  const TensorType type = t.Info(x).type;
  if (type == TensorType::TensorType_INT32) return x;
  if (type != TensorType::TensorType_INT64)
    return NodeError(node, "input " + std::to_string(i) + " must be int32 or int64");
  Chain c(node, t);
  PT2TF_ASSIGN_OR_RETURN(int lo, c.Scalar(TensorType::TensorType_INT64, static_cast<double>(kLo)));
  PT2TF_ASSIGN_OR_RETURN(int hi, c.Scalar(TensorType::TensorType_INT64, static_cast<double>(kHi)));
  PT2TF_ASSIGN_OR_RETURN(int above, c.Binary(BuiltinOperator::BuiltinOperator_MAXIMUM, x, lo));
  PT2TF_ASSIGN_OR_RETURN(int within, c.Binary(BuiltinOperator::BuiltinOperator_MINIMUM, above, hi));
  return c.Cast(within, TensorType::TensorType_INT32);
}

std::string Chain::Name(const char* what) {
  return node_.def.name() + "/" + what + std::to_string(count_++);
}

Result<int> Chain::Scalar(TensorType type, double value) {
  PT2TF_ASSIGN_OR_RETURN(DType d, DTypeOf(type));
  PT2TF_ASSIGN_OR_RETURN(Tensor s, ScalarTensor(d, value));
  return t_.ConstTensor(Name("c"), ConstView{std::move(s), {}});  // < 16 elements: never fp16
}

int Chain::Unary(Op op, int x) {
  const int y = t_.NewTensor(Name("u"), t_.Info(x).type, t_.Info(x).shape);
  t_.Op(op, {x}, {y});
  return y;
}

Result<int> Chain::Binary(Op op, int a, int b) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ys, Broadcast(t_.Info(a).shape, t_.Info(b).shape));
  const TensorType type = IsPredicate(op) ? TensorType::TensorType_BOOL : t_.Info(a).type;
  const int y = t_.NewTensor(Name("b"), type, ys);
  auto [options_type, options] = BinaryOptionsFor(t_.fbb(), op);
  t_.Op(op, {a, b}, {y}, options_type, options);
  return y;
}

int Chain::Cast(int x, TensorType to) {
  const int y = t_.NewTensor(Name("cast"), to, t_.Info(x).shape);
  auto o = ::tflite::CreateCastOptions(t_.fbb(), t_.Info(x).type, to);
  t_.Op(Op::BuiltinOperator_CAST, {x}, {y}, ::tflite::BuiltinOptions_CastOptions, o.Union());
  return y;
}

Result<int> Chain::Select(int c, int a, int b) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ab, Broadcast(t_.Info(a).shape, t_.Info(b).shape));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ys, Broadcast(t_.Info(c).shape, ab));
  const int y = t_.NewTensor(Name("sel"), t_.Info(a).type, ys);
  t_.Op(Op::BuiltinOperator_SELECT_V2, {c, a, b}, {y}, ::tflite::BuiltinOptions_SelectV2Options,
        ::tflite::CreateSelectV2Options(t_.fbb()).Union());
  return y;
}

}  // namespace pt2tf::tflite
