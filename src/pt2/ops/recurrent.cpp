// Recurrent layers: aten.lstm.input, gru.input, rnn_tanh.input, rnn_relu.input → one ONNX
// LSTM / GRU / RNN node per layer (both directions in one node), stacked for num_layers.
//
// torch and ONNX differ in three places, each fixed here rather than in a writer:
// - gate order: torch LSTM rows are (i, f, g, o), ONNX (i, o, f, c); torch GRU (r, z, n),
//   ONNX (z, r, h). The weight rows are re-sliced (constant folding settles them).
// - torch's GRU applies the reset gate after the hidden projection: linear_before_reset=1.
// - layouts: torch's output is [T, B, dirs·H] (batch_first: [B, T, ...]) and its h_n
//   [layers·dirs, B, H]; ONNX gives Y [T, dirs, B, H] and Y_h [dirs, B, H] per layer.
//   batch_first is a Transpose on each side, which every writer handles.
// Projections (LSTM proj_size) and training-mode dropout are refused.
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

enum class Cell { kLstm, kGru, kRnnTanh, kRnnRelu };

// The ONNX gate order as indices into torch's gate blocks.
std::vector<int64_t> GateOrder(Cell cell) {
  if (cell == Cell::kLstm) return {0, 3, 1, 2};  // i o f c  from  i f g o
  if (cell == Cell::kGru) return {1, 0, 2};      // z r h    from  r z n
  return {0};
}

// Rows of `w` (gates·H along axis 0) reordered into ONNX's gate order.
ir::Value* Reorder(ImportContext& ctx, ir::Value* w, Cell cell, int64_t hidden) {
  const std::vector<int64_t> order = GateOrder(cell);
  if (order.size() == 1) return w;
  std::vector<ir::Value*> parts;
  for (int64_t g : order)
    parts.push_back(ctx.Op("Slice", {w, ctx.ConstInts({g * hidden}),
                                     ctx.ConstInts({(g + 1) * hidden}), ctx.ConstInts({0})}));
  return ctx.Op("Concat", parts, {{"axis", Attribute::Int(0)}});
}

ir::Value* Stack0(ImportContext& ctx, const std::vector<ir::Value*>& parts) {
  std::vector<ir::Value*> expanded;
  for (ir::Value* p : parts) expanded.push_back(ctx.Op("Unsqueeze", {p, ctx.ConstInts({0})}));
  if (expanded.size() == 1) return expanded[0];
  return ctx.Op("Concat", expanded, {{"axis", Attribute::Int(0)}});
}

// Rows [begin, end) of a [layers·dirs, B, H] state.
ir::Value* StateRows(ImportContext& ctx, ir::Value* state, int64_t begin, int64_t end) {
  return ctx.Op("Slice", {state, ctx.ConstInts({begin}), ctx.ConstInts({end}), ctx.ConstInts({0})});
}

