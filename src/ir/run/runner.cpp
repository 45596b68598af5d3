// The float32 runner: the kernel table, planning (slots, order, frees) and execution.
#include "pt2tf/ir/runner.h"

#include <string_view>
#include <unordered_map>

#include "core/work_budget.h"
#include "ir/eval/evaluator.h"
#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

// The budget of the run whose kernel this thread is executing (calibration runs samples on
// several threads, each with its own run), for CheckedNumel.
thread_local const WorkBudget* t_running_budget = nullptr;

struct RunRule {
  std::string_view op_type;
  Kernel fn;
  // Which input's dtype decides: the float kernel runs when it is floating-point, otherwise
  // the exact evaluator (integer shape arithmetic). -1: the kernel takes any dtype.
  int data_input;
};

// The one registration table of runner kernels.
constexpr RunRule kRunRules[] = {
    {"Conv", RunConv, 0},
    {"ConvTranspose", RunConvTranspose, 0},
    {"MatMul", RunMatMul, 0},
    {"Gemm", RunGemm, 0},
    {"BatchNormalization", RunBatchNorm, 0},
    {"LayerNormalization", RunLayerNorm, 0},
    {"InstanceNormalization", RunInstanceNorm, 0},
    {"MaxPool", RunPool, 0},
    {"AveragePool", RunPool, 0},
    {"GlobalAveragePool", RunGlobalPool, 0},
    {"GlobalMaxPool", RunGlobalPool, 0},
    {"Relu", RunUnary, 0},
    {"LeakyRelu", RunUnary, 0},
    {"Elu", RunUnary, 0},
    {"Selu", RunUnary, 0},
    {"Celu", RunUnary, 0},
    {"Sigmoid", RunUnary, 0},
    {"HardSigmoid", RunUnary, 0},
    {"HardSwish", RunUnary, 0},
    {"Tanh", RunUnary, 0},
    {"Softplus", RunUnary, 0},
    {"Softsign", RunUnary, 0},
    {"Mish", RunUnary, 0},
    {"Gelu", RunUnary, 0},
    {"Erf", RunUnary, 0},
    {"Exp", RunUnary, 0},
    {"Log", RunUnary, 0},
    {"Sqrt", RunUnary, 0},
    {"Reciprocal", RunUnary, 0},
    {"Neg", RunUnary, 0},
    {"Abs", RunUnary, 0},
    {"Floor", RunUnary, 0},
    {"Ceil", RunUnary, 0},
    {"Round", RunUnary, 0},
    {"Sign", RunUnary, 0},
    {"Sin", RunUnary, 0},
    {"Cos", RunUnary, 0},
    {"Clip", RunClip, 0},
    {"Add", RunBinary, 0},
    {"Sub", RunBinary, 0},
    {"Mul", RunBinary, 0},
    {"Div", RunBinary, 0},
    {"Pow", RunBinary, 0},
    {"PRelu", RunBinary, 0},
    {"Equal", RunBinary, 0},
    {"Less", RunBinary, 0},
    {"LessOrEqual", RunBinary, 0},
    {"Greater", RunBinary, 0},
    {"GreaterOrEqual", RunBinary, 0},
    {"Max", RunVariadic, 0},
    {"Min", RunVariadic, 0},
    {"Sum", RunVariadic, 0},
    {"Mean", RunVariadic, 0},
    {"Where", RunWhere, 1},
    {"ReduceMean", RunReduce, 0},
    {"ReduceSum", RunReduce, 0},
    {"ReduceMax", RunReduce, 0},
    {"ReduceMin", RunReduce, 0},
    {"ReduceProd", RunReduce, 0},
    {"ReduceL2", RunReduce, 0},
    {"ReduceSumSquare", RunReduce, 0},
    {"Softmax", RunSoftmax, 0},
    {"LogSoftmax", RunSoftmax, 0},
    {"ArgMax", RunArgMinMax, 0},
    {"ArgMin", RunArgMinMax, 0},
    {"Resize", RunResize, 0},
    {"Identity", RunIdentity, -1},
    {"Dropout", RunIdentity, -1},
    {"Reshape", RunReshape, -1},
    {"Flatten", RunFlatten, -1},
    {"Squeeze", RunSqueeze, -1},
    {"Unsqueeze", RunUnsqueeze, -1},
    {"Shape", RunShape, -1},
    {"Size", RunSize, -1},
    {"Cast", RunCast, 0},
    {"Transpose", RunTranspose, -1},
    {"Concat", RunConcat, -1},
    {"Split", RunSplit, -1},
    {"Slice", RunSlice, -1},
    {"Gather", RunGather, -1},
    {"Pad", RunPad, -1},
};

