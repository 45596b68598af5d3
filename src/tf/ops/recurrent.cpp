// LSTM, GRU, RNN → a static unroll over the (static) sequence length. Recurrences of a
// run-time or very long length were made Loops before lowering (passes/recurrent_to_loop).
//
// Per direction: one MatMul computes X·Wᵀ (+ biases) for every time step at once, then each
// step adds H·Rᵀ, splits the gates and applies the activations. TF's own fused kernels
// (BlockLSTM, CudnnRNN) do not cover ONNX's activations, peepholes or clipping, and a While
// loop costs a function call per step; an unroll is plain dataflow that Grappler and
// TFLite handle well. Its size grows with the sequence, so beyond kMaxUnrolledSteps the
// node is looped instead.
//
// sequence_lens: steps past a sequence's length keep the state and write zeros to Y; the
// reverse direction runs over ReverseSequence(X) and reverses its Y back.
#include <cmath>

#include "pt2tf/passes/recurrent_to_loop.h"
#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

using passes::kMaxUnrolledSteps;
using Activation = passes::RecurrentActivation;

enum class Cell { kLstm, kGru, kRnn };

// Builds the per-step TF nodes of one recurrent node.
class Unroller {
 public:
  Unroller(const ir::Node& node, EmitContext& ctx, tensorflow::DataType t, DType dt)
      : node_(node), ctx_(ctx), t_(t), dt_(dt) {}

