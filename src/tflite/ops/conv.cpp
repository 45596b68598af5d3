// Conv2D / DepthwiseConv2dNative (+ BiasAdd + Relu/Relu6) → CONV_2D / DEPTHWISE_CONV_2D with
// the bias and a fused activation; MaxPool / AvgPool → MAX_POOL_2D / AVERAGE_POOL_2D.
//
// Filters: TF's HWIO [kh, kw, I, O] becomes CONV_2D's OHWI (a strided view of the source
// weight, streamed at write time); a depthwise [kh, kw, C, M] is already DEPTHWISE_CONV_2D's
// [1, kh, kw, C*M] in C order. A filter computed at run time gets a TRANSPOSE / RESHAPE. EXPLICIT
// padding becomes a PAD in front: zeros for convolutions and average pools, the lowest float for
// max pools (TF's padded cells never win a max).
#include <cstring>
#include <limits>

#include "tflite/ops/fuse.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  ::tflite::Padding padding = ::tflite::Padding_VALID;
};

int64_t OutSize(int64_t in, int64_t k, int64_t s, int64_t d, ::tflite::Padding p) {
  if (in == kDynamicDim) return kDynamicDim;  // the kernel sizes it at run time
  if (p == ::tflite::Padding_SAME) return (in + s - 1) / s;
  const int64_t eff = (k - 1) * d + 1;
  return in < eff ? 0 : (in - eff) / s + 1;
}

// The NHWC input, padded in front when the node asks for EXPLICIT padding (with `fill`).
Result<int> PaddedInput(const tf::TfNode& node, Translator& t, Window& w, ir::Dims& shape,
                        float fill = 0.0f) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(shape, t.InShape(node, 0));
  if (shape.size() != 4) return NodeError(node, "expects a 4-D NHWC input");
  const std::string padding = AttrString(node, "padding", "VALID");
  if (padding == "SAME") {
    w.padding = ::tflite::Padding_SAME;
  } else if (padding == "EXPLICIT") {
    std::vector<int64_t> pads = AttrInts(node, "explicit_paddings");
    if (pads.size() != 8) return NodeError(node, "explicit_paddings must have 8 entries");
    const int paddings = t.ConstI32(node.def.name() + "/paddings", pads, ir::Dims{4, 2});
    for (int i = 0; i < 4; ++i)
      if (shape[i] != kDynamicDim) shape[i] += pads[2 * i] + pads[2 * i + 1];
    const int padded = t.NewTensor(node.def.name() + "/pad", t.Info(x).type, shape);
    if (fill == 0.0f) {
      t.Op(BuiltinOperator::BuiltinOperator_PAD, {x, paddings}, {padded},
           ::tflite::BuiltinOptions_PadOptions, ::tflite::CreatePadOptions(t.fbb()).Union());
    } else {
      if (t.Info(x).type != TensorType::TensorType_FLOAT32)
        return NodeError(node, "EXPLICIT max-pool padding needs float32");
      std::vector<std::byte> bytes(4);
      std::memcpy(bytes.data(), &fill, 4);
      PT2TF_ASSIGN_OR_RETURN(Tensor v, Tensor::FromBytes(DType::kFloat32, {}, std::move(bytes)));
      PT2TF_ASSIGN_OR_RETURN(int value,
                             t.ConstTensor(node.def.name() + "/pad_value", ConstView{v, {}}));
      t.Op(BuiltinOperator::BuiltinOperator_PADV2, {x, paddings, value}, {padded},
           ::tflite::BuiltinOptions_PadV2Options, ::tflite::CreatePadV2Options(t.fbb()).Union());
    }
    x = padded;
  } else if (padding != "VALID") {
    return NodeError(node, "padding '" + padding + "'");
  }
  return x;
}

Status ReadStrides(const tf::TfNode& node, Window& w) {
  std::vector<int64_t> s = AttrInts(node, "strides");
  std::vector<int64_t> d = AttrInts(node, "dilations");
  if (s.empty()) s = {1, 1, 1, 1};
  if (d.empty()) d = {1, 1, 1, 1};
  if (s.size() != 4 || d.size() != 4 || s[0] != 1 || s[3] != 1 || d[0] != 1 || d[3] != 1)
    return NodeError(node, "strides/dilations must be [1, h, w, 1]");
  w.sh = s[1], w.sw = s[2], w.dh = d[1], w.dw = d[2];
  if (AttrString(node, "data_format", "NHWC") != "NHWC") return NodeError(node, "not NHWC");
  return OkStatus();
}

}  // namespace