const RunRule* FindRule(const std::string& op_type) {
  for (const RunRule& rule : kRunRules)
    if (rule.op_type == op_type) return &rule;
  return nullptr;
}

// What a RunTensor of `dtype` and `shape` stores: float32 for floating dtypes, int64 else.
uint64_t BytesOf(DType dtype, const Dims& shape) {
  uint64_t n = IsFloatingPoint(dtype) ? 4 : 8;
  for (int64_t d : shape) n = SaturatingMul(n, d > 0 ? static_cast<uint64_t>(d) : 0);
  return n;
}

eval::HostTensor ToHost(const RunTensor& t) {
  eval::HostTensor h;
  h.dtype = t.dtype;
  h.shape = t.shape;
  if (t.is_float())
    h.f.assign(t.f.begin(), t.f.end());
  else
    h.i = t.i;
  return h;
}

RunTensor FromHost(eval::HostTensor h) {
  RunTensor t;
  t.dtype = h.dtype;
  t.shape = std::move(h.shape);
  if (t.is_float())
    t.f.assign(h.f.begin(), h.f.end());
  else
    t.i = std::move(h.i);
  return t;
}

// The exact evaluator as a kernel, for ops (or integer uses of ops) with no float kernel.
Result<Outputs> RunExact(const Node& node, const Inputs& in) {
  std::vector<eval::HostTensor> host;
  host.reserve(in.size());
  for (const RunTensor* t : in) host.push_back(t ? ToHost(*t) : eval::HostTensor{});
  eval::EvalInputs ptrs;
  for (size_t k = 0; k < in.size(); ++k) ptrs.push_back(in[k] ? &host[k] : nullptr);
  PT2TF_ASSIGN_OR_RETURN(std::vector<eval::HostTensor> outs, eval::Evaluate(node, ptrs));
  Outputs result;
  for (eval::HostTensor& h : outs) result.push_back(FromHost(std::move(h)));
  return result;
}

// Nodes in an order where each comes after the producers of its inputs (Kahn).
Result<std::vector<const Node*>> TopoOrder(const Graph& graph) {
  std::unordered_map<const Node*, size_t> pending;
  std::unordered_map<const Value*, std::vector<const Node*>> users;
  std::vector<const Node*> ready, order;
  for (const auto& n : graph.nodes()) {
    size_t count = 0;
    for (const Value* v : n->inputs)
      if (v && v->producer) {
        ++count;
        users[v].push_back(n.get());
      }
    pending[n.get()] = count;
    if (count == 0) ready.push_back(n.get());
  }
  while (!ready.empty()) {
    const Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (const Value* out : n->outputs) {
      auto it = users.find(out);
      if (it == users.end()) continue;
      for (const Node* u : it->second)
        if (--pending[u] == 0) ready.push_back(u);
    }
  }
  if (order.size() != graph.nodes().size()) return InvalidInput("the graph has a cycle");
  return order;
}

}  // namespace

struct Runner::Plan {
  struct Step {
    const Node* node;
    Kernel fn;
    std::vector<int> in;    // slot per input, -1 for omitted
    std::vector<int> out;   // slot per output, -1 for outputs nobody reads
    std::vector<int> free;  // slots whose last reader is this step
  };
  int num_slots = 0;
  std::vector<int> input_slots;
  std::vector<int> output_slots;
  std::vector<std::pair<int, std::shared_ptr<const RunTensor>>> constants;
  std::vector<Step> steps;
  RunOptions options;
};