  std::string Name(const std::string& suffix) { return node_.name + "/" + suffix; }
  std::string Add(const std::string& a, const std::string& b, const std::string& hint) {
    return ctx_.Binary("AddV2", a, b, t_, Name(hint));
  }
  std::string Mul(const std::string& a, const std::string& b, const std::string& hint) {
    return ctx_.Binary("Mul", a, b, t_, Name(hint));
  }
  std::string Sub(const std::string& a, const std::string& b, const std::string& hint) {
    return ctx_.Binary("Sub", a, b, t_, Name(hint));
  }
  Result<std::string> Scalar(double v, const std::string& hint) {
    return ctx_.ConstScalar(dt_, v, Name(hint));
  }
  std::string MatMulT(const std::string& a, const std::string& b, const std::string& hint) {
    tensorflow::NodeDef& mm = ctx_.AddOp("MatMul", Name(hint), {a, b});
    SetAttrType(mm, "T", t_);
    SetAttrBool(mm, "transpose_a", false);
    SetAttrBool(mm, "transpose_b", true);
    return mm.name();
  }
  // x[index] along axis 0 (a direction's slice of W, R, B, initial_h ...).
  std::string Take(const std::string& x, int64_t index, tensorflow::DataType t,
                   const std::string& hint) {
    std::string idx = ctx_.ConstI32({index}, Name(hint + "_index"), ir::Dims{});
    std::string axis = ctx_.ConstI32({0}, Name(hint + "_axis"), ir::Dims{});
    return EmitGatherV2(ctx_, Name(hint), x, idx, axis, t);
  }
  // x[..., begin:begin+size] of a 1-D or 2-D tensor (size -1: to the end).
  std::string SliceLast(const std::string& x, int64_t rank, int64_t begin, int64_t size,
                        const std::string& hint) {
    std::vector<int64_t> b(rank, 0), s(rank, -1);
    b.back() = begin;
    s.back() = size;
    tensorflow::NodeDef& sl = ctx_.AddOp(
        "Slice", Name(hint),
        {x, ctx_.ConstI32(b, Name(hint + "_begin")), ctx_.ConstI32(s, Name(hint + "_size"))});
    SetAttrType(sl, "T", t_);
    SetAttrType(sl, "Index", tensorflow::DT_INT32);
    return sl.name();
  }
  // Rows begin:begin+size of a 2-D tensor.
  std::string SliceRows(const std::string& x, int64_t begin, int64_t size,
                        const std::string& hint) {
    tensorflow::NodeDef& sl = ctx_.AddOp("Slice", Name(hint),
                                         {x, ctx_.ConstI32({begin, 0}, Name(hint + "_begin")),
                                          ctx_.ConstI32({size, -1}, Name(hint + "_size"))});
    SetAttrType(sl, "T", t_);
    SetAttrType(sl, "Index", tensorflow::DT_INT32);
    return sl.name();
  }
  // The `n` equal parts of `x` along axis 1, as "node:k" names.
  std::vector<std::string> Split(const std::string& x, int64_t n, const std::string& hint) {
    if (n == 1) return {x};
    std::string axis = ctx_.ConstI32({1}, Name(hint + "_axis"), ir::Dims{});
    tensorflow::NodeDef& sp = ctx_.AddOp("Split", Name(hint), {axis, x});
    SetAttrType(sp, "T", t_);
    SetAttrInt(sp, "num_split", n);
    std::vector<std::string> parts;
    for (int64_t k = 0; k < n; ++k)
      parts.push_back(k ? sp.name() + ":" + std::to_string(k) : sp.name());
    return parts;
  }
  std::string Pack(const std::vector<std::string>& xs, int64_t axis, const std::string& hint) {
    tensorflow::NodeDef& p = ctx_.AddOp("Pack", Name(hint), xs);
    SetAttrType(p, "T", t_);
    SetAttrInt(p, "N", static_cast<int64_t>(xs.size()));
    SetAttrInt(p, "axis", axis);
    return p.name();
  }
  Result<std::string> Clip(const std::string& x, const std::string& hint) {
    const ir::Attribute* clip = node_.FindAttr("clip");
    if (!clip) return x;
    PT2TF_ASSIGN_OR_RETURN(std::string lo, Scalar(-clip->f, "clip_min"));
    PT2TF_ASSIGN_OR_RETURN(std::string hi, Scalar(clip->f, "clip_max"));
    tensorflow::NodeDef& c = ctx_.AddOp("ClipByValue", Name(hint), {x, lo, hi});
    SetAttrType(c, "T", t_);
    return c.name();
  }
  // f(Clip(x)); `clip` false for LSTM's h(C), which ONNX Runtime does not clip.
  Result<std::string> Apply(const Activation& a, const std::string& x_in, const std::string& hint,
                            bool clip = true) {
    std::string x = x_in;
    if (clip) {
      PT2TF_ASSIGN_OR_RETURN(x, Clip(x_in, hint + "_clip"));
    }
    const std::string& n = a.name;
    if (n == "Relu" || n == "Tanh" || n == "Sigmoid" || n == "Softsign" || n == "Softplus")
      return ctx_.Unary(n, x, t_, Name(hint));
    if (n == "LeakyRelu") {
      tensorflow::NodeDef& l = ctx_.AddOp("LeakyRelu", Name(hint), {x});
      SetAttrType(l, "T", t_);
      SetAttrFloat(l, "alpha", a.alpha);
      return l.name();
    }
    PT2TF_ASSIGN_OR_RETURN(std::string alpha, Scalar(a.alpha, hint + "_alpha"));
    PT2TF_ASSIGN_OR_RETURN(std::string beta, Scalar(a.beta, hint + "_beta"));
    if (n == "Affine") return Add(Mul(x, alpha, hint + "_scaled"), beta, hint);
    if (n == "ScaledTanh")
      return Mul(ctx_.Unary("Tanh", Mul(x, beta, hint + "_in"), t_, Name(hint + "_tanh")), alpha,
                 hint);
    if (n == "HardSigmoid") {
      PT2TF_ASSIGN_OR_RETURN(std::string zero, Scalar(0, hint + "_zero"));
      PT2TF_ASSIGN_OR_RETURN(std::string one, Scalar(1, hint + "_one"));
      std::string lin = Add(Mul(x, alpha, hint + "_scaled"), beta, hint + "_lin");
      tensorflow::NodeDef& c = ctx_.AddOp("ClipByValue", Name(hint), {lin, zero, one});
      SetAttrType(c, "T", t_);
      return c.name();
    }
    PT2TF_ASSIGN_OR_RETURN(std::string zero, Scalar(0, hint + "_zero"));
    std::string positive = ctx_.Binary("Greater", x, zero, t_, Name(hint + "_positive"));
    std::string other;
    if (n == "ThresholdedRelu") {
      positive = ctx_.Binary("Greater", x, alpha, t_, Name(hint + "_above"));
      other = ctx_.Unary("ZerosLike", x, t_, Name(hint + "_zeros"));
    } else {  // Elu
      PT2TF_ASSIGN_OR_RETURN(std::string one, Scalar(1, hint + "_one"));
      other = Mul(Sub(ctx_.Unary("Exp", x, t_, Name(hint + "_exp")), one, hint + "_expm1"), alpha,
                  hint + "_negative");
    }
    tensorflow::NodeDef& sel = ctx_.AddOp("SelectV2", Name(hint), {positive, x, other});
    SetAttrType(sel, "T", t_);
    return sel.name();
  }

