// Bitwise TF ops → TFLite builtins: BitwiseXor (BITWISE_XOR), Invert (BITWISE_XOR with all
// ones), RightShift (RIGHT_SHIFT: arithmetic for signed, logical for unsigned types, as TF's).
// TFLite has no bitwise AND/OR or left shift builtin: those stay refused.
#include <cstring>

#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

bool IsBitwiseType(TensorType type) {
  switch (type) {
    case TensorType::TensorType_INT8:
    case TensorType::TensorType_UINT8:
    case TensorType::TensorType_INT16:
    case TensorType::TensorType_UINT16:
    case TensorType::TensorType_INT32:
    case TensorType::TensorType_UINT32:
      return true;
    default:
      return false;
  }
}

// The kernels broadcast through a 4-D loop: more dims only with equal shapes.
Status CheckOperands(const tf::TfNode& node, Translator& t, int a, int b) {
  const TensorSpec& x = t.Info(a);
  const TensorSpec& y = t.Info(b);
  if (x.type != y.type || !IsBitwiseType(x.type))
    return NodeError(node, std::string("TFLite's bitwise kernels take equal 8/16/32-bit integer "
                                       "types, not ") +
                               ::tflite::EnumNameTensorType(x.type));
  if (x.shape != y.shape && (x.shape.size() > 4 || y.shape.size() > 4))
    return NodeError(node, "TFLite's bitwise kernels broadcast at most 4-D shapes");
  return OkStatus();
}

// An all-ones scalar of the tensor's type.
Result<int> AllOnes(const tf::TfNode& node, Translator& t, TensorType type) {
  DType d = DType::kInt32;
  switch (type) {
    case TensorType::TensorType_INT8:
      d = DType::kInt8;
      break;
    case TensorType::TensorType_UINT8:
      d = DType::kUInt8;
      break;
    case TensorType::TensorType_INT16:
      d = DType::kInt16;
      break;
    case TensorType::TensorType_UINT16:
      d = DType::kUInt16;
      break;
    case TensorType::TensorType_UINT32:
      d = DType::kUInt32;
      break;
    default:
      break;
  }
  std::vector<std::byte> bytes(ElementSize(d), std::byte{0xff});
  PT2TF_ASSIGN_OR_RETURN(Tensor ones, Tensor::FromBytes(d, {}, std::move(bytes)));
  return t.ConstTensor(node.def.name() + "/all_ones", ConstView{std::move(ones), {}});
}

}  // namespace

Status ConvertBitwise(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int a, t.In(node, 0));
  int b = 0;
  if (node.def.op() == "Invert") {
    PT2TF_ASSIGN_OR_RETURN(b, AllOnes(node, t, t.Info(a).type));
  } else {
    PT2TF_ASSIGN_OR_RETURN(b, t.In(node, 1));
  }
  PT2TF_RETURN_IF_ERROR(CheckOperands(node, t, a, b));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ys, Broadcast(t.Info(a).shape, t.Info(b).shape));
  const int y = t.Output(node, 0, t.Info(a).type, ys);
  t.Op(node.def.op() == "RightShift" ? Op::BuiltinOperator_RIGHT_SHIFT
                                     : Op::BuiltinOperator_BITWISE_XOR,
       {a, b}, {y});
  return OkStatus();
}

}  // namespace pt2tf::tflite