bool CanRun(const std::string& op_type) {
  return FindRule(op_type) != nullptr || eval::CanEvaluate(op_type);
}

Result<std::unique_ptr<Runner>> Runner::Create(const Graph& graph, const RunOptions& options) {
  auto plan = std::make_shared<Plan>();
  plan->options = options;
  std::unordered_map<const Value*, int> slot;
  auto slot_of = [&](const Value* v) {
    auto [it, fresh] = slot.try_emplace(v, plan->num_slots);
    if (fresh) ++plan->num_slots;
    return it->second;
  };
  for (const Value* v : graph.inputs()) {
    if (v->is_constant()) continue;
    plan->input_slots.push_back(slot_of(v));
  }
  PT2TF_ASSIGN_OR_RETURN(std::vector<const Node*> order, TopoOrder(graph));
  std::unordered_map<int, size_t> last_use;
  for (const Node* node : order) {
    if (!node->domain.empty() && node->domain != "ai.onnx")
      return Unsupported(node->Describe() + ": the reference runner has no kernel for domain '" +
                         node->domain + "'");
    Plan::Step step{node, nullptr, {}, {}, {}};
    const RunRule* rule = FindRule(node->op_type);
    const Value* data = rule && rule->data_input >= 0 ? node->input(rule->data_input) : nullptr;
    if (rule && (rule->data_input < 0 || !data || IsFloatingPoint(data->dtype)))
      step.fn = rule->fn;
    else if (eval::CanEvaluate(node->op_type))
      step.fn = RunExact;
    else if (rule)
      return Unsupported(node->Describe() + ": the reference runner has no kernel for " +
                         std::string(TorchName(data->dtype)) + " inputs");
    else
      return Unsupported(node->Describe() + ": the reference runner has no kernel for this op");
    for (const Value* v : node->inputs) {
      if (!v) {
        step.in.push_back(-1);
        continue;
      }
      const bool known = slot.count(v) > 0;
      const int s = slot_of(v);
      if (!known) {
        if (!v->is_constant())
          return InvalidInput(node->Describe() + ": input '" + v->name + "' has no producer");
        PT2TF_ASSIGN_OR_RETURN(RunTensor c, RunTensor::FromTensor(*v->constant));
        plan->constants.emplace_back(s, std::make_shared<const RunTensor>(std::move(c)));
      }
      step.in.push_back(s);
      last_use[s] = plan->steps.size();
    }
    for (const Value* v : node->outputs) step.out.push_back(v ? slot_of(v) : -1);
    plan->steps.push_back(std::move(step));
  }
  for (const Value* v : graph.outputs()) {
    const bool known = slot.count(v) > 0;
    const int s = slot_of(v);
    if (!known) {
      if (!v->is_constant())
        return InvalidInput("graph output '" + v->name + "' is never computed");
      PT2TF_ASSIGN_OR_RETURN(RunTensor c, RunTensor::FromTensor(*v->constant));
      plan->constants.emplace_back(s, std::make_shared<const RunTensor>(std::move(c)));
    }
    plan->output_slots.push_back(s);
    last_use.erase(s);  // outputs live to the end
  }
  std::unordered_map<int, bool> is_constant;
  for (const auto& [s, c] : plan->constants) is_constant[s] = true;
  for (const auto& [s, step] : last_use)
    if (!is_constant.count(s)) plan->steps[step].free.push_back(s);
  // Outputs nobody reads (a Split part, Dropout's mask) go as soon as they are made.
  std::unordered_map<int, bool> is_output;
  for (int s : plan->output_slots) is_output[s] = true;
  for (Plan::Step& step : plan->steps)
    for (int s : step.out)
      if (s >= 0 && !last_use.count(s) && !is_output.count(s)) step.free.push_back(s);
  return std::unique_ptr<Runner>(new Runner(graph, std::move(plan)));
}

