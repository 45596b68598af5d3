// Upsampling: aten.upsample_nearest2d, _upsample_nearest_exact2d and upsample_bilinear2d (the
// .vec forms torch.export keeps, and the .default core-ATen forms) as ONNX Resize. The output
// size the program records is used when static, so the pixel mapping is torch's exactly
// (scale = in / out); otherwise the scale factors.
#include "pt2/ops/ops.h"

#include "ir/eval/host_tensor.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

struct ResizeMode {
  const char* mode;          // ONNX mode
  const char* coordinates;   // coordinate_transformation_mode
  const char* nearest_mode;  // for mode "nearest"
};

Result<ir::Value*> ConstFloats(OpCall& c, const std::vector<double>& values) {
  ir::eval::HostTensor h;
  h.dtype = DType::kFloat32;
  h.shape = {static_cast<int64_t>(values.size())};
  h.f = values;
  PT2TF_ASSIGN_OR_RETURN(Tensor t, h.ToTensor());
  return c.ctx().graph().AddInitializer(c.ctx().graph().UniqueName("scales"), std::move(t));
}

Status Upsample(OpCall& c, ResizeMode m) {
  ImportContext& ctx = c.ctx();
  const char* input = c.Find("self") ? "self" : "input";
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor(input));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank(input));
  if (rank != 4) return c.Error("only 4-D (NCHW) input is supported");
  if (c.Has("align_corners")) {
    PT2TF_ASSIGN_OR_RETURN(bool align, c.Bool("align_corners"));
    if (align) m.coordinates = "align_corners";
  }
  ir::AttributeMap attrs = {{"mode", Attribute::String(m.mode)},
                            {"coordinate_transformation_mode", Attribute::String(m.coordinates)}};
  if (std::string(m.mode) == "nearest") attrs["nearest_mode"] = Attribute::String(m.nearest_mode);
  const TensorMeta* out = ctx.Meta(c.OutputName());
  bool static_out = out != nullptr && out->sizes.size() == 4;
  for (size_t i = 0; static_out && i < out->sizes.size(); ++i)
    static_out = !out->sizes[i].symbolic();
  if (static_out) {
    std::vector<int64_t> sizes;
    for (const SymDim& d : out->sizes) sizes.push_back(d.value);
    return c.SetOutput(ctx.Op("Resize", {x, nullptr, nullptr, ctx.ConstInts(sizes)}, attrs));
  }
  // A dynamic batch (or image size): torch's own scale factors, which the .vec forms carry.
  std::vector<double> factors;
  if (c.Has("scale_factors")) {
    const Arg* a = c.Find("scale_factors");
    if (a->kind != ArgKind::kFloats) return c.Error("scale_factors is not a float list");
    factors = a->floats;
  } else if (c.Has("scales_h") && c.Has("scales_w")) {
    PT2TF_ASSIGN_OR_RETURN(double sh, c.Float("scales_h"));
    PT2TF_ASSIGN_OR_RETURN(double sw, c.Float("scales_w"));
    factors = {sh, sw};
  }
  if (factors.size() != 2)
    return c.Error("a dynamic output size without two scale factors is not supported");
  PT2TF_ASSIGN_OR_RETURN(ir::Value * scales, ConstFloats(c, {1.0, 1.0, factors[0], factors[1]}));
  return c.SetOutput(ctx.Op("Resize", {x, nullptr, scales}, attrs));
}

}  // namespace

// torch's "nearest": src = floor(dst * in / out), ONNX asymmetric + floor.
Status UpsampleNearest(OpCall& c) { return Upsample(c, {"nearest", "asymmetric", "floor"}); }
// "nearest-exact": src = floor((dst + 0.5) * in / out), half_pixel rounded half up.
Status UpsampleNearestExact(OpCall& c) {
  return Upsample(c, {"nearest", "half_pixel", "round_prefer_ceil"});
}
Status UpsampleBilinear(OpCall& c) { return Upsample(c, {"linear", "pytorch_half_pixel", ""}); }

}  // namespace pt2tf::pt2::ops
