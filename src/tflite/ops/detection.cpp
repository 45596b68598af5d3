// TF Where and NonMaxSuppressionV5 (the lowering of ONNX NonZero and NonMaxSuppression,
// src/tf/ops/detection.cpp) → TFLite WHERE and NON_MAX_SUPPRESSION_V5. Both produce a
// run-time number of rows (kDynamicDim). TFLite's NMS pads its outputs to max_output_size
// and says how many are valid: the padding is sliced off, as TF's unpadded op returns. Its
// IoU test keeps a box only strictly below the threshold, so the threshold moves up a step.
// Its loop puts a selected box back in its queue and relies on the box's IoU with itself
// (1) to drop it when it comes round again: a box of zero area (IoU 0 with everything) was
// selected again and again, filling every slot (a detector's box clipped flat at the image
// border), and so was every box under a threshold past 1. Boxes are therefore given a
// positive area (ZeroAreaGuard) and the threshold is capped at 1; it is also at least
// FLT_MIN, so that a threshold of 0 keeps boxes that do not overlap. What differs from ONNX,
// measured on random boxes against ONNX Runtime: at threshold 1, one of two identical boxes
// is suppressed (ONNX keeps both), and at threshold 0 a zero-area box touching a kept box is
// (ONNX: IoU 0, kept). --quantize leaves this arithmetic float (Translator::KeepFloat).
#include <algorithm>
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

// [N, 4] boxes (y1, x1, y2, x2 in either order) as (min, min, max, max) with each max at
// least max(|min|, 1) · 2^-22 above its min: two float steps at least, so every box has a
// positive area. A box of zero area keeps an IoU of at most ~1e-7 with any box of size 1 or
// more; only two such boxes on the same spot (ONNX: IoU 0) may now suppress one another.
static Result<int> ZeroAreaGuard(const tf::TfNode& node, Translator& t, Chain& c, int boxes) {
  const ir::Dims bs = t.Info(boxes).shape;
  if (bs.size() != 2 || bs[1] != 4) return NodeError(node, "boxes must be [N, 4]");
  const std::string name = node.def.name();
  const ir::Dims half{bs[0], 2};
  const int a = t.NewTensor(name + "/corner_a", TensorType::TensorType_FLOAT32, half);
  const int b = t.NewTensor(name + "/corner_b", TensorType::TensorType_FLOAT32, half);
  t.Op(Op::BuiltinOperator_SPLIT, {t.ConstI32(name + "/axis1", {1}, ir::Dims{}), boxes}, {a, b},
       ::tflite::BuiltinOptions_SplitOptions, ::tflite::CreateSplitOptions(t.fbb(), 2).Union());
  PT2TF_ASSIGN_OR_RETURN(int lo, c.Binary(Op::BuiltinOperator_MINIMUM, a, b));
  PT2TF_ASSIGN_OR_RETURN(int hi, c.Binary(Op::BuiltinOperator_MAXIMUM, a, b));
  PT2TF_ASSIGN_OR_RETURN(int one, c.Scalar(TensorType::TensorType_FLOAT32, 1));
  PT2TF_ASSIGN_OR_RETURN(int step, c.Scalar(TensorType::TensorType_FLOAT32, 0x1p-22));
  const int abs_lo = c.Unary(Op::BuiltinOperator_ABS, lo);
  PT2TF_ASSIGN_OR_RETURN(int mag, c.Binary(Op::BuiltinOperator_MAXIMUM, abs_lo, one));
  PT2TF_ASSIGN_OR_RETURN(int eps, c.Binary(Op::BuiltinOperator_MUL, mag, step));
  PT2TF_ASSIGN_OR_RETURN(int floor_hi, c.Binary(Op::BuiltinOperator_ADD, lo, eps));
  PT2TF_ASSIGN_OR_RETURN(int hi2, c.Binary(Op::BuiltinOperator_MAXIMUM, hi, floor_hi));
  const int guarded = t.NewTensor(name + "/boxes", TensorType::TensorType_FLOAT32, bs);
  t.Op(Op::BuiltinOperator_CONCATENATION, {lo, hi2}, {guarded},
       ::tflite::BuiltinOptions_ConcatenationOptions,
       ::tflite::CreateConcatenationOptions(t.fbb(), 1).Union());
  // A step of 2^-22 is far below any int8 scale of the boxes: --quantize keeps these float.
  for (int v : {a, b, lo, hi, abs_lo, mag, eps, floor_hi, hi2, guarded}) t.KeepFloat(v);
  return guarded;
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
    if (i == 0) {
      PT2TF_ASSIGN_OR_RETURN(v, ZeroAreaGuard(node, t, c, v));
    }
    if (i == 3) {
      // TFLite's kernel suppresses a box whose IoU equals the threshold, TF and ONNX only
      // one above it: the threshold one float step up makes "IoU >= t" mean "IoU > iou".
      // At most 1, so that a selected box still drops itself (see the top): at 1 only
      // identical boxes, which ONNX keeps, are suppressed. At least FLT_MIN, so that a
      // threshold of 0 (suppress any overlap) still lets apart boxes with IoU 0 through.
      constexpr float kTiny = std::numeric_limits<float>::min();
      if (auto k = t.Const(node, 3); k && k->data.numel() == 1) {
        const float iou = static_cast<float>(k->data.ElementAsDouble(0));
        const float up = std::nextafter(iou, std::numeric_limits<float>::max());
        PT2TF_ASSIGN_OR_RETURN(
            v, c.Scalar(TensorType::TensorType_FLOAT32, std::clamp(up, kTiny, 1.0f)));
      } else {  // × (1 + 2^-23): one step up for a positive threshold
        PT2TF_ASSIGN_OR_RETURN(int up, c.Scalar(TensorType::TensorType_FLOAT32, 1.0 + 0x1p-23));
        PT2TF_ASSIGN_OR_RETURN(int tiny, c.Scalar(TensorType::TensorType_FLOAT32, kTiny));
        PT2TF_ASSIGN_OR_RETURN(int one, c.Scalar(TensorType::TensorType_FLOAT32, 1));
        PT2TF_ASSIGN_OR_RETURN(int scaled, c.Binary(Op::BuiltinOperator_MUL, v, up));
        PT2TF_ASSIGN_OR_RETURN(int floored, c.Binary(Op::BuiltinOperator_MAXIMUM, scaled, tiny));
        PT2TF_ASSIGN_OR_RETURN(v, c.Binary(Op::BuiltinOperator_MINIMUM, floored, one));
        for (int k : {scaled, floored, v}) t.KeepFloat(k);  // one float step: not int8
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