Status ConvertConv2D(const tf::TfNode& node, Translator& t) {
  const bool depthwise = node.def.op() == "DepthwiseConv2dNative";
  Window w;
  PT2TF_RETURN_IF_ERROR(ReadStrides(node, w));
  ir::Dims xs;
  PT2TF_ASSIGN_OR_RETURN(int x, PaddedInput(node, t, w, xs));
  if (t.Info(x).type != TensorType::TensorType_FLOAT32)
    return NodeError(node, std::string("TFLite's convolution kernels compute float32 (and "
                                       "quantized types), not ") +
                               ::tflite::EnumNameTensorType(t.Info(x).type));
  auto filter = t.Const(node, 1);
  PT2TF_ASSIGN_OR_RETURN(const ir::Dims fs, t.InShape(node, 1));  // [kh, kw, I|C, O|M]
  if (fs.size() != 4) return NodeError(node, "the filter must be a 4-D tensor");
  w.kh = fs[0], w.kw = fs[1];
  const int64_t out_c = depthwise ? fs[2] * fs[3] : fs[3];
  // A run-time channel count (after a Pad whose paddings are computed, e.g. SAME padding
  // from Shape) is checked by the kernel against the filter when the model runs.
  if (xs[3] != kDynamicDim && (depthwise ? fs[2] != xs[3] : (fs[2] <= 0 || xs[3] % fs[2] != 0)))
    return NodeError(node,
                     "filter " + ShapeToString(fs) + " does not match input " + ShapeToString(xs));
  int f = 0;
  if (filter) {
    ConstView tfl_filter;
    if (depthwise) {
      tfl_filter = ConstView{filter->data, {1, fs[0], fs[1], out_c}};
    } else {
      PT2TF_ASSIGN_OR_RETURN(tfl_filter, PermuteConst(*filter, {3, 0, 1, 2}));
    }
    const tf::TfNode* filter_node = t.Producer(node, 1);
    PT2TF_ASSIGN_OR_RETURN(f, t.ConstTensor(filter_node->def.name() + "/tflite", tfl_filter));
  } else {
    // A filter computed at run time (e.g. fed as a graph input) is rearranged by ops:
    // RESHAPE for depthwise, TRANSPOSE HWIO -> OHWI otherwise. XNNPACK leaves such a
    // convolution to TFLite's own kernel, which reads the filter at every invoke.
    PT2TF_ASSIGN_OR_RETURN(int raw, t.In(node, 1));
    const TensorType ft = t.Info(raw).type;
    if (depthwise) {
      const ir::Dims ds = {1, fs[0], fs[1], out_c};
      f = t.NewTensor(node.def.name() + "/filter", ft, ds);
      auto o = ::tflite::CreateReshapeOptions(
          t.fbb(), t.fbb().CreateVector(std::vector<int32_t>(ds.begin(), ds.end())));
      t.Op(BuiltinOperator::BuiltinOperator_RESHAPE,
           {raw, t.ConstI32(node.def.name() + "/filter_shape", ds)}, {f},
           ::tflite::BuiltinOptions_ReshapeOptions, o.Union());
    } else {
      f = t.NewTensor(node.def.name() + "/filter", ft, {fs[3], fs[0], fs[1], fs[2]});
      t.Op(BuiltinOperator::BuiltinOperator_TRANSPOSE,
           {raw, t.ConstI32(node.def.name() + "/filter_perm", {3, 0, 1, 2})}, {f},
           ::tflite::BuiltinOptions_TransposeOptions,
           ::tflite::CreateTransposeOptions(t.fbb()).Union());
    }
  }
  const ir::Dims ys = {xs[0], OutSize(xs[1], w.kh, w.sh, w.dh, w.padding),
                       OutSize(xs[2], w.kw, w.sw, w.dw, w.padding), out_c};
  PT2TF_ASSIGN_OR_RETURN(Fused fused, FuseBiasActivation(node, t, out_c));
  PT2TF_ASSIGN_OR_RETURN(TensorType type, t.InType(node, 0));
  const int y = t.NewTensor(fused.last->def.name(), type, ys);
  if (depthwise) {
    auto o = ::tflite::CreateDepthwiseConv2DOptions(t.fbb(), w.padding, w.sw, w.sh, fs[3],
                                                    fused.activation, w.dw, w.dh);
    t.Op(BuiltinOperator::BuiltinOperator_DEPTHWISE_CONV_2D, {x, f, fused.bias}, {y},
         ::tflite::BuiltinOptions_DepthwiseConv2DOptions, o.Union());
  } else {
    auto o =
        ::tflite::CreateConv2DOptions(t.fbb(), w.padding, w.sw, w.sh, fused.activation, w.dw, w.dh);
    t.Op(BuiltinOperator::BuiltinOperator_CONV_2D, {x, f, fused.bias}, {y},
         ::tflite::BuiltinOptions_Conv2DOptions, o.Union());
  }
  fused.Bind(node, t, y);
  return OkStatus();
}

