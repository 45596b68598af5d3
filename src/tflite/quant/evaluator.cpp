#include "tflite/quant/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/work_budget.h"
#include "tflite/file_buffers.h"
#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

// Largest tensor the evaluator allocates (elements): a file's claims are checked first.
constexpr int64_t kMaxEvalElements = int64_t{1} << 31;

int ElementBytes(::tflite::TensorType t) {
  switch (t) {
    case ::tflite::TensorType_FLOAT32:
    case ::tflite::TensorType_INT32:
      return 4;
    case ::tflite::TensorType_FLOAT16:
    case ::tflite::TensorType_INT16:
      return 2;
    case ::tflite::TensorType_INT64:
      return 8;
    case ::tflite::TensorType_INT8:
    case ::tflite::TensorType_UINT8:
    case ::tflite::TensorType_BOOL:
      return 1;
    default:
      return 0;
  }
}

// The work of one operator (core/work_budget.h): every element it reads and writes, and for
// the contractions one multiply-add per output element and reduced input element.
uint64_t WorkOf(const OpContext& ctx) {
  using Op = ::tflite::BuiltinOperator;
  uint64_t units = 0;
  for (const EvalTensor* x : ctx.in)
    if (x) units += static_cast<uint64_t>(x->numel());
  for (const EvalTensor* y : ctx.out) units += static_cast<uint64_t>(y->numel());
  const EvalTensor* w = ctx.in.size() > 1 ? ctx.in[1] : nullptr;
  if (!w || w->shape.empty() || w->numel() == 0) return units;
  const uint64_t out = static_cast<uint64_t>(ctx.out[0]->numel());
  const uint64_t wn = static_cast<uint64_t>(w->numel());
  switch (ctx.code) {
    case Op::BuiltinOperator_CONV_2D:          // [Cout, KH, KW, Cin]
    case Op::BuiltinOperator_FULLY_CONNECTED:  // [units, K]
      return units + SaturatingMul(out, wn / static_cast<uint64_t>(w->shape[0]));
    case Op::BuiltinOperator_DEPTHWISE_CONV_2D:  // [1, KH, KW, C·multiplier]
      return units + SaturatingMul(out, wn / static_cast<uint64_t>(w->shape.back()));
    case Op::BuiltinOperator_TRANSPOSE_CONV:  // (output_shape, [Cout, KH, KW, Cin], input)
      if (ctx.in.size() > 2 && ctx.in[2])
        return units + SaturatingMul(static_cast<uint64_t>(ctx.in[2]->numel()),
                                     wn / static_cast<uint64_t>(w->shape.back()));
      return units;
    case Op::BuiltinOperator_BATCH_MATMUL: {  // K: one of x's last two dims (adj_x)
      const ir::Dims& x = ctx.in[0]->shape;
      const int64_t k = x.size() < 2 ? 1 : std::max(x[x.size() - 1], x[x.size() - 2]);
      return units + SaturatingMul(out, static_cast<uint64_t>(k));
    }
    default:
      return units;
  }
}

}  // namespace

int64_t EvalTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool EvalTensor::is_float() const {
  return type == ::tflite::TensorType_FLOAT32 || type == ::tflite::TensorType_FLOAT16;
}

int32_t QuantizeValue(float x, float scale, int64_t zero_point, int32_t lo, int32_t hi) {
  const double v = std::round(static_cast<double>(x) / scale) + static_cast<double>(zero_point);
  if (!(v >= lo)) return lo;  // NaN included
  if (v > hi) return hi;
  return static_cast<int32_t>(v);
}