Status Recurrent(OpCall& c, Cell cell) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> xs, c.Sizes("input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> params, c.Tensors("params"));
  PT2TF_ASSIGN_OR_RETURN(bool has_biases, c.Bool("has_biases", true));
  PT2TF_ASSIGN_OR_RETURN(int64_t layers, c.Int("num_layers", 1));
  PT2TF_ASSIGN_OR_RETURN(bool train, c.Bool("train", false));
  PT2TF_ASSIGN_OR_RETURN(bool bidirectional, c.Bool("bidirectional", false));
  PT2TF_ASSIGN_OR_RETURN(bool batch_first, c.Bool("batch_first", false));
  PT2TF_ASSIGN_OR_RETURN(double dropout, c.Float("dropout", 0.0));
  // Training mode differs from inference only through the dropout between layers.
  if (train && dropout > 0 && layers > 1)
    return c.Error("training mode with dropout between layers (export the model in eval mode)");
  if (xs.size() != 3) return c.Error("input of rank " + std::to_string(xs.size()));
  const int64_t dirs = bidirectional ? 2 : 1;
  const size_t per = has_biases ? 4 : 2;
  if (layers < 1) return c.Error("num_layers " + std::to_string(layers));
  if (params.size() != per * static_cast<size_t>(layers * dirs))
    return c.Error(std::to_string(params.size()) + " parameters for " + std::to_string(layers) +
                   " layers x " + std::to_string(dirs) +
                   " directions (LSTM projections, proj_size > 0, are not supported)");
  for (ir::Value* p : params)
    if (p == nullptr) return c.Error("a missing parameter tensor");

  // Initial states: LSTM passes [h0, c0], GRU / RNN one tensor.
  ir::Value* h0 = nullptr;
  ir::Value* c0 = nullptr;
  if (cell == Cell::kLstm) {
    PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> hx, c.Tensors("hx"));
    if (hx.size() != 2 || hx[0] == nullptr || hx[1] == nullptr)
      return c.Error("hx must be (h0, c0)");
    h0 = hx[0];
    c0 = hx[1];
  } else {
    PT2TF_ASSIGN_OR_RETURN(h0, c.Tensor("hx"));
  }
  const Arg* plist = c.Find("params");
  const TensorMeta* whh = ctx.Meta(plist->names[1]);
  if (whh == nullptr || whh->sizes.size() != 2 || whh->sizes[1].symbolic())
    return c.Error("no static metadata for the hidden weights");
  const int64_t hidden = whh->sizes[1].value;

  const char* onnx_op = cell == Cell::kLstm ? "LSTM" : cell == Cell::kGru ? "GRU" : "RNN";
  ir::AttributeMap attrs = {
      {"hidden_size", Attribute::Int(hidden)},
      {"direction", Attribute::String(bidirectional ? "bidirectional" : "forward")}};
  if (cell == Cell::kGru) attrs["linear_before_reset"] = Attribute::Int(1);
  if (cell == Cell::kRnnRelu)  // one activation per direction
    attrs["activations"] = Attribute::Strings(std::vector<std::string>(dirs, "Relu"));

  ir::Value* seq =
      batch_first ? ctx.Op("Transpose", {x}, {{"perm", Attribute::Ints({1, 0, 2})}}) : x;
  std::vector<ir::Value*> hn, cn;
  const size_t outputs = cell == Cell::kLstm ? 3 : 2;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<ir::Value*> w, r, b;
    for (int64_t d = 0; d < dirs; ++d) {
      const size_t at = per * static_cast<size_t>(l * dirs + d);
      w.push_back(Reorder(ctx, params[at], cell, hidden));
      r.push_back(Reorder(ctx, params[at + 1], cell, hidden));
      if (has_biases)
        b.push_back(ctx.Op("Concat",
                           {Reorder(ctx, params[at + 2], cell, hidden),
                            Reorder(ctx, params[at + 3], cell, hidden)},
                           {{"axis", Attribute::Int(0)}}));
    }
    std::vector<ir::Value*> inputs = {seq,
                                      Stack0(ctx, w),
                                      Stack0(ctx, r),
                                      has_biases ? Stack0(ctx, b) : nullptr,
                                      nullptr,
                                      StateRows(ctx, h0, l * dirs, (l + 1) * dirs)};
    if (cell == Cell::kLstm) inputs.push_back(StateRows(ctx, c0, l * dirs, (l + 1) * dirs));
    std::vector<ir::Value*> out = ctx.OpN(onnx_op, inputs, attrs, outputs);
    // Y [T, dirs, B, H] → [T, B, dirs·H], the next layer's input and torch's output.
    ir::Value* y = ctx.Op("Transpose", {out[0]}, {{"perm", Attribute::Ints({0, 2, 1, 3})}});
    seq = ctx.Op("Reshape", {y, ctx.ConstInts({0, 0, dirs * hidden})});
    hn.push_back(out[1]);
    if (cell == Cell::kLstm) cn.push_back(out[2]);
  }
  ir::Value* y =
      batch_first ? ctx.Op("Transpose", {seq}, {{"perm", Attribute::Ints({1, 0, 2})}}) : seq;
  auto join = [&](const std::vector<ir::Value*>& v) {
    return v.size() == 1 ? v[0] : ctx.Op("Concat", v, {{"axis", Attribute::Int(0)}});
  };
  PT2TF_RETURN_IF_ERROR(c.SetOutput(y, 0));
  PT2TF_RETURN_IF_ERROR(c.SetOutput(join(hn), 1));
  if (cell == Cell::kLstm) PT2TF_RETURN_IF_ERROR(c.SetOutput(join(cn), 2));
  return OkStatus();
}

}  // namespace

Status Lstm(OpCall& c) { return Recurrent(c, Cell::kLstm); }
Status Gru(OpCall& c) { return Recurrent(c, Cell::kGru); }
Status RnnTanh(OpCall& c) { return Recurrent(c, Cell::kRnnTanh); }
Status RnnRelu(OpCall& c) { return Recurrent(c, Cell::kRnnRelu); }

}  // namespace pt2tf::pt2::ops