Result<std::vector<RunTensor>> Runner::Run(const std::vector<RunTensor>& inputs,
                                           const Observer& observer) const {
  const Plan& plan = *plan_;
  SetBlasThreads(plan.options.threads);
  std::vector<const Value*> graph_inputs;
  for (const Value* v : graph_.inputs())
    if (!v->is_constant()) graph_inputs.push_back(v);
  if (inputs.size() != graph_inputs.size())
    return InvalidInput("the model takes " + std::to_string(graph_inputs.size()) + " inputs, got " +
                        std::to_string(inputs.size()));
  std::vector<std::shared_ptr<const RunTensor>> slots(plan.num_slots);
  for (const auto& [s, c] : plan.constants) slots[s] = c;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Value& v = *graph_inputs[k];
    const RunTensor& t = inputs[k];
    if (t.dtype != v.dtype)
      return InvalidInput("input '" + v.name + "': dtype " + std::string(TorchName(t.dtype)) +
                          ", the model wants " + std::string(TorchName(v.dtype)));
    bool fits = !v.shape || v.shape->size() == t.shape.size();
    for (size_t d = 0; fits && v.shape && d < t.shape.size(); ++d)
      fits = (*v.shape)[d] == kUnknownDim || (*v.shape)[d] == t.shape[d];
    if (!fits)
      return InvalidInput("input '" + v.name + "': shape " + ShapeToString(t.shape) +
                          ", the model wants " + ShapeToString(*v.shape));
    const size_t n = static_cast<size_t>(t.numel());
    if ((t.is_float() ? t.f.size() : t.i.size()) != n)
      return InvalidInput("input '" + v.name + "': data does not match its shape");
    // A non-owning alias: the caller's tensor outlives this call.
    slots[plan.input_slots[k]] = std::shared_ptr<const RunTensor>(&t, [](const RunTensor*) {});
    if (observer) observer(v, t);
  }
  Inputs in;
  WorkBudget budget;  // graph inputs count as held: the free lists release them too
  for (const RunTensor& t : inputs)
    PT2TF_RETURN_IF_ERROR(budget.Hold(BytesOf(t.dtype, t.shape), "the model's inputs"));
  for (const Plan::Step& step : plan.steps) {
    in.clear();
    for (int s : step.in) in.push_back(s < 0 ? nullptr : slots[s].get());
    const std::string what = step.node->Describe();
    PT2TF_RETURN_IF_ERROR(budget.Spend(WorkOf(*step.node, in), what));
    // Outputs whose shape the graph knows are held before the kernel allocates them; the
    // rest once computed (a run-time shape is bounded per tensor by the kernels).
    uint64_t expected = 0;
    for (const Value* v : step.node->outputs)
      if (v && v->has_static_shape()) expected += BytesOf(v->dtype, *v->shape);
    PT2TF_RETURN_IF_ERROR(budget.Hold(expected, what));
    budget.Release(expected);
    // Outputs of a run-time shape are checked by the kernel's CheckedNumel against what
    // the budget has room for, before it allocates them.
    Result<Outputs> outs = [&] {
      struct Running {  // reset however the kernel returns
        explicit Running(const WorkBudget* b) { t_running_budget = b; }
        ~Running() { t_running_budget = nullptr; }
      } running(&budget);
      return step.fn(*step.node, in);
    }();
    if (!outs.ok()) return outs.status();
    uint64_t written = 0, held = 0;
    for (const RunTensor& t : *outs) {
      written += static_cast<uint64_t>(t.numel());
      held += BytesOf(t.dtype, t.shape);
    }
    PT2TF_RETURN_IF_ERROR(budget.Spend(written, what));
    PT2TF_RETURN_IF_ERROR(budget.Hold(held, what));
    if (outs->size() < step.out.size())
      for (size_t k = outs->size(); k < step.out.size(); ++k)
        if (step.out[k] >= 0 && step.node->outputs[k])
          return Unsupported(step.node->Describe() + ": output " + std::to_string(k) +
                             " is not computed by the reference runner");
    for (size_t k = 0; k < step.out.size(); ++k) {
      if (step.out[k] < 0 || k >= outs->size()) continue;
      RunTensor& t = (*outs)[k];
      const DType want = step.node->outputs[k]->dtype;
      if (IsFloatingPoint(want) != t.is_float())
        return InternalError(step.node->Describe() + ": output " + std::to_string(k) + " is " +
                             std::string(TorchName(t.dtype)) + ", the graph says " +
                             std::string(TorchName(want)));
      t.dtype = want;
      if (observer) observer(*step.node->outputs[k], t);
      slots[step.out[k]] = std::make_shared<const RunTensor>(std::move(t));
    }
    for (int s : step.free) {
      if (slots[s]) budget.Release(BytesOf(slots[s]->dtype, slots[s]->shape));
      slots[s].reset();
    }
  }
  std::vector<RunTensor> result;
  for (int s : plan.output_slots) result.push_back(*slots[s]);
  return result;
}

