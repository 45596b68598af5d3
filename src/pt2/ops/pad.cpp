// Padding: aten.pad (constant / reflect / replicate / circular), constant_pad_nd,
// reflection_pad{1,2,3}d, replication_pad{1,2,3}d. torch lists (begin, end) pairs for the
// last dims, last dim first; ONNX wants all begins then all ends.
//
// constant and reflect are ONNX Pad (TF Pad / MirrorPad). replicate is ONNX "edge" when no
// side pads more than one element (the TF lowering mirrors those); wider replicate pads and
// circular pads (ONNX "wrap" is opset 19, and TF has no op for either) are built here from
// Slices, a Tile of the edge row, and a Concat per padded dim, which is exact.
#include <algorithm>
#include <map>

#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

enum class Mode { kConstant, kReflect, kReplicate, kCircular };

// Along `axis` of a dim of size n: [x[n-b:], x, x[:e]] (circular) or b copies of x[0] and
// e copies of x[n-1] around x (replicate).
ir::Value* PadAxisBySlices(ImportContext& ctx, ir::Value* x, int64_t axis, int64_t rank, int64_t n,
                           int64_t b, int64_t e, Mode mode) {
  ir::Value* axes = ctx.ConstInts({axis});
  auto slice = [&](int64_t from, int64_t to) {
    return ctx.Op("Slice", {x, ctx.ConstInts({from}), ctx.ConstInts({to}), axes});
  };
  auto tile = [&](ir::Value* v, int64_t times) {
    std::vector<int64_t> reps(rank, 1);
    reps[axis] = times;
    return ctx.Op("Tile", {v, ctx.ConstInts(reps)});
  };
  std::vector<ir::Value*> parts;
  if (b > 0) parts.push_back(mode == Mode::kCircular ? slice(n - b, n) : tile(slice(0, 1), b));
  parts.push_back(x);
  if (e > 0) parts.push_back(mode == Mode::kCircular ? slice(0, e) : tile(slice(n - 1, n), e));
  return parts.size() == 1 ? x : ctx.Op("Concat", parts, {{"axis", Attribute::Int(axis)}});
}

Status PadWith(OpCall& c, const std::vector<int64_t>& pad, Mode mode, double value) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  const int64_t rank = static_cast<int64_t>(sizes.size());
  if (pad.size() % 2 != 0 || static_cast<int64_t>(pad.size()) > 2 * rank)
    return c.Error("pad of " + std::to_string(pad.size()) + " values for rank " +
                   std::to_string(rank));
  std::vector<int64_t> begins(rank, 0), ends(rank, 0);
  int64_t widest = 0;
  bool negative = false;
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    begins[rank - 1 - i] = pad[2 * i];
    ends[rank - 1 - i] = pad[2 * i + 1];
    widest = std::max({widest, pad[2 * i], pad[2 * i + 1]});
    negative = negative || pad[2 * i] < 0 || pad[2 * i + 1] < 0;
  }
  if (negative && mode != Mode::kConstant) return c.Error("negative pads outside constant mode");
  if (mode == Mode::kCircular || (mode == Mode::kReplicate && widest > 1)) {
    ir::Value* y = x;
    for (int64_t a = 0; a < rank; ++a) {
      if (begins[a] == 0 && ends[a] == 0) continue;
      const int64_t n = sizes[a];
      if (n <= 0) return c.Error("padding a dynamic or empty dim by slices");
      if (mode == Mode::kCircular && (begins[a] > n || ends[a] > n))
        return c.Error("circular pad wider than the dim");
      y = PadAxisBySlices(ctx, y, a, rank, n, begins[a], ends[a], mode);
    }
    return c.SetOutput(y);
  }
  std::vector<int64_t> pads = begins;
  pads.insert(pads.end(), ends.begin(), ends.end());
  const char* onnx_mode = mode == Mode::kReplicate ? "edge"
                          : mode == Mode::kReflect ? "reflect"
                                                   : "constant";
  std::vector<ir::Value*> inputs = {x, ctx.ConstInts(pads)};
  if (mode == Mode::kConstant) inputs.push_back(ctx.ConstScalar(value, x->dtype));
  return c.SetOutput(ctx.Op("Pad", inputs, {{"mode", Attribute::String(onnx_mode)}}));
}

}  // namespace

Status Pad(OpCall& c) {  // aten.pad / constant_pad_nd
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> pad, c.Ints("pad"));
  PT2TF_ASSIGN_OR_RETURN(std::string mode, c.String("mode", "constant"));
  PT2TF_ASSIGN_OR_RETURN(double value, c.Float("value", 0.0));
  static const std::map<std::string, Mode> kModes = {{"constant", Mode::kConstant},
                                                     {"reflect", Mode::kReflect},
                                                     {"replicate", Mode::kReplicate},
                                                     {"circular", Mode::kCircular}};
  auto it = kModes.find(mode);
  if (it == kModes.end()) return c.Error("mode '" + mode + "'");
  return PadWith(c, pad, it->second, value);
}

Status ReflectionPad(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> pad, c.Ints("padding"));
  return PadWith(c, pad, Mode::kReflect, 0.0);
}

Status ReplicationPad(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> pad, c.Ints("padding"));
  return PadWith(c, pad, Mode::kReplicate, 0.0);
}

}  // namespace pt2tf::pt2::ops