void QuantizeMultiplier(double m, int32_t* multiplier, int* shift) {
  if (m == 0) {
    *multiplier = 0, *shift = 0;
    return;
  }
  const double q = std::frexp(m, shift);
  int64_t fixed = static_cast<int64_t>(std::round(q * (int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) fixed /= 2, ++*shift;
  if (*shift < -31) *shift = 0, fixed = 0;
  *multiplier = static_cast<int32_t>(fixed);
}

int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift) {
  // A left shift past 31 saturates any non-zero x anyway (scales 2^31 apart, only in a
  // hostile file): capped so the shift itself stays defined.
  const int left = shift > 0 ? std::min(shift, 31) : 0, right = shift > 0 ? 0 : -shift;
  const int64_t a = static_cast<int64_t>(x) * (int64_t{1} << left);
  // Saturating rounding doubling high multiply (a fits int32 for TFLite's shifts).
  const int32_t a32 = static_cast<int32_t>(std::clamp<int64_t>(a, INT32_MIN, INT32_MAX));
  int32_t high;
  if (a32 == INT32_MIN && multiplier == INT32_MIN) {
    high = INT32_MAX;
  } else {
    const int64_t ab = static_cast<int64_t>(a32) * multiplier;
    const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
    high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
  }
  // Rounding divide by 2^right (ties away from zero).
  const int32_t mask = static_cast<int32_t>((int64_t{1} << right) - 1);
  const int32_t remainder = high & mask;
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right) + (remainder > threshold ? 1 : 0);
}

std::string Evaluator::output_name(size_t i) const {
  const auto* t = subgraph_->tensors()->Get(outputs_[i]);
  return t->name() ? t->name()->str() : "output" + std::to_string(i);
}

Result<std::unique_ptr<Evaluator>> Evaluator::Create(std::vector<uint8_t> bytes,
                                                     const EvaluatorOptions& options) {
  std::unique_ptr<Evaluator> e(new Evaluator());
  e->bytes_ = std::move(bytes);
  e->options_ = options;
  flatbuffers::Verifier verifier(e->bytes_.data(), FlatBufferVerifyWindow(e->bytes_.size()));
  if (!::tflite::VerifyModelBuffer(verifier)) return InvalidInput("not a valid TFLite FlatBuffer");
  e->model_ = ::tflite::GetModel(e->bytes_.data());
  // Partial evaluation runs the main subgraph only: its IF / WHILE ops are skipped.
  if (!e->model_->subgraphs() || e->model_->subgraphs()->size() == 0 ||
      (e->model_->subgraphs()->size() != 1 && !options.partial))
    return Unsupported("the evaluator runs single-subgraph models only");
  e->subgraph_ = e->model_->subgraphs()->Get(0);
  PT2TF_RETURN_IF_ERROR(e->Prepare());
  return e;
}