 private:
  const ir::Node& node_;
  EmitContext& ctx_;
  tensorflow::DataType t_;
  DType dt_;
};

}  // namespace

Status EmitRecurrent(const ir::Node& node, EmitContext& ctx) {
  const Cell cell = node.op_type == "LSTM"  ? Cell::kLstm
                    : node.op_type == "GRU" ? Cell::kGru
                                            : Cell::kRnn;
  const int64_t gates = cell == Cell::kLstm ? 4 : cell == Cell::kGru ? 3 : 1;
  const ir::Value* X = node.input(0);
  const ir::Value* W = node.input(1);
  const ir::Value* R = node.input(2);
  if (!X || !W || !R) return InvalidInput(node.Describe() + ": X, W and R are required");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  if (t != tensorflow::DT_FLOAT && t != tensorflow::DT_DOUBLE && t != tensorflow::DT_HALF)
    return NodeUnsupported(node, "only floating-point recurrent ops are supported");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(X));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ws, ctx.StaticShape(W));
  if (xs.size() != 3 || ws.size() != 3)
    return InvalidInput(node.Describe() + ": X and W must be 3-D");
  const int64_t layout = node.GetInt("layout", 0);
  const std::string direction = node.GetString("direction", "forward");
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  const int64_t steps = xs[layout == 0 ? 0 : 1];
  if (steps < 0)
    return NodeUnsupported(node, "the sequence length (dim " + std::to_string(layout == 0 ? 0 : 1) +
                                     " of X '" + X->name +
                                     "') is dynamic; the TensorFlow writer unrolls the recurrence "
                                     "over a static length: pin it with --input-shape");
  if (steps * dirs > kMaxUnrolledSteps)
    return NodeUnsupported(node, std::to_string(steps) + " steps × " + std::to_string(dirs) +
                                     " directions exceed the unroll limit of " +
                                     std::to_string(kMaxUnrolledSteps));
  const int64_t hidden = ws[1] / gates, input_size = ws[2];
  if (hidden <= 0 || ws[1] != hidden * gates || ws[0] != dirs)
    return InvalidInput(node.Describe() + ": W has shape " + ShapeToString(ws));
  if (node.GetInt("hidden_size", hidden) != hidden)
    return InvalidInput(node.Describe() + ": hidden_size does not match W");
  PT2TF_ASSIGN_OR_RETURN(std::vector<Activation> acts, passes::RecurrentActivations(node));
  const bool linear_before_reset = cell == Cell::kGru && node.GetInt("linear_before_reset", 0) != 0;
  const bool input_forget = cell == Cell::kLstm && node.GetInt("input_forget", 0) != 0;
  const size_t per_dir = acts.size() / dirs;

  Unroller u(node, ctx, t, X->dtype);
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(X, {}));
  if (layout == 1) x = ctx.Transpose(x, {1, 0, 2}, t, u.Name("time_major"));
  PT2TF_ASSIGN_OR_RETURN(std::string w, ctx.GetAs(W, {}));
  PT2TF_ASSIGN_OR_RETURN(std::string r, ctx.GetAs(R, {}));
  std::string bias;
  if (node.input(3)) {
    PT2TF_ASSIGN_OR_RETURN(bias, ctx.GetAs(node.input(3), {}));
  }

  // sequence_lens: ignored when it is a constant equal to the full length everywhere.
  std::string lens;
  tensorflow::DataType lens_t = tensorflow::DT_INT32;
  if (const ir::Value* sl = node.input(4)) {
    const Tensor* c = EmitContext::ConstantOf(sl);
    bool full = c != nullptr;
    for (int64_t k = 0; c && k < c->numel(); ++k) full = full && c->ElementAsInt(k) == steps;
    if (!full) {
      PT2TF_ASSIGN_OR_RETURN(lens, ctx.GetAs(sl, {}));
      PT2TF_ASSIGN_OR_RETURN(lens_t, InputType(node, 4));
    }
  }
  std::string initial_h, initial_c, peep;
  auto state_input = [&](size_t i, std::string& out) -> Status {
    if (!node.input(i)) return OkStatus();
    PT2TF_ASSIGN_OR_RETURN(out, ctx.GetAs(node.input(i), {}));
    if (layout == 1) out = ctx.Transpose(out, {1, 0, 2}, t, u.Name("initial_" + std::to_string(i)));
    return OkStatus();
  };
  PT2TF_RETURN_IF_ERROR(state_input(5, initial_h));
  if (cell == Cell::kLstm) {
    PT2TF_RETURN_IF_ERROR(state_input(6, initial_c));
    if (node.input(7)) {
      PT2TF_ASSIGN_OR_RETURN(peep, ctx.GetAs(node.input(7), {}));
    }
  }

  const int64_t gh = gates * hidden;
  std::vector<std::string> y_dirs, h_last, c_last;
  for (int64_t d = 0; d < dirs; ++d) {
    const std::string dn = "d" + std::to_string(d);
    const bool reverse = direction == "reverse" || d == 1;
    const Activation* act = &acts[d * per_dir];
    std::string xd = x;
    if (reverse && !lens.empty()) {
      tensorflow::NodeDef& rs = ctx.AddOp("ReverseSequence", u.Name(dn + "/x_reversed"), {x, lens});
      SetAttrType(rs, "T", t);
      SetAttrType(rs, "Tlen", lens_t);
      SetAttrInt(rs, "seq_dim", 0);
      SetAttrInt(rs, "batch_dim", 1);
      xd = rs.name();
    }
    const std::string wd = u.Take(w, d, t, dn + "/W"), rd = u.Take(r, d, t, dn + "/R");
    // X·Wᵀ for all steps: [T·B, I] × [G·H, I]ᵀ.
    std::string flat = ctx.Reshape(xd, {-1, input_size}, t, u.Name(dn + "/x_flat"));
    std::string xw = u.MatMulT(flat, wd, dn + "/xw");
    std::string rb_h;  // GRU with linear_before_reset: Rbh applies inside r ⊙ (·)
    if (!bias.empty()) {
      std::string bd = u.Take(bias, d, t, dn + "/B");
      std::string wb = u.SliceLast(bd, 1, 0, gh, dn + "/Wb");
      std::string rb = u.SliceLast(bd, 1, gh, gh, dn + "/Rb");
      if (linear_before_reset) {
        rb_h = u.SliceLast(rb, 1, 2 * hidden, hidden, dn + "/Rbh");
        rb = u.SliceLast(rb, 1, 0, 2 * hidden, dn + "/Rbzr");
        std::string z = ctx.Reshape(ctx.Unary("ZerosLike", rb_h, t, u.Name(dn + "/Rbh_zero")),
                                    {hidden}, t, u.Name(dn + "/Rbh_zero_flat"));
        tensorflow::NodeDef& cat =
            ctx.AddOp("ConcatV2", u.Name(dn + "/Rb_outside"),
                      {rb, z, ctx.ConstI32({0}, u.Name(dn + "/Rb_axis"), ir::Dims{})});
        SetAttrType(cat, "T", t);
        SetAttrInt(cat, "N", 2);
        SetAttrType(cat, "Tidx", tensorflow::DT_INT32);
        rb = cat.name();
      }
      xw = u.Add(xw, u.Add(wb, rb, dn + "/bias"), dn + "/xw_bias");
    }
    std::string xw3 = ctx.Reshape(xw, {steps, -1, gh}, t, u.Name(dn + "/xw_steps"));
    tensorflow::NodeDef& unpack = ctx.AddOp("Unpack", u.Name(dn + "/xw_t"), {xw3});
    SetAttrType(unpack, "T", t);
    SetAttrInt(unpack, "num", steps);
    SetAttrInt(unpack, "axis", 0);
    auto xw_at = [&](int64_t k) {
      return k ? unpack.name() + ":" + std::to_string(k) : unpack.name();
    };
    std::string zeros_bh = ctx.Unary(
        "ZerosLike", u.SliceLast(xw_at(0), 2, 0, hidden, dn + "/h_like"), t, u.Name(dn + "/zeros"));
    std::string h = initial_h.empty() ? zeros_bh : u.Take(initial_h, d, t, dn + "/h0");
    std::string c;
    if (cell == Cell::kLstm) c = initial_c.empty() ? zeros_bh : u.Take(initial_c, d, t, dn + "/c0");
    std::string pi, po, pf;
    if (!peep.empty()) {
      std::string pd = u.Take(peep, d, t, dn + "/P");
      pi = u.SliceLast(pd, 1, 0, hidden, dn + "/Pi");
      po = u.SliceLast(pd, 1, hidden, hidden, dn + "/Po");
      pf = u.SliceLast(pd, 1, 2 * hidden, hidden, dn + "/Pf");
    }
    std::string r_zr, r_h;
    if (cell == Cell::kGru && !linear_before_reset) {
      r_zr = u.SliceRows(rd, 0, 2 * hidden, dn + "/Rzr");
      r_h = u.SliceRows(rd, 2 * hidden, hidden, dn + "/Rh");
    }
    PT2TF_ASSIGN_OR_RETURN(std::string one, u.Scalar(1, dn + "/one"));

    std::vector<std::string> ys(steps);
    for (int64_t k = 0; k < steps; ++k) {
      // Without sequence_lens the reverse direction walks the steps backwards; with them it
      // walks ReverseSequence(X) forwards.
      const int64_t step = reverse && lens.empty() ? steps - 1 - k : k;
      const std::string s = dn + "/t" + std::to_string(step);
      const std::vector<std::string> xg = u.Split(xw_at(step), gates, s + "/x_gates");
      std::string h_new, c_new;
      if (cell == Cell::kLstm) {
        const std::vector<std::string> hg = u.Split(u.MatMulT(h, rd, s + "/hr"), 4, s + "/h_gates");
        std::string gi = u.Add(xg[0], hg[0], s + "/i_in"), go = u.Add(xg[1], hg[1], s + "/o_in");
        std::string gf = u.Add(xg[2], hg[2], s + "/f_in"), gc = u.Add(xg[3], hg[3], s + "/c_in");
        if (!peep.empty()) {
          gi = u.Add(gi, u.Mul(pi, c, s + "/pi_c"), s + "/i_peep");
          gf = u.Add(gf, u.Mul(pf, c, s + "/pf_c"), s + "/f_peep");
        }
        PT2TF_ASSIGN_OR_RETURN(std::string i, u.Apply(act[0], gi, s + "/i"));
        std::string f;
        if (input_forget) {
          f = u.Sub(one, i, s + "/f");
        } else {
          PT2TF_ASSIGN_OR_RETURN(f, u.Apply(act[0], gf, s + "/f"));
        }
        PT2TF_ASSIGN_OR_RETURN(std::string cc, u.Apply(act[1], gc, s + "/c_cand"));
        c_new = u.Add(u.Mul(f, c, s + "/fc"), u.Mul(i, cc, s + "/ic"), s + "/c");
        if (!peep.empty()) go = u.Add(go, u.Mul(po, c_new, s + "/po_c"), s + "/o_peep");
        PT2TF_ASSIGN_OR_RETURN(std::string o, u.Apply(act[0], go, s + "/o"));
        PT2TF_ASSIGN_OR_RETURN(std::string hc, u.Apply(act[2], c_new, s + "/c_act", false));
        h_new = u.Mul(o, hc, s + "/h");
      } else if (cell == Cell::kGru) {
        std::string hz, hr, n_in;
        if (linear_before_reset) {
          const std::vector<std::string> hg =
              u.Split(u.MatMulT(h, rd, s + "/hr"), 3, s + "/h_gates");
          hz = hg[0], hr = hg[1];
          std::string hh = rb_h.empty() ? hg[2] : u.Add(hg[2], rb_h, s + "/hh_bias");
          PT2TF_ASSIGN_OR_RETURN(std::string rg,
                                 u.Apply(act[0], u.Add(xg[1], hr, s + "/r_in"), s + "/r"));
          n_in = u.Add(xg[2], u.Mul(rg, hh, s + "/r_hh"), s + "/n_in");
        } else {
          const std::vector<std::string> hg =
              u.Split(u.MatMulT(h, r_zr, s + "/hr"), 2, s + "/h_gates");
          hz = hg[0], hr = hg[1];
          PT2TF_ASSIGN_OR_RETURN(std::string rg,
                                 u.Apply(act[0], u.Add(xg[1], hr, s + "/r_in"), s + "/r"));
          n_in = u.Add(xg[2], u.MatMulT(u.Mul(rg, h, s + "/r_h"), r_h, s + "/rh_r"), s + "/n_in");
        }
        PT2TF_ASSIGN_OR_RETURN(std::string z,
                               u.Apply(act[0], u.Add(xg[0], hz, s + "/z_in"), s + "/z"));
        PT2TF_ASSIGN_OR_RETURN(std::string n, u.Apply(act[1], n_in, s + "/n"));
        // (1 - z) ⊙ n + z ⊙ h = n + z ⊙ (h - n)
        h_new = u.Add(n, u.Mul(z, u.Sub(h, n, s + "/h_minus_n"), s + "/z_delta"), s + "/h");
      } else {
        PT2TF_ASSIGN_OR_RETURN(
            h_new,
            u.Apply(act[0], u.Add(xg[0], u.MatMulT(h, rd, s + "/hr"), s + "/h_in"), s + "/h"));
      }
      if (lens.empty()) {
        h = h_new, c = c_new, ys[step] = h_new;
        continue;
      }
      // Steps at or past a sequence's length keep the state and emit zeros.
      PT2TF_ASSIGN_OR_RETURN(
          std::string kt,
          ctx.ConstScalar(lens_t == tensorflow::DT_INT64 ? DType::kInt64 : DType::kInt32,
                          static_cast<double>(step), u.Name(s + "/step")));
      std::string live = ctx.Binary("Less", kt, lens, lens_t, u.Name(s + "/live"));
      live = ctx.Reshape(live, {-1, 1}, tensorflow::DT_BOOL, u.Name(s + "/live_col"));
      auto select = [&](const std::string& a, const std::string& b, const std::string& hint) {
        tensorflow::NodeDef& sel = ctx.AddOp("SelectV2", u.Name(hint), {live, a, b});
        SetAttrType(sel, "T", t);
        return sel.name();
      };
      ys[step] = select(h_new, zeros_bh, s + "/y");
      h = select(h_new, h, s + "/h_kept");
      if (cell == Cell::kLstm) c = select(c_new, c, s + "/c_kept");
    }
    std::string yd = u.Pack(ys, 0, dn + "/y");
    if (reverse && !lens.empty()) {
      tensorflow::NodeDef& rs =
          ctx.AddOp("ReverseSequence", u.Name(dn + "/y_reversed"), {yd, lens});
      SetAttrType(rs, "T", t);
      SetAttrType(rs, "Tlen", lens_t);
      SetAttrInt(rs, "seq_dim", 0);
      SetAttrInt(rs, "batch_dim", 1);
      yd = rs.name();
    }
    y_dirs.push_back(yd);
    h_last.push_back(h);
    c_last.push_back(c);
  }
  // Y [T, dirs, B, H] (layout 1: [B, T, dirs, H]); Y_h, Y_c [dirs, B, H] ([B, dirs, H]).
  auto publish = [&](size_t i, const std::vector<std::string>& parts, int64_t axis,
                     const Perm& batch_first) {
    if (i >= node.outputs.size() || !node.outputs[i]) return;
    std::string v = u.Pack(parts, axis, i == 0 ? "Y" : i == 1 ? "Y_h" : "Y_c");
    if (layout == 1)
      v = ctx.Transpose(v, batch_first, t, u.Name(i == 0 ? "Y_bf" : i == 1 ? "Y_h_bf" : "Y_c_bf"));
    ctx.Set(node.outputs[i], TfValue{v, {}, std::nullopt});
  };
  publish(0, y_dirs, 1, {2, 0, 1, 3});
  publish(1, h_last, 0, {1, 0, 2});
  if (cell == Cell::kLstm) publish(2, c_last, 0, {1, 0, 2});
  return OkStatus();
}

}  // namespace pt2tf::tf
