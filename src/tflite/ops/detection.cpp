// TF Where and NonMaxSuppressionV5 (the lowering of ONNX NonZero and NonMaxSuppression,
// src/tf/ops/detection.cpp) → TFLite WHERE and NON_MAX_SUPPRESSION_V5. Both produce a
// run-time number of rows (kDynamicDim). TFLite's NMS pads its outputs to max_output_size
// and says how many are valid: the padding is sliced off, as TF's unpadded op returns. Its
// IoU test keeps a box only strictly below the threshold, so the threshold moves up a step.
#include <cmath>
#include <limits>

#include "tflite/ops/chain.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {

using Op = BuiltinOperator;

Status ConvertWhere(const tf::TfNode& node, Translator& t) {
  if (t.InputCount(node) != 1) return NodeError(node, "only the one-input Where is supported");
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const TensorSpec xs = t.Info(x);  // a copy: adding tensors moves the table
  if (xs.type != TensorType::TensorType_BOOL) return NodeError(node, "needs a bool condition");
  const int y = t.Output(node, 0, TensorType::TensorType_INT64,
                         {kDynamicDim, static_cast<int64_t>(xs.shape.size())});
  t.Op(Op::BuiltinOperator_WHERE, {x}, {y});
  return OkStatus();
}

Status ConvertNonMaxSuppression(const tf::TfNode& node, Translator& t) {
  if (t.InputCount(node) != 6) return NodeError(node, "expects 6 inputs");
  if (AttrBool(node, "pad_to_max_output_size"))
    return NodeError(node, "pad_to_max_output_size is not supported");
  std::vector<int32_t> in;
  Chain c(node, t);
  for (size_t i = 0; i < 6; ++i) {
    if (i == 2) {
      PT2TF_ASSIGN_OR_RETURN(int m, Int32Operand(node, t, 2));
      in.push_back(m);
      continue;
    }
    PT2TF_ASSIGN_OR_RETURN(int v, t.In(node, i));
    if (t.Info(v).type != TensorType::TensorType_FLOAT32)
      return NodeError(node, "boxes, scores and thresholds must be float32");
    if (i == 3) {
      // TFLite's kernel suppresses a box whose IoU equals the threshold, TF and ONNX only
      // one above it: the threshold one float step up makes "IoU >= t" mean "IoU > iou".
      if (auto k = t.Const(node, 3); k && k->data.numel() == 1) {
        const float iou = static_cast<float>(k->data.ElementAsDouble(0));
        PT2TF_ASSIGN_OR_RETURN(v, c.Scalar(TensorType::TensorType_FLOAT32,
                                           std::nextafter(iou, std::numeric_limits<float>::max())));
      } else {  // × (1 + 2^-23): one step up for a positive threshold
        PT2TF_ASSIGN_OR_RETURN(int up, c.Scalar(TensorType::TensorType_FLOAT32, 1.0 + 0x1p-23));
        PT2TF_ASSIGN_OR_RETURN(v, c.Binary(Op::BuiltinOperator_MUL, v, up));
      }
    }
    in.push_back(v);
  }
  const std::string name = node.def.name();
  const int padded = t.NewTensor(name + "/padded", TensorType::TensorType_INT32, {kDynamicDim});
  const int padded_scores =
      t.NewTensor(name + "/padded_scores", TensorType::TensorType_FLOAT32, {kDynamicDim});
  const int valid = t.Output(node, 2, TensorType::TensorType_INT32, {});
  t.Op(Op::BuiltinOperator_NON_MAX_SUPPRESSION_V5, in, {padded, padded_scores, valid});
  const int size = t.NewTensor(name + "/valid_1d", TensorType::TensorType_INT32, {1});
  t.Op(Op::BuiltinOperator_RESHAPE, {valid, t.ConstI32(name + "/one", {1})}, {size});
  const int begin = t.ConstI32(name + "/begin", {0});
  const int indices = t.Output(node, 0, TensorType::TensorType_INT32, {kDynamicDim});
  t.Op(Op::BuiltinOperator_SLICE, {padded, begin, size}, {indices},
       ::tflite::BuiltinOptions_SliceOptions, ::tflite::CreateSliceOptions(t.fbb()).Union());
  const int scores = t.Output(node, 1, TensorType::TensorType_FLOAT32, {kDynamicDim});
  t.Op(Op::BuiltinOperator_SLICE, {padded_scores, begin, size}, {scores},
       ::tflite::BuiltinOptions_SliceOptions, ::tflite::CreateSliceOptions(t.fbb()).Union());
  return OkStatus();
}

}  // namespace pt2tf::tflite