Status Evaluator::Prepare() {
  const auto* tensors = subgraph_->tensors();
  if (!tensors || !subgraph_->operators() || !subgraph_->inputs() || !subgraph_->outputs())
    return InvalidInput("the subgraph lacks tensors, operators or its interface");
  const auto* buffers = model_->buffers();
  tensors_.resize(tensors->size());
  dynamic_.assign(tensors->size(), false);
  for (size_t i = 0; i < tensors->size(); ++i) {
    const ::tflite::Tensor* t = tensors->Get(i);
    EvalTensor& e = tensors_[i];
    e.type = t->type();
    // The file's shape_signature marks run-time dims (-1); its `shape` then holds 1 there.
    // (A strict evaluator reads `shape` only, as `pt2tf run` always has.)
    if (const auto* sig = t->shape_signature(); sig && options_.partial)
      for (int32_t d : *sig) dynamic_[i] = dynamic_[i] || d < 0;
    int64_t elements = 1;  // checked dim by dim: the file's dims may overflow a product
    if (t->shape())
      for (int32_t d : *t->shape()) {
        if (d < 0 && options_.partial) {  // (pt2tf writes 1 there; another writer may not)
          dynamic_[i] = true;
          d = 0;
        }
        if (d < 0) return Unsupported("tensor " + std::to_string(i) + " has a dynamic dim");
        e.shape.push_back(d);
        if (d > 0 && elements > kMaxEvalElements / d)
          return Unsupported("tensor " + std::to_string(i) + " is too large to evaluate");
        elements *= d;
      }
    if (const auto* q = t->quantization(); q && q->scale() && q->scale()->size() > 0) {
      e.scale.assign(q->scale()->begin(), q->scale()->end());
      if (const auto* zp = q->zero_point()) {
        // The verifier aligns a vector's length prefix to 4, not its int64 elements: read
        // them byte-wise rather than through a possibly misaligned int64 pointer.
        e.zero_point.resize(zp->size());
        if (zp->size() > 0)
          std::memcpy(e.zero_point.data(), zp->Data(), zp->size() * sizeof(int64_t));
      }
      e.zero_point.resize(e.scale.size(), 0);
      e.qdim = q->quantized_dimension();
      // What the int8 kernels' integer arithmetic relies on (and TFLite requires): finite
      // positive scales, zero points an int8 can hold, a quantized dim inside the shape.
      // (An int32 bias's scale, input × weight scale, is only recorded: it may underflow.)
      const bool bias = e.type == ::tflite::TensorType_INT32;
      for (size_t c = 0; c < e.scale.size(); ++c)
        if (!(bias ? e.scale[c] >= 0 : e.scale[c] > 0) || !std::isfinite(e.scale[c]) ||
            e.zero_point[c] < -128 || e.zero_point[c] > 127)
          return InvalidInput("tensor " + std::to_string(i) + ": scale or zero point out of range");
      if (e.qdim < 0 ||
          (e.scale.size() > 1 && (static_cast<size_t>(e.qdim) >= e.shape.size() ||
                                  static_cast<int64_t>(e.scale.size()) != e.shape[e.qdim])))
        return InvalidInput("tensor " + std::to_string(i) + ": bad quantized dimension");
    }
    const uint32_t b = t->buffer();
    if (b == 0 || !buffers || b >= buffers->size()) continue;
    PT2TF_ASSIGN_OR_RETURN(BufferBytes data,
                           ReadBuffer(buffers->Get(b), bytes_.data(), bytes_.size()));
    if (data.size == 0) {
      // An empty constant (the [0] shape operand of a RESHAPE to a scalar) holds its value.
      if (e.numel() == 0 && !dynamic_[i]) e.is_const = true;
      continue;
    }
    const int eb = ElementBytes(e.type);
    if (eb == 0 || data.size != static_cast<uint64_t>(e.numel() * eb))
      return InvalidInput("tensor " + std::to_string(i) + ": buffer size does not match");
    e.is_const = true;
    const uint8_t* p = data.data;
    const int64_t n = e.numel();
    switch (e.type) {
      case ::tflite::TensorType_FLOAT32:
        e.f.resize(n);
        std::memcpy(e.f.data(), p, n * 4);
        break;
      case ::tflite::TensorType_FLOAT16:
        e.f.resize(n);
        for (int64_t k = 0; k < n; ++k) {
          uint16_t h;
          std::memcpy(&h, p + 2 * k, 2);
          e.f[k] = HalfToFloat(h);
        }
        break;
      case ::tflite::TensorType_INT32:
        e.q.resize(n);
        std::memcpy(e.q.data(), p, n * 4);
        break;
      case ::tflite::TensorType_INT64:
        e.q.resize(n);
        for (int64_t k = 0; k < n; ++k) {
          int64_t v;
          std::memcpy(&v, p + 8 * k, 8);
          e.q[k] = static_cast<int32_t>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
        }
        break;
      case ::tflite::TensorType_INT8:
        e.q.resize(n);
        for (int64_t k = 0; k < n; ++k) e.q[k] = static_cast<int8_t>(p[k]);
        break;
      default:
        e.q.resize(n);
        for (int64_t k = 0; k < n; ++k) e.q[k] = p[k];
    }
  }
  inputs_.assign(subgraph_->inputs()->begin(), subgraph_->inputs()->end());
  outputs_.assign(subgraph_->outputs()->begin(), subgraph_->outputs()->end());
  for (int t : inputs_)
    if (t < 0 || static_cast<size_t>(t) >= tensors_.size()) return InvalidInput("bad input");
  for (int t : outputs_)
    if (t < 0 || static_cast<size_t>(t) >= tensors_.size()) return InvalidInput("bad output");
  for (int t : inputs_)
    if (dynamic_[t])
      return Unsupported("input tensor " + std::to_string(t) + " has a dim known only at run time");
  const auto* codes = model_->operator_codes();
  last_use_.assign(tensors_.size(), -1);
  skipped_.assign(subgraph_->operators()->size(), false);
  std::vector<bool> absent(tensors_.size(), false);  // what a skipped op would have written
  int index = 0;
  for (const ::tflite::Operator* op : *subgraph_->operators()) {
    if (op->inputs())
      for (int32_t t : *op->inputs())
        if (t >= 0 && static_cast<size_t>(t) < tensors_.size()) last_use_[t] = index;
    if (!codes || op->opcode_index() >= codes->size())
      return InvalidInput("operator with a bad opcode index");
    const auto code = codes->Get(op->opcode_index())->builtin_code();
    for (const auto* list : {op->inputs(), op->outputs()})
      if (list)
        for (int32_t t : *list)
          if (t >= static_cast<int32_t>(tensors_.size()))
            return InvalidInput("operator refers to a missing tensor");
    std::string why;
    if (!EvalKernelFor(code)) why = "pt2tf's evaluator has no kernel for it";
    if (op->outputs())
      for (int32_t t : *op->outputs())
        if (t >= 0 && dynamic_[t] && why.empty())
          why = "its output's size is known only at run time";
    if (op->inputs())
      for (int32_t t : *op->inputs())
        if (t >= 0 && absent[t] && why.empty()) why = "it reads a value the evaluator skipped";
    if (!why.empty()) {
      if (!options_.partial)
        return Unsupported(std::string("pt2tf's evaluator has no kernel for TFLite ") +
                           ::tflite::EnumNameBuiltinOperator(code));
      skipped_[index] = true;
      if (first_skipped_.empty())
        first_skipped_ = std::string("TFLite ") + ::tflite::EnumNameBuiltinOperator(code) +
                         " (operator " + std::to_string(index) + "): " + why;
      if (op->outputs())
        for (int32_t t : *op->outputs())
          if (t >= 0) absent[t] = true;
    }
    ++index;
  }
  for (int t : outputs_)
    if (absent[t]) outputs_absent_ = true;
  return OkStatus();
}

