#include "pt2tf/passes/recurrent_to_loop.h"

#include <cstring>
#include <limits>
#include <memory>

namespace pt2tf::passes {
namespace {

enum class Cell { kLstm, kGru, kRnn };

Cell CellOf(const ir::Node& node) {
  return node.op_type == "LSTM" ? Cell::kLstm : node.op_type == "GRU" ? Cell::kGru : Cell::kRnn;
}

bool IsRecurrent(const ir::Node& node) {
  return node.domain.empty() &&
         (node.op_type == "LSTM" || node.op_type == "GRU" || node.op_type == "RNN");
}

// Adds ONNX nodes to one graph (the enclosing one or a loop body) under one name prefix.
class Builder {
 public:
  Builder(ir::Graph& g, std::string prefix, DType t) : g_(g), prefix_(std::move(prefix)), t_(t) {}

  ir::Graph& graph() { return g_; }

  ir::Value* Op(const std::string& op, std::vector<ir::Value*> in, ir::AttributeMap attrs = {}) {
    return OpN(op, std::move(in), std::move(attrs), 1)[0];
  }
  std::vector<ir::Value*> OpN(const std::string& op, std::vector<ir::Value*> in,
                              ir::AttributeMap attrs, size_t n) {
    return g_.AddNode(op, std::move(in), std::move(attrs), n, prefix_ + "/" + op)->outputs;
  }
  ir::Value* Const(Tensor t, const std::string& hint) {
    return g_.AddInitializer(prefix_ + "/" + hint, std::move(t));
  }
  ir::Value* Ints(const std::vector<int64_t>& v) { return Const(Int64Tensor(v).value(), "ints"); }
  Result<ir::Value*> Scalar(double v, DType t) {
    PT2TF_ASSIGN_OR_RETURN(Tensor s, ScalarTensor(t, v));
    return Const(std::move(s), "scalar");
  }
  Result<ir::Value*> Scalar(double v) { return Scalar(v, t_); }

  ir::Value* Add(ir::Value* a, ir::Value* b) { return Op("Add", {a, b}); }
  ir::Value* Sub(ir::Value* a, ir::Value* b) { return Op("Sub", {a, b}); }
  ir::Value* Mul(ir::Value* a, ir::Value* b) { return Op("Mul", {a, b}); }
  ir::Value* MatMul(ir::Value* a, ir::Value* b) { return Op("MatMul", {a, b}); }
  ir::Value* Where(ir::Value* c, ir::Value* a, ir::Value* b) { return Op("Where", {c, a, b}); }
  ir::Value* Transpose(ir::Value* x, const std::vector<int64_t>& perm) {
    return Op("Transpose", {x}, {{"perm", ir::Attribute::Ints(perm)}});
  }
  ir::Value* Unsqueeze(ir::Value* x, int64_t axis) { return Op("Unsqueeze", {x, Ints({axis})}); }
  ir::Value* Concat(std::vector<ir::Value*> xs, int64_t axis) {
    if (xs.size() == 1) return xs[0];
    return Op("Concat", std::move(xs), {{"axis", ir::Attribute::Int(axis)}});
  }
  // x[index] along axis 0 (index a scalar: the axis is dropped).
  ir::Value* Take(ir::Value* x, ir::Value* index) {
    return Op("Gather", {x, index}, {{"axis", ir::Attribute::Int(0)}});
  }
  ir::Value* TakeAt(ir::Value* x, int64_t index) {
    return Take(x, Const(ScalarTensor(DType::kInt64, static_cast<double>(index)).value(), "index"));
  }
  // x[..., begin:begin+size] along `axis`.
  ir::Value* Slice(ir::Value* x, int64_t axis, int64_t begin, int64_t size) {
    return Op("Slice", {x, Ints({begin}), Ints({begin + size}), Ints({axis})});
  }
  // x reversed along axis 0.
  ir::Value* Reverse0(ir::Value* x) {
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    return Op("Slice", {x, Ints({-1}), Ints({kMin}), Ints({0}), Ints({-1})});
  }
  std::vector<ir::Value*> Split(ir::Value* x, int64_t parts, int64_t size) {
    if (parts == 1) return {x};
    return OpN("Split", {x, Ints(std::vector<int64_t>(parts, size))},
               {{"axis", ir::Attribute::Int(1)}}, parts);
  }