Result<std::vector<RunTensor>> Run(const Graph& graph, const std::vector<RunTensor>& inputs,
                                   const Observer& observer, const RunOptions& options) {
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<Runner> runner, Runner::Create(graph, options));
  return runner->Run(inputs, observer);
}

// ---- helpers shared by kernels ----

Result<int64_t> CheckedNumel(const Node& node, const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidInput(node.Describe() + ": negative dim in " + ShapeToString(shape));
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxRunElements)
      return Unsupported(node.Describe() + ": result " + ShapeToString(shape) + " is too large");
  }
  // At least 4 bytes an element (float32; integers take 8).
  if (t_running_budget)
    PT2TF_RETURN_IF_ERROR(
        t_running_budget->CheckRoom(static_cast<uint64_t>(n) * 4, node.Describe()));
  return n;
}

Status NeedInputs(const Node& node, const Inputs& in, size_t count) {
  if (in.size() < count)
    return InvalidInput(node.Describe() + ": needs " + std::to_string(count) + " inputs");
  for (size_t k = 0; k < count; ++k)
    if (!in[k]) return InvalidInput(node.Describe() + ": input " + std::to_string(k) + " missing");
  return OkStatus();
}

Status NeedFloat(const Node& node, const Inputs& in, size_t k) {
  if (k >= in.size() || !in[k] || !in[k]->is_float())
    return Unsupported(node.Describe() + ": input " + std::to_string(k) +
                       " must be floating-point for the reference runner");
  return OkStatus();
}

Result<int64_t> NormAxis(const Node& node, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return InvalidInput(node.Describe() + ": axis " + std::to_string(axis) +
                        " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> IntValues(const RunTensor& t) {
  if (!t.is_float()) return t.i;
  return std::vector<int64_t>(t.f.begin(), t.f.end());
}

int64_t Prod(const Dims& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t k = begin; k < end && k < shape.size(); ++k) n *= shape[k];
  return n;
}

Result<Dims> Broadcast(const Node& node, const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return InvalidInput(node.Describe() + ": shapes " + ShapeToString(a) + " and " +
                          ShapeToString(b) + " cannot be broadcast together");
    out[k] = da == 1 ? db : da;
  }
  return out;
}

Dims StridesOf(const Dims& shape) {
  Dims s(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) s[k - 1] = s[k] * shape[k];
  return s;
}

Dims BroadcastStrides(const Dims& in, const Dims& out) {
  Dims s(out.size(), 0);
  const Dims own = StridesOf(in);
  const size_t offset = out.size() - in.size();
  for (size_t k = 0; k < in.size(); ++k) s[k + offset] = in[k] == 1 ? 0 : own[k];
  return s;
}

}  // namespace pt2tf::ir::run