Result<std::vector<EvalTensor>> Evaluator::Run(const std::vector<std::vector<float>>& inputs,
                                               const EvalObserver& observer) const {
  return Evaluate(inputs, observer, false);
}

Status Evaluator::Observe(const std::vector<std::vector<float>>& inputs,
                          const EvalObserver& observer) const {
  return Evaluate(inputs, observer, true).status();
}

Result<std::vector<EvalTensor>> Evaluator::Evaluate(const std::vector<std::vector<float>>& inputs,
                                                    const EvalObserver& observer,
                                                    bool observer_only) const {
  if (inputs.size() != inputs_.size())
    return InvalidInput("the model has " + std::to_string(inputs_.size()) + " inputs, got " +
                        std::to_string(inputs.size()));
  // Activations live in `values`; constants are read in place.
  std::vector<EvalTensor> values(tensors_.size());
  auto value = [&](int t) -> const EvalTensor& {
    return tensors_[t].is_const ? tensors_[t] : values[t];
  };
  for (size_t i = 0; i < inputs_.size(); ++i) {
    EvalTensor& v = values[inputs_[i]];
    v = tensors_[inputs_[i]];
    if (static_cast<int64_t>(inputs[i].size()) != v.numel())
      return InvalidInput("input " + std::to_string(i) + " has " +
                          std::to_string(inputs[i].size()) + " values, the model wants " +
                          std::to_string(v.numel()));
    StoreFloat(v, inputs[i]);
    if (observer) observer(inputs_[i], v);
  }
  const auto* codes = model_->operator_codes();
  // Every stored value takes 4 bytes (f or q).
  WorkBudget budget;
  auto bytes = [&](int t) { return static_cast<uint64_t>(tensors_[t].numel()) * 4; };
  for (int t : inputs_) PT2TF_RETURN_IF_ERROR(budget.Hold(bytes(t), "the model's inputs"));
  if (outputs_absent_ && !observer_only)
    return Unsupported("the model's outputs depend on " + first_skipped_);
  int op_index = 0;
  for (const ::tflite::Operator* op : *subgraph_->operators()) {
    if (skipped_[op_index]) {
      ++op_index;
      continue;
    }
    OpContext ctx{*op, codes->Get(op->opcode_index())->builtin_code(), {}, {}};
    if (op->inputs())
      for (int32_t t : *op->inputs()) ctx.in.push_back(t < 0 ? nullptr : &value(t));
    if (op->outputs())
      for (int32_t t : *op->outputs()) {
        if (t < 0) return InvalidInput("an operator output is -1");
        values[t] = tensors_[t];
        ctx.out.push_back(&values[t]);
      }
    // Every evaluated builtin reads a first input and writes a first output (the kernels
    // check the arity beyond that), and reads only values that exist: a tensor that is
    // neither a constant, a graph input nor an earlier operator's output has none.
    auto where = [&] {
      return std::string("TFLite ") + ::tflite::EnumNameBuiltinOperator(ctx.code) + " (operator " +
             std::to_string(op_index) + ")";
    };
    if (ctx.in.empty() || !ctx.in[0] || ctx.out.empty())
      return InvalidInput(where() + " lacks its first input or output");
    for (const EvalTensor* x : ctx.in)
      if (x && (x->is_float() ? x->f.size() : x->q.size()) != static_cast<size_t>(x->numel()))
        return InvalidInput(where() + " reads a tensor that holds no value");
    PT2TF_RETURN_IF_ERROR(budget.Spend(WorkOf(ctx), where()));
    if (op->outputs())
      for (int32_t t : *op->outputs()) PT2TF_RETURN_IF_ERROR(budget.Hold(bytes(t), where()));
    PT2TF_RETURN_IF_ERROR(EvalKernelFor(ctx.code)(ctx));
    // Every kernel fills its outputs to their shapes; a kernel that did not (a file whose
    // shapes disagree in a way the kernel did not check) stops the run here, before a later
    // kernel trusts the shape.
    for (const EvalTensor* y : ctx.out)
      if ((y->is_float() ? y->f.size() : y->q.size()) != static_cast<size_t>(y->numel()))
        return InvalidInput(where() + ": its output shape does not match its inputs");
    if (observer && op->outputs())
      for (int32_t t : *op->outputs()) observer(t, values[t]);
    // Free what no later operator reads (graph outputs stay).
    if (op->inputs())
      for (int32_t t : *op->inputs())
        if (t >= 0 && last_use_[t] == op_index && !tensors_[t].is_const &&
            std::find(outputs_.begin(), outputs_.end(), t) == outputs_.end()) {
          values[t] = EvalTensor{};
          budget.Release(bytes(t));
        }
    ++op_index;
  }
  std::vector<EvalTensor> out;
  if (observer_only) return out;
  for (int t : outputs_) {
    EvalTensor v = value(t);
    // int8 outputs dequantized; integer and bool ones (ARG_MAX's indices) as floats beside
    // their stored values (q), which `pt2tf run` writes in the output's own type.
    if (!v.is_float()) v.f = FloatValues(v);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace pt2tf::tflite