 private:
  ir::Graph& g_;
  std::string prefix_;
  DType t_;
};

// What every direction's loop shares.
struct Spec {
  Cell cell;
  int64_t gates, hidden, dirs;
  std::vector<RecurrentActivation> acts;
  const ir::Attribute* clip;
  bool linear_before_reset, input_forget;
  DType t;
};

// f(Clip(x)) as ONNX ops; `clip` false for LSTM's h(C), which ONNX Runtime does not clip.
Result<ir::Value*> Activate(Builder& b, const Spec& s, const RecurrentActivation& a, ir::Value* x,
                            bool clip = true) {
  if (clip && s.clip) {
    PT2TF_ASSIGN_OR_RETURN(ir::Value * lo, b.Scalar(-s.clip->f));
    PT2TF_ASSIGN_OR_RETURN(ir::Value * hi, b.Scalar(s.clip->f));
    x = b.Op("Clip", {x, lo, hi});
  }
  const std::string& n = a.name;
  if (n == "Relu" || n == "Tanh" || n == "Sigmoid" || n == "Softsign" || n == "Softplus")
    return b.Op(n, {x});
  if (n == "LeakyRelu" || n == "ThresholdedRelu" || n == "Elu")
    return b.Op(n, {x}, {{"alpha", ir::Attribute::Float(a.alpha)}});
  if (n == "HardSigmoid")
    return b.Op(n, {x},
                {{"alpha", ir::Attribute::Float(a.alpha)}, {"beta", ir::Attribute::Float(a.beta)}});
  PT2TF_ASSIGN_OR_RETURN(ir::Value * alpha, b.Scalar(a.alpha));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * beta, b.Scalar(a.beta));
  if (n == "Affine") return b.Add(b.Mul(x, alpha), beta);
  if (n == "ScaledTanh") return b.Mul(b.Op("Tanh", {b.Mul(x, beta)}), alpha);
  return Unsupported("activation '" + n + "' is not supported");
}

// The enclosing-graph values one direction's loop reads.
struct DirectionInputs {
  ir::Value* xw = nullptr;     // [T, B, G·H]: X·Wᵀ + Wb + Rb for every step
  ir::Value* rt = nullptr;     // [H, G·H]: Rᵀ (GRU without linear_before_reset: Rzrᵀ)
  ir::Value* rt_h = nullptr;   // GRU without linear_before_reset: Rhᵀ [H, H]
  ir::Value* rb_h = nullptr;   // GRU with linear_before_reset: Rbh [H], inside r ⊙ (·)
  ir::Value* p[3] = {};        // LSTM peepholes i, o, f [H]
  ir::Value* lens = nullptr;   // int64 [B] or nullptr
  ir::Value* steps = nullptr;  // int64 scalar T
  bool walk_back = false;      // reverse without sequence_lens: step t = T - 1 - i
};

// The body of one direction's Loop: (i, cond, h, [c], [Y]) → (cond, h', [c'], [Y'], [y]).
Result<std::unique_ptr<ir::Graph>> StepBody(const Spec& s, const DirectionInputs& in,
                                            const RecurrentActivation* act, StepOutputs mode,
                                            const std::string& prefix) {
  auto body = std::make_unique<ir::Graph>();
  ir::Graph& g = *body;
  g.set_name(prefix + "/step");
  Builder b(g, prefix, s.t);
  const ir::Dims bh{ir::kUnknownDim, s.hidden};
  ir::Value* i = g.AddInput("i", DType::kInt64, {});
  ir::Value* cond = g.AddInput("cond", DType::kBool, {});
  ir::Value* h = g.AddInput("h", s.t, bh);
  ir::Value* c = s.cell == Cell::kLstm ? g.AddInput("c", s.t, bh) : nullptr;
  ir::Value* ybuf = mode == StepOutputs::kBuffer
                        ? g.AddInput("y_buffer", s.t, {ir::kUnknownDim, ir::kUnknownDim, s.hidden})
                        : nullptr;
  auto cap = [&](ir::Value* v) { return v ? g.AddCapture(v) : nullptr; };

  ir::Value* t = i;
  if (in.walk_back) {
    PT2TF_ASSIGN_OR_RETURN(ir::Value * one, b.Scalar(1, DType::kInt64));
    t = b.Sub(b.Sub(cap(in.steps), one), i);
  }
  const std::vector<ir::Value*> xg = b.Split(b.Take(cap(in.xw), t), s.gates, s.hidden);
  ir::Value* h_new = nullptr;
  ir::Value* c_new = nullptr;
  if (s.cell == Cell::kLstm) {
    const std::vector<ir::Value*> hg = b.Split(b.MatMul(h, cap(in.rt)), 4, s.hidden);
    ir::Value* gi = b.Add(xg[0], hg[0]);
    ir::Value* go = b.Add(xg[1], hg[1]);
    ir::Value* gf = b.Add(xg[2], hg[2]);
    ir::Value* gc = b.Add(xg[3], hg[3]);
    if (in.p[0]) {
      gi = b.Add(gi, b.Mul(cap(in.p[0]), c));
      gf = b.Add(gf, b.Mul(cap(in.p[2]), c));
    }
    PT2TF_ASSIGN_OR_RETURN(ir::Value * ig, Activate(b, s, act[0], gi));
    ir::Value* fg = nullptr;
    if (s.input_forget) {
      PT2TF_ASSIGN_OR_RETURN(ir::Value * one, b.Scalar(1));
      fg = b.Sub(one, ig);
    } else {
      PT2TF_ASSIGN_OR_RETURN(fg, Activate(b, s, act[0], gf));
    }
    PT2TF_ASSIGN_OR_RETURN(ir::Value * cc, Activate(b, s, act[1], gc));
    c_new = b.Add(b.Mul(fg, c), b.Mul(ig, cc));
    if (in.p[1]) go = b.Add(go, b.Mul(cap(in.p[1]), c_new));
    PT2TF_ASSIGN_OR_RETURN(ir::Value * og, Activate(b, s, act[0], go));
    PT2TF_ASSIGN_OR_RETURN(ir::Value * hc, Activate(b, s, act[2], c_new, false));
    h_new = b.Mul(og, hc);
  } else if (s.cell == Cell::kGru) {
    ir::Value* n_in = nullptr;
    ir::Value* hz = nullptr;
    if (s.linear_before_reset) {
      const std::vector<ir::Value*> hg = b.Split(b.MatMul(h, cap(in.rt)), 3, s.hidden);
      hz = hg[0];
      ir::Value* hh = in.rb_h ? b.Add(hg[2], cap(in.rb_h)) : hg[2];
      PT2TF_ASSIGN_OR_RETURN(ir::Value * r, Activate(b, s, act[0], b.Add(xg[1], hg[1])));
      n_in = b.Add(xg[2], b.Mul(r, hh));
    } else {
      const std::vector<ir::Value*> hg = b.Split(b.MatMul(h, cap(in.rt)), 2, s.hidden);
      hz = hg[0];
      PT2TF_ASSIGN_OR_RETURN(ir::Value * r, Activate(b, s, act[0], b.Add(xg[1], hg[1])));
      n_in = b.Add(xg[2], b.MatMul(b.Mul(r, h), cap(in.rt_h)));
    }
    PT2TF_ASSIGN_OR_RETURN(ir::Value * z, Activate(b, s, act[0], b.Add(xg[0], hz)));
    PT2TF_ASSIGN_OR_RETURN(ir::Value * n, Activate(b, s, act[1], n_in));
    h_new = b.Add(n, b.Mul(z, b.Sub(h, n)));  // (1 - z) ⊙ n + z ⊙ h
  } else {
    PT2TF_ASSIGN_OR_RETURN(h_new, Activate(b, s, act[0], b.Add(xg[0], b.MatMul(h, cap(in.rt)))));
  }

  ir::Value* y = h_new;
  if (in.lens) {
    // Steps at or past a sequence's length keep the state and emit zeros.
    ir::Value* live = b.Unsqueeze(b.Op("Less", {i, cap(in.lens)}), 1);  // [B, 1]
    PT2TF_ASSIGN_OR_RETURN(ir::Value * zero, b.Scalar(0));
    y = b.Where(live, h_new, zero);
    h_new = b.Where(live, h_new, h);
    if (c_new) c_new = b.Where(live, c_new, c);
  }
  g.AddOutput(b.Op("Identity", {cond}));
  g.AddOutput(b.Op("Identity", {h_new}));
  if (c_new) g.AddOutput(b.Op("Identity", {c_new}));
  if (ybuf) {
    // Row t of the buffer becomes y: a ScatterND of one index, which the TFLite writer
    // makes a DYNAMIC_UPDATE_SLICE (one row written, not the whole buffer rewritten).
    ir::Value* row = b.Unsqueeze(b.Unsqueeze(t, 0), 0);  // [[t]]
    g.AddOutput(b.Op("ScatterND", {ybuf, row, b.Unsqueeze(y, 0)}));
  } else {
    g.AddOutput(b.Op("Identity", {y}));
  }
  return body;
}

// Rewrites one recurrent node of `graph`.
Status Rewrite(ir::Graph& graph, ir::Node& node, const RecurrentLoopOptions& options) {
  Spec s;
  s.cell = CellOf(node);
  s.gates = s.cell == Cell::kLstm ? 4 : s.cell == Cell::kGru ? 3 : 1;
  ir::Value* X = node.input(0);
  ir::Value* W = node.input(1);
  ir::Value* R = node.input(2);
  if (!X || !W || !R) return InvalidInput(node.Describe() + ": X, W and R are required");
  if (!IsFloatingPoint(X->dtype))
    return Unsupported(node.Describe() + ": only floating-point recurrent ops are supported");
  s.t = X->dtype;
  const std::optional<ir::Dims> ws = W->is_constant() ? W->constant->shape() : W->shape;
  if (!ws || ws->size() != 3 || (*ws)[1] <= 0 || (*ws)[1] % s.gates != 0)
    return Unsupported(node.Describe() + ": W needs a static [dirs, gates·H, I] shape");
  const std::string direction = node.GetString("direction", "forward");
  s.dirs = direction == "bidirectional" ? 2 : 1;
  s.hidden = (*ws)[1] / s.gates;
  if ((*ws)[0] != s.dirs)
    return InvalidInput(node.Describe() + ": W has the wrong direction count");
  if (node.GetInt("hidden_size", s.hidden) != s.hidden)
    return InvalidInput(node.Describe() + ": hidden_size does not match W");
  PT2TF_ASSIGN_OR_RETURN(s.acts, RecurrentActivations(node));
  s.clip = node.FindAttr("clip");
  s.linear_before_reset = s.cell == Cell::kGru && node.GetInt("linear_before_reset", 0) != 0;
  s.input_forget = s.cell == Cell::kLstm && node.GetInt("input_forget", 0) != 0;
  const int64_t layout = node.GetInt("layout", 0);
  const int64_t gh = s.gates * s.hidden;
  const std::string prefix = node.name.empty() ? node.op_type : node.name;
  Builder b(graph, prefix, s.t);

  ir::Value* x = layout == 1 ? b.Transpose(X, {1, 0, 2}) : X;  // [T, B, I]
  ir::Value* shape = b.Op("Shape", {x});
  ir::Value* steps = b.TakeAt(shape, 0);
  ir::Value* bh_shape = b.Concat({b.Slice(shape, 0, 1, 1), b.Ints({s.hidden})}, 0);
  PT2TF_ASSIGN_OR_RETURN(Tensor zero_t, ScalarTensor(s.t, 0));
  ir::Value* zeros_bh =
      b.Op("ConstantOfShape", {bh_shape}, {{"value", ir::Attribute::TensorValue(zero_t)}});
  ir::Value* lens = nullptr;
  if (ir::Value* sl = node.input(4))
    lens = b.Op("Cast", {sl}, {{"to", ir::Attribute::Int(*OnnxDataType(DType::kInt64))}});
  auto state = [&](ir::Value* v) -> ir::Value* {
    if (!v) return nullptr;
    return layout == 1 ? b.Transpose(v, {1, 0, 2}) : v;  // [dirs, B, H]
  };
  ir::Value* h0 = state(node.input(5));
  ir::Value* c0 = s.cell == Cell::kLstm ? state(node.input(6)) : nullptr;
  ir::Value* ybuf0 = nullptr;
  if (options.step_outputs == StepOutputs::kBuffer) {
    ir::Value* buf_shape = b.Concat({b.Slice(shape, 0, 0, 2), b.Ints({s.hidden})}, 0);
    ybuf0 = b.Op("ConstantOfShape", {buf_shape}, {{"value", ir::Attribute::TensorValue(zero_t)}});
  }
  PT2TF_ASSIGN_OR_RETURN(ir::Value * always, b.Scalar(1, DType::kBool));

  std::vector<ir::Value*> ys, hs, cs;
  const size_t per_dir = s.acts.size() / s.dirs;
  for (int64_t d = 0; d < s.dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    DirectionInputs in;
    in.steps = steps;
    in.lens = lens;
    in.walk_back = reverse && !lens;
    ir::Value* xd = x;
    if (reverse && lens)
      xd = b.Op("ReverseSequence", {x, lens},
                {{"batch_axis", ir::Attribute::Int(1)}, {"time_axis", ir::Attribute::Int(0)}});
    in.xw = b.MatMul(xd, b.Transpose(b.TakeAt(W, d), {1, 0}));
    ir::Value* rt = b.Transpose(b.TakeAt(R, d), {1, 0});  // [H, G·H]
    in.rt = rt;
    if (s.cell == Cell::kGru && !s.linear_before_reset) {
      in.rt = b.Slice(rt, 1, 0, 2 * s.hidden);
      in.rt_h = b.Slice(rt, 1, 2 * s.hidden, s.hidden);
    }
    if (ir::Value* B = node.input(3)) {
      ir::Value* bd = b.TakeAt(B, d);
      ir::Value* wb = b.Slice(bd, 0, 0, gh);
      ir::Value* rb = b.Slice(bd, 0, gh, gh);
      if (s.linear_before_reset) {
        in.rb_h = b.Slice(rb, 0, 2 * s.hidden, s.hidden);
        PT2TF_ASSIGN_OR_RETURN(Tensor z, ScalarTensor(s.t, 0));
        ir::Value* zeros_h = b.Op("ConstantOfShape", {b.Ints({s.hidden})},
                                  {{"value", ir::Attribute::TensorValue(z)}});
        rb = b.Concat({b.Slice(rb, 0, 0, 2 * s.hidden), zeros_h}, 0);
      }
      in.xw = b.Add(in.xw, b.Add(wb, rb));
    }
    if (ir::Value* P = s.cell == Cell::kLstm ? node.input(7) : nullptr) {
      ir::Value* pd = b.TakeAt(P, d);
      for (int k = 0; k < 3; ++k) in.p[k] = b.Slice(pd, 0, k * s.hidden, s.hidden);
    }
    const std::string dn = prefix + "/d" + std::to_string(d);
    PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> body,
                           StepBody(s, in, &s.acts[d * per_dir], options.step_outputs, dn));
    std::vector<ir::Value*> loop_in{steps, always, h0 ? b.TakeAt(h0, d) : zeros_bh};
    if (s.cell == Cell::kLstm) loop_in.push_back(c0 ? b.TakeAt(c0, d) : zeros_bh);
    if (ybuf0) loop_in.push_back(ybuf0);
    const size_t n_out = loop_in.size() - 2 + (ybuf0 ? 0 : 1);
    ir::Node* loop = graph.AddNode("Loop", loop_in, {}, n_out, dn + "/loop");
    loop->subgraphs["body"] = std::move(body);
    hs.push_back(loop->outputs[0]);
    if (s.cell == Cell::kLstm) cs.push_back(loop->outputs[1]);
    ir::Value* yd = loop->outputs.back();  // [T, B, H] in the order the steps ran
    if (in.walk_back && !ybuf0) yd = b.Reverse0(yd);
    if (reverse && lens)
      yd = b.Op("ReverseSequence", {yd, lens},
                {{"batch_axis", ir::Attribute::Int(1)}, {"time_axis", ir::Attribute::Int(0)}});
    ys.push_back(yd);
  }