Status ConvertPool(const tf::TfNode& node, Translator& t) {
  Window w;
  std::vector<int64_t> k = AttrInts(node, "ksize");
  if (k.size() != 4 || k[0] != 1 || k[3] != 1) return NodeError(node, "ksize must be [1, h, w, 1]");
  w.kh = k[1], w.kw = k[2];
  PT2TF_RETURN_IF_ERROR(ReadStrides(node, w));
  ir::Dims xs;
  const bool max = node.def.op() == "MaxPool";
  PT2TF_ASSIGN_OR_RETURN(
      int x, PaddedInput(node, t, w, xs, max ? std::numeric_limits<float>::lowest() : 0.0f));
  PT2TF_ASSIGN_OR_RETURN(TensorType type, t.InType(node, 0));
  const ir::Dims ys = {xs[0], OutSize(xs[1], w.kh, w.sh, 1, w.padding),
                       OutSize(xs[2], w.kw, w.sw, 1, w.padding), xs[3]};
  const int y = t.Output(node, 0, type, ys);
  auto o = ::tflite::CreatePool2DOptions(t.fbb(), w.padding, w.sw, w.sh, w.kw, w.kh);
  t.Op(max ? BuiltinOperator::BuiltinOperator_MAX_POOL_2D
           : BuiltinOperator::BuiltinOperator_AVERAGE_POOL_2D,
       {x}, {y}, ::tflite::BuiltinOptions_Pool2DOptions, o.Union());
  return OkStatus();
}

}  // namespace pt2tf::tflite

namespace pt2tf::tflite {

// Conv2DBackpropInput(input_sizes, filter [kh, kw, O, I], x) → TRANSPOSE_CONV(output_shape,
// weights [O, kh, kw, I], x). TFLite knows SAME/VALID only: EXPLICIT pads are a VALID
// transpose conv to the full size, cropped by a SLICE.
Status ConvertConv2DBackpropInput(const tf::TfNode& node, Translator& t) {
  Window w;
  PT2TF_RETURN_IF_ERROR(ReadStrides(node, w));
  if (w.dh != 1 || w.dw != 1) return NodeError(node, "TFLite's TRANSPOSE_CONV has no dilation");
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, t.ConstInts(node, 0));
  auto filter = t.Const(node, 1);
  if (!filter || filter->shape.size() != 4 || sizes.size() != 4)
    return NodeError(node, "needs a constant 4-D filter and output size");
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 2));
  PT2TF_ASSIGN_OR_RETURN(ConstView weights, PermuteConst(*filter, {2, 0, 1, 3}));
  PT2TF_ASSIGN_OR_RETURN(int f,
                         t.ConstTensor(t.Producer(node, 1)->def.name() + "/tflite", weights));
  std::vector<int64_t> pads(8, 0);
  const std::string padding = AttrString(node, "padding", "VALID");
  if (padding == "EXPLICIT") {
    pads = AttrInts(node, "explicit_paddings");
    if (pads.size() != 8) return NodeError(node, "explicit_paddings must have 8 entries");
  } else if (padding != "VALID") {
    return NodeError(node, "padding '" + padding + "'");
  }
  ir::Dims full = sizes;
  for (int i = 0; i < 4; ++i) full[i] += pads[2 * i] + pads[2 * i + 1];
  const TensorType type = t.Info(x).type;
  const int shape = t.ConstI32(node.def.name() + "/output_shape", full);
  const bool crop = full != sizes;
  const int y =
      crop ? t.NewTensor(node.def.name() + "/full", type, full) : t.Output(node, 0, type, sizes);
  auto o = ::tflite::CreateTransposeConvOptions(t.fbb(), ::tflite::Padding_VALID, w.sw, w.sh);
  t.Op(BuiltinOperator::BuiltinOperator_TRANSPOSE_CONV, {shape, f, x}, {y},
       ::tflite::BuiltinOptions_TransposeConvOptions, o.Union());
  if (crop) {
    const int begin = t.ConstI32(node.def.name() + "/begin", {0, pads[2], pads[4], 0});
    const int size = t.ConstI32(node.def.name() + "/size", sizes);
    const int out = t.Output(node, 0, type, sizes);
    t.Op(BuiltinOperator::BuiltinOperator_SLICE, {y, begin, size}, {out},
         ::tflite::BuiltinOptions_SliceOptions, ::tflite::CreateSliceOptions(t.fbb()).Union());
  }
  return OkStatus();
}

}  // namespace pt2tf::tflite