  // Y [T, dirs, B, H] (layout 1: [B, T, dirs, H]); Y_h, Y_c [dirs, B, H] ([B, dirs, H]).
  auto publish = [&](size_t k, std::vector<ir::Value*> parts, int64_t axis,
                     const std::vector<int64_t>& batch_first) {
    if (k >= node.outputs.size() || !node.outputs[k]) return;
    for (ir::Value*& p : parts) p = b.Unsqueeze(p, axis);
    ir::Value* v = b.Concat(std::move(parts), axis);
    if (layout == 1) v = b.Transpose(v, batch_first);
    // The last new node produces the node's own output Value: its name, and so the graph's
    // interface, stays as it was.
    ir::Value* out = node.outputs[k];
    for (ir::Value*& o : v->producer->outputs)
      if (o == v) o = out;
    out->producer = v->producer;
    v->producer = nullptr;
  };
  publish(0, ys, 1, {2, 0, 1, 3});
  publish(1, hs, 0, {1, 0, 2});
  if (s.cell == Cell::kLstm) publish(2, cs, 0, {1, 0, 2});
  return OkStatus();
}

}  // namespace

Result<std::vector<RecurrentActivation>> RecurrentActivations(const ir::Node& node) {
  const Cell cell = CellOf(node);
  const int64_t dirs = node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
  const ir::Attribute* listed = node.FindAttr("activations");
  std::vector<std::string> names = listed ? listed->strings : std::vector<std::string>{};
  const size_t per_dir = cell == Cell::kLstm ? 3 : cell == Cell::kGru ? 2 : 1;
  if (names.empty()) {
    const std::vector<std::string> defaults =
        cell == Cell::kLstm  ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
        : cell == Cell::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                             : std::vector<std::string>{"Tanh"};
    for (int64_t d = 0; d < dirs; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() == per_dir && dirs == 2) {
    const std::vector<std::string> forward = names;
    names.insert(names.end(), forward.begin(), forward.end());
  }
  if (names.size() != per_dir * dirs)
    return InvalidInput(node.Describe() + ": " + std::to_string(names.size()) +
                        " activations, expected " + std::to_string(per_dir * dirs));
  const std::vector<float> alphas = node.GetFloats("activation_alpha");
  const std::vector<float> betas = node.GetFloats("activation_beta");
  size_t ai = 0, bi = 0;
  std::vector<RecurrentActivation> out;
  for (const std::string& n : names) {
    RecurrentActivation a{n};
    float da = 0, db = 0;
    bool uses_a = true, uses_b = false;
    if (n == "Affine" || n == "ScaledTanh") {
      da = 1, db = n == "Affine" ? 0 : 1, uses_b = true;
    } else if (n == "HardSigmoid") {
      da = 0.2f, db = 0.5f, uses_b = true;
    } else if (n == "LeakyRelu") {
      da = 0.01f;
    } else if (n == "ThresholdedRelu" || n == "Elu") {
      da = 1;
    } else if (n == "Relu" || n == "Tanh" || n == "Sigmoid" || n == "Softsign" || n == "Softplus") {
      uses_a = false;
    } else {
      return Unsupported(node.Describe() + ": activation '" + n + "' is not supported");
    }
    a.alpha = uses_a && ai < alphas.size() ? alphas[ai++] : da;
    a.beta = uses_b && bi < betas.size() ? betas[bi++] : db;
    out.push_back(a);
  }
  return out;
}

bool NeedsRecurrentLoop(const ir::Node& node) {
  if (!IsRecurrent(node)) return false;
  const ir::Value* X = node.input(0);
  if (!X || !X->shape || X->shape->size() != 3) return false;
  const int64_t steps = (*X->shape)[node.GetInt("layout", 0) == 0 ? 0 : 1];
  const int64_t dirs = node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
  return steps < 0 || steps * dirs > kMaxUnrolledSteps;
}

Result<size_t> RecurrentToLoop(ir::Graph& graph, const RecurrentLoopOptions& options) {
  size_t count = 0;
  std::vector<ir::Node*> todo;
  for (const auto& node : graph.nodes()) {
    for (auto& [name, sub] : node->subgraphs) {
      PT2TF_ASSIGN_OR_RETURN(size_t n, RecurrentToLoop(*sub, options));
      count += n;
    }
    if (NeedsRecurrentLoop(*node)) todo.push_back(node.get());
  }
  for (ir::Node* node : todo) {
    PT2TF_RETURN_IF_ERROR(Rewrite(graph, *node, options));
    graph.RemoveNode(node);
    ++count;
  }
  if (!todo.empty()) PT2TF_RETURN_IF_ERROR(graph.TopologicalSort());
  return count;
}

}  // namespace pt2tf::passes
