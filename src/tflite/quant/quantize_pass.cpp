// The two quantization rewrites of a translated model.
//
// int8, before/after (float32 interface):
//   x ─CONV_2D(w f32, b f32)─ y ─SOFTMAX─ z          x ─QUANTIZE─ xq ─CONV_2D(wq i8, bq i32)─
//                                              →     yq ─SOFTMAX─ zq ─DEQUANTIZE─ z
// Per-tensor asymmetric activations from the observed ranges (0 always representable);
// per-channel symmetric weights (quantized dimension: CONV_2D / FULLY_CONNECTED 0,
// DEPTHWISE_CONV_2D 3); biases int32 with scale input_scale × weight_scale[c]. TFLite's
// operator constraints: LOGISTIC and SOFTMAX output 1/256 with zero point −128, TANH 1/128
// with 0; pools, reshapes, transpose and pads keep their input's parameters; CONCATENATION
// inputs are requantized (QUANTIZE int8→int8) to the output's parameters.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "tflite/quant/quantize.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

struct QParams {
  float scale = 1;
  int64_t zero_point = 0;
};

bool IsFloat(const TensorSpec& t) { return t.type == TensorType::TensorType_FLOAT32; }

// The float32 values of a constant buffer (nullopt when not a float32 constant).
std::optional<std::vector<float>> ConstFloats(const ModelBuilder& model, const TensorSpec& t) {
  if (t.buffer == 0 || !IsFloat(t)) return std::nullopt;
  const BufferSpec& b = model.buffer(t.buffer);
  if (b.to_fp16 || b.data.dtype() != DType::kFloat32) return std::nullopt;
  Tensor dense = b.data.ToContiguous();
  ByteSpan bytes = dense.contiguous_bytes();
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

Tensor OwnedTensor(DType dtype, const ir::Dims& shape, const void* data, size_t nbytes) {
  std::vector<std::byte> bytes(nbytes);
  std::memcpy(bytes.data(), data, nbytes);
  return Tensor::FromBytes(dtype, shape, std::move(bytes)).value();  // sizes match by construction
}

// Per-channel symmetric int8 weights along `dim`: a new constant tensor; `scales` out.
int AddInt8Weights(ModelBuilder& model, const TensorSpec& spec, const std::vector<float>& w,
                   int dim, std::vector<float>& scales) {
  const int64_t channels = spec.shape[dim];
  int64_t inner = 1;
  for (size_t k = dim + 1; k < spec.shape.size(); ++k) inner *= spec.shape[k];
  scales.assign(channels, 0.0f);
  for (size_t i = 0; i < w.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    scales[c] = std::max(scales[c], std::fabs(w[i]));
  }
  for (float& s : scales) s = s > 0 ? s / 127.0f : 1.0f;  // an all-zero channel: any scale
  std::vector<int8_t> q(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    q[i] = static_cast<int8_t>(std::clamp(std::round(w[i] / scales[c]), -127.0f, 127.0f));
  }
  TensorSpec t;
  t.name = spec.name + "/int8";
  t.type = TensorType::TensorType_INT8;
  t.shape = spec.shape;
  t.buffer = model.AddBuffer(OwnedTensor(DType::kInt8, spec.shape, q.data(), q.size()));
  t.scale = scales;
  t.zero_point.assign(channels, 0);
  t.quantized_dimension = dim;
  return model.AddTensor(std::move(t));
}

int WeightDim(Op op) { return op == Op::BuiltinOperator_DEPTHWISE_CONV_2D ? 3 : 0; }

bool HasWeights(Op op) {
  return op == Op::BuiltinOperator_CONV_2D || op == Op::BuiltinOperator_DEPTHWISE_CONV_2D ||
         op == Op::BuiltinOperator_FULLY_CONNECTED;
}

// Ops whose int8 kernels need (or are given) the input's scale and zero point on the output.
bool KeepsInputParams(Op op) {
  switch (op) {
    case Op::BuiltinOperator_MAX_POOL_2D:
    case Op::BuiltinOperator_AVERAGE_POOL_2D:
    case Op::BuiltinOperator_RESHAPE:
    case Op::BuiltinOperator_SQUEEZE:
    case Op::BuiltinOperator_EXPAND_DIMS:
    case Op::BuiltinOperator_TRANSPOSE:
    case Op::BuiltinOperator_PAD:
    case Op::BuiltinOperator_PADV2:
    case Op::BuiltinOperator_STRIDED_SLICE:
    case Op::BuiltinOperator_SLICE:
    case Op::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR:
    case Op::BuiltinOperator_REDUCE_MAX:
    case Op::BuiltinOperator_MAXIMUM:
    case Op::BuiltinOperator_MINIMUM:
      return true;
    default:
      return false;
  }
}

// LiteRT's int8 MAXIMUM / MINIMUM compare the stored integers: both operands need the
// output's (= the first input's) scale and zero point.
bool SharesInputParams(Op op) {
  return op == Op::BuiltinOperator_MAXIMUM || op == Op::BuiltinOperator_MINIMUM;
}

// A CONCATENATION whose inputs' ranges are this far apart stays float: on the shared output
// scale the narrow input would keep fewer than 2 of its 8 bits (a detector's class scores
// in [0, 1] beside box coordinates in pixels would all become 0).
constexpr double kMaxConcatRangeRatio = 64.0;
const char* const kWideConcat = "CONCATENATION (input ranges > 64x apart)";

// The builtins computed in int8 (each has a LiteRT int8 kernel and an evaluator kernel).
bool HasInt8Kernel(Op op) {
  if (HasWeights(op) || KeepsInputParams(op)) return true;
  switch (op) {
    case Op::BuiltinOperator_ADD:
    case Op::BuiltinOperator_SUB:
    case Op::BuiltinOperator_MUL:
    case Op::BuiltinOperator_RELU:
    case Op::BuiltinOperator_RELU6:
    case Op::BuiltinOperator_LOGISTIC:
    case Op::BuiltinOperator_TANH:
    case Op::BuiltinOperator_HARD_SWISH:
    case Op::BuiltinOperator_LEAKY_RELU:
    case Op::BuiltinOperator_SOFTMAX:
    case Op::BuiltinOperator_MEAN:
    case Op::BuiltinOperator_CONCATENATION:
      return true;
    default:
      return false;
  }
}

bool IsMovement(Op op) {
  return op == Op::BuiltinOperator_QUANTIZE || op == Op::BuiltinOperator_DEQUANTIZE;
}

// The fused activation of an op still being built (its options table read from the
// unfinished builder).
::tflite::ActivationFunctionType FusedActivation(ModelBuilder& m, const ModelBuilder::OpSpec& op) {
  if (op.options.IsNull()) return ::tflite::ActivationFunctionType_NONE;
  auto read = [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    return flatbuffers::GetTemporaryPointer(m.fbb(), flatbuffers::Offset<T>(op.options.o))
        ->fused_activation_function();
  };
  switch (op.options_type) {
    case ::tflite::BuiltinOptions_Conv2DOptions:
      return read(static_cast<::tflite::Conv2DOptions*>(nullptr));
    case ::tflite::BuiltinOptions_DepthwiseConv2DOptions:
      return read(static_cast<::tflite::DepthwiseConv2DOptions*>(nullptr));
    case ::tflite::BuiltinOptions_FullyConnectedOptions:
      return read(static_cast<::tflite::FullyConnectedOptions*>(nullptr));
    case ::tflite::BuiltinOptions_Pool2DOptions:
      return read(static_cast<::tflite::Pool2DOptions*>(nullptr));
    case ::tflite::BuiltinOptions_AddOptions:
      return read(static_cast<::tflite::AddOptions*>(nullptr));
    case ::tflite::BuiltinOptions_SubOptions:
      return read(static_cast<::tflite::SubOptions*>(nullptr));
    case ::tflite::BuiltinOptions_MulOptions:
      return read(static_cast<::tflite::MulOptions*>(nullptr));
    default:
      return ::tflite::ActivationFunctionType_NONE;
  }
}

// LiteRT quantizes a fused RELU6 / RELU_N1_TO_1 bound with the output scale into an int32
// and refuses the model when that overflows: scales of untrained, near-zero activations
// are kept above this floor.
constexpr float kMinBoundedScale = 6.0f / 1073741824.0f;

// Calibrated magnitudes beyond this are sentinels (a mask's −3.4e38), not activations: see
// Int8Rewriter::HasRange.
constexpr float kSentinelMagnitude = 1e30f;

QParams FromRange(float lo, float hi) {
  lo = std::min(lo, 0.0f), hi = std::max(hi, 0.0f);
  double width = static_cast<double>(hi) - lo;
  // A constant-zero tensor: any scale represents it. Tiny but non-zero ranges keep their
  // own scale (untrained models can have outputs near 1e-9).
  if (!(width > 0) || !std::isfinite(width)) width = 1.0;
  QParams p;
  p.scale = static_cast<float>(width / 255.0);
  p.zero_point = std::clamp<int64_t>(std::llround(-128.0 - lo / p.scale), -128, 127);
  return p;
}

void SetParams(TensorSpec& t, const QParams& p) {
  t.type = TensorType::TensorType_INT8;
  t.scale = {p.scale};
  t.zero_point = {p.zero_point};
  t.quantized_dimension = 0;
}

QParams ParamsOf(const TensorSpec& t) { return {t.scale.at(0), t.zero_point.at(0)}; }

class Int8Rewriter {
 public:
  Int8Rewriter(ModelBuilder& model, const std::vector<ObservedRange>& ranges, IoType io,
               QuantReport& report)
      : m_(model), ranges_(ranges), io_(io), report_(report) {}

  Status Run() {
    std::vector<ModelBuilder::OpSpec> ops = std::move(m_.mutable_ops());
    m_.mutable_ops().clear();
    for (auto& e : m_.mutable_inputs()) {
      TensorSpec& t = m_.mutable_tensor(e.tensor);
      if (io_ == IoType::kInt8 && IsFloat(t)) {
        PT2TF_ASSIGN_OR_RETURN(QParams p, RangeParams(e.tensor));
        SetParams(t, p);
        int8_.insert(e.tensor);
      }
    }
    for (ModelBuilder::OpSpec& op : ops) {
      if (Quantizable(op) && WideConcat(op)) {
        ++report_.float_ops;
        ++report_.float_op_types[kWideConcat];
        for (int32_t& in : op.inputs)
          if (in >= 0 && int8_.count(in)) in = FloatOf(in);
        m_.mutable_ops().push_back(op);
      } else if (Quantizable(op)) {
        PT2TF_RETURN_IF_ERROR(RewriteInt8(op));
        ++report_.int8_ops;
      } else {
        if (!IsMovement(op.op)) {
          ++report_.float_ops;
          ++report_.float_op_types[::tflite::EnumNameBuiltinOperator(op.op)];
        }
        for (int32_t& in : op.inputs)
          if (in >= 0 && int8_.count(in)) in = FloatOf(in);
        m_.mutable_ops().push_back(op);
      }
    }
    if (saturated_ops_ > 0)
      report_.warnings.push_back(
          "the int32 bias of " + std::to_string(saturated_ops_) + " op(s) saturated (first: '" +
          first_saturated_ + "', input scale " + ScaleText(first_saturated_scale_) +
          ", weight scale " + ScaleText(first_saturated_weight_scale_) +
          "): the bias does not fit at their product; a tiny input scale points at "
          "calibration samples not preprocessed as at inference or untrained BatchNorm "
          "statistics, a tiny weight scale at a channel whose weights are ~0");
    return FixOutputs();
  }

 private:
  Result<QParams> RangeParams(int t) const {
    if (t < 0 || static_cast<size_t>(t) >= ranges_.size() || !ranges_[t].seen)
      return InternalError("no calibration range for tensor '" + m_.tensor(t).name + "'");
    return FromRange(ranges_[t].min, ranges_[t].max);
  }
  // A tensor with a usable calibrated range. A range past kSentinelMagnitude is a sentinel,
  // not a signal: Hugging Face attention masks add torch.finfo(float32).min (−3.4e38) at the
  // hidden positions. On an int8 scale that wide every other value (the attention scores the
  // mask is added to) rounds to the zero point, and LiteRT 2.3 aborted in allocate_tensors on
  // the int8 ADD / SOFTMAX of a BERT quantized that way. Such tensors, and the ops reading or
  // writing them, stay float.
  bool HasRange(int t) const {
    if (t < 0 || static_cast<size_t>(t) >= ranges_.size() || !ranges_[t].seen) return false;
    return std::fabs(ranges_[t].min) <= kSentinelMagnitude &&
           std::fabs(ranges_[t].max) <= kSentinelMagnitude;
  }
  bool IsActivation(int t) const {
    const TensorSpec& s = m_.tensor(t);
    return s.buffer == 0 && (IsFloat(s) || int8_.count(t));
  }

  bool Quantizable(const ModelBuilder::OpSpec& op) const {
    if (!HasInt8Kernel(op.op) || op.outputs.size() != 1) return false;
    for (int32_t out : op.outputs)
      if (!IsFloat(m_.tensor(out)) || !HasRange(out) || m_.KeepsFloat(out)) return false;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      const int t = op.inputs[i];
      if (t < 0) continue;
      const TensorSpec& s = m_.tensor(t);
      if (IsActivation(t)) {
        if (!int8_.count(t) && !HasRange(t)) return false;
      } else if (IsFloat(s)) {
        // Float constants: weights and biases of the weighted ops, an operand of the
        // elementwise ones, a PADV2 fill.
        const bool weight = HasWeights(op.op) && (i == 1 || i == 2);
        const bool operand =
            (op.op == Op::BuiltinOperator_ADD || op.op == Op::BuiltinOperator_SUB ||
             op.op == Op::BuiltinOperator_MUL) ||
            (op.op == Op::BuiltinOperator_PADV2 && i == 2) ||
            (SharesInputParams(op.op) && i == 1 && IsActivation(op.inputs[0]));
        if ((!weight && !operand) || !ConstFloats(m_, s)) return false;
        if (weight && i == 1 && s.shape.size() <= static_cast<size_t>(WeightDim(op.op)))
          return false;
      } else if (s.type != TensorType::TensorType_INT32) {
        return false;  // e.g. an int64 shape operand: keep the op as it is
      }
    }
    return !HasWeights(op.op) || (op.inputs.size() >= 2 && !IsActivation(op.inputs[1]));
  }

  // The observed range width of activation `t` (its int8 parameters' when already int8).
  double RangeWidth(int t) const {
    if (int8_.count(t)) return 255.0 * m_.tensor(t).scale.at(0);
    return static_cast<double>(std::max(ranges_[t].max, 0.0f)) - std::min(ranges_[t].min, 0.0f);
  }

  bool WideConcat(const ModelBuilder::OpSpec& op) const {
    if (op.op != Op::BuiltinOperator_CONCATENATION) return false;
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (int32_t in : op.inputs) {
      if (in < 0 || !IsActivation(in)) continue;
      const double w = RangeWidth(in);
      lo = std::min(lo, w), hi = std::max(hi, w);
    }
    return hi > 0 && hi > kMaxConcatRangeRatio * lo;
  }

  // `in` (int8) with parameters `p`: itself, or a QUANTIZE int8→int8 requantizing it.
  int Requantized(int in, const QParams& p) {
    const QParams ip = ParamsOf(m_.tensor(in));
    if (ip.scale == p.scale && ip.zero_point == p.zero_point) return in;
    TensorSpec r = m_.tensor(in);
    r.name += "/requantized";
    SetParams(r, p);
    const int rt = m_.AddTensor(std::move(r));
    m_.AddOp(Op::BuiltinOperator_QUANTIZE, {in}, {rt});
    return rt;
  }

  // The int8 twin of float activation `t` (QUANTIZE emitted on first use).
  Result<int> Int8Of(int t) {
    if (int8_.count(t)) return t;
    if (auto it = to_int8_.find(t); it != to_int8_.end()) return it->second;
    PT2TF_ASSIGN_OR_RETURN(QParams p, RangeParams(t));
    TensorSpec q = m_.tensor(t);
    q.name += "/quantized";
    SetParams(q, p);
    const int qt = m_.AddTensor(std::move(q));
    m_.AddOp(Op::BuiltinOperator_QUANTIZE, {t}, {qt});
    to_int8_[t] = qt;
    return qt;
  }

  // The float twin of int8 activation `t` (DEQUANTIZE emitted on first use).
  int FloatOf(int t) {
    if (auto it = to_float_.find(t); it != to_float_.end()) return it->second;
    TensorSpec f = m_.tensor(t);
    f.name += "/dequantized";
    f.type = TensorType::TensorType_FLOAT32;
    f.scale.clear(), f.zero_point.clear();
    const int ft = m_.AddTensor(std::move(f));
    m_.AddOp(Op::BuiltinOperator_DEQUANTIZE, {t}, {ft});
    to_float_[t] = ft;
    return ft;
  }

  // A float constant as a per-tensor int8 constant with its own range (or `fixed`).
  int QuantizeConst(int t, std::optional<QParams> fixed = std::nullopt) {
    const TensorSpec& s = m_.tensor(t);
    const std::vector<float> v = *ConstFloats(m_, s);
    float lo = 0, hi = 0;
    for (float x : v) lo = std::min(lo, x), hi = std::max(hi, x);
    const QParams p = fixed ? *fixed : FromRange(lo, hi);
    std::vector<int8_t> q(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      q[i] = static_cast<int8_t>(std::clamp<double>(
          std::round(v[i] / p.scale) + static_cast<double>(p.zero_point), -128, 127));
    TensorSpec c;
    c.name = s.name + "/int8";
    c.shape = s.shape;
    c.buffer = m_.AddBuffer(OwnedTensor(DType::kInt8, s.shape, q.data(), q.size()));
    SetParams(c, p);
    return m_.AddTensor(std::move(c));
  }

  Status RewriteInt8(ModelBuilder::OpSpec op) {
    // Activation inputs to int8 first (their QUANTIZE ops go before this op).
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      const int t = op.inputs[i];
      if (t >= 0 && IsActivation(t)) {
        PT2TF_ASSIGN_OR_RETURN(op.inputs[i], Int8Of(t));
      }
    }
    const int out = op.outputs[0];
    QParams p;
    if (op.op == Op::BuiltinOperator_LOGISTIC || op.op == Op::BuiltinOperator_SOFTMAX) {
      p = {1.0f / 256.0f, -128};
    } else if (op.op == Op::BuiltinOperator_TANH) {
      p = {1.0f / 128.0f, 0};
    } else if (KeepsInputParams(op.op)) {
      p = ParamsOf(m_.tensor(op.inputs[0]));
    } else {
      PT2TF_ASSIGN_OR_RETURN(p, RangeParams(out));
      const auto act = FusedActivation(m_, op);
      if ((act == ::tflite::ActivationFunctionType_RELU6 ||
           act == ::tflite::ActivationFunctionType_RELU_N1_TO_1 ||
           op.op == Op::BuiltinOperator_RELU6) &&
          p.scale < kMinBoundedScale) {
        const float lo = (-128.0f - static_cast<float>(p.zero_point)) * p.scale;
        p = FromRange(lo, lo + 255.0f * kMinBoundedScale);
      }
    }
    if (HasWeights(op.op)) {
      const QParams in = ParamsOf(m_.tensor(op.inputs[0]));
      const TensorSpec wspec = m_.tensor(op.inputs[1]);
      std::vector<float> wscale;
      op.inputs[1] = AddInt8Weights(m_, wspec, *ConstFloats(m_, wspec), WeightDim(op.op), wscale);
      ++report_.quantized_weights;
      if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
        const TensorSpec bspec = m_.tensor(op.inputs[2]);
        const std::vector<float> b = *ConstFloats(m_, bspec);
        if (static_cast<int64_t>(b.size()) != static_cast<int64_t>(wscale.size()))
          return InternalError("bias '" + bspec.name + "' does not match its weights");
        std::vector<int32_t> q(b.size());
        size_t saturated = 0;  // bias values past int32 at this op's scale
        float first_weight_scale = 0;
        TensorSpec bt;
        bt.name = bspec.name + "/int32";
        bt.type = TensorType::TensorType_INT32;
        bt.shape = bspec.shape;
        for (size_t c = 0; c < b.size(); ++c) {
          const float s = in.scale * wscale[c];  // float product, as TFLite checks it
          bt.scale.push_back(s);
          const double exact = std::round(b[c] / s);
          if (std::abs(exact) > 2147483647.0 && saturated++ == 0) first_weight_scale = wscale[c];
          q[c] = static_cast<int32_t>(std::clamp<double>(exact, -2147483647.0, 2147483647.0));
        }
        if (saturated > 0 && saturated_ops_++ == 0) {
          first_saturated_ = m_.tensor(op.outputs[0]).name;
          first_saturated_scale_ = in.scale;
          first_saturated_weight_scale_ = first_weight_scale;
        }
        bt.zero_point.assign(b.size(), 0);
        bt.buffer = m_.AddBuffer(OwnedTensor(DType::kInt32, bspec.shape, q.data(), q.size() * 4));
        op.inputs[2] = m_.AddTensor(std::move(bt));
      }
    } else {
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        const int t = op.inputs[i];
        if (t < 0 || !IsFloat(m_.tensor(t)) || m_.tensor(t).buffer == 0) continue;
        // PADV2's fill and a MAXIMUM/MINIMUM bound take the input's parameters (clamped
        // to its range, which leaves the result unchanged); elementwise operands their own.
        op.inputs[i] = op.op == Op::BuiltinOperator_PADV2 || SharesInputParams(op.op)
                           ? QuantizeConst(t, ParamsOf(m_.tensor(op.inputs[0])))
                           : QuantizeConst(t);
      }
    }
    if (op.op == Op::BuiltinOperator_CONCATENATION || SharesInputParams(op.op)) {
      for (int32_t& in : op.inputs) in = Requantized(in, p);
    }
    SetParams(m_.mutable_tensor(out), p);
    int8_.insert(out);
    m_.AddOp(op.op, op.inputs, op.outputs, op.options_type, op.options);
    return OkStatus();
  }

  // Graph outputs in the interface's type: DEQUANTIZE (float32 I/O) or QUANTIZE (int8 I/O).
  Status FixOutputs() {
    for (auto& e : m_.mutable_outputs()) {
      const bool is_int8 = int8_.count(e.tensor) > 0;
      if (io_ == IoType::kFloat32 && is_int8) {
        const int f = FloatOf(e.tensor);
        std::swap(m_.mutable_tensor(f).name, m_.mutable_tensor(e.tensor).name);
        m_.mutable_tensor(e.tensor).name = m_.tensor(f).name + "/int8";
        e.tensor = f;
      } else if (io_ == IoType::kInt8 && !is_int8 && IsFloat(m_.tensor(e.tensor))) {
        PT2TF_ASSIGN_OR_RETURN(const int q, Int8Of(e.tensor));
        std::swap(m_.mutable_tensor(q).name, m_.mutable_tensor(e.tensor).name);
        m_.mutable_tensor(e.tensor).name = m_.tensor(q).name + "/float";
        e.tensor = q;
      }
    }
    return OkStatus();
  }

  static std::string ScaleText(float scale) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(scale));
    return buf;
  }

  ModelBuilder& m_;
  const std::vector<ObservedRange>& ranges_;
  IoType io_;
  QuantReport& report_;
  std::unordered_set<int> int8_;           // activations now int8
  std::unordered_map<int, int> to_int8_;   // float activation → its QUANTIZE output
  std::unordered_map<int, int> to_float_;  // int8 activation → its DEQUANTIZE output
  int64_t saturated_ops_ = 0;              // weighted ops with a bias clamped to int32
  std::string first_saturated_;
  float first_saturated_scale_ = 0;
  float first_saturated_weight_scale_ = 0;
};

}  // namespace

Status QuantizeDynamicInt8(ModelBuilder& model, QuantReport& report) {
  for (ModelBuilder::OpSpec& op : model.mutable_ops()) {
    if (!HasWeights(op.op) || op.inputs.size() < 2 || op.inputs[1] < 0) {
      if (!IsMovement(op.op)) {
        ++report.float_ops;
        ++report.float_op_types[::tflite::EnumNameBuiltinOperator(op.op)];
      }
      continue;
    }
    const TensorSpec w = model.tensor(op.inputs[1]);
    auto values = ConstFloats(model, w);
    if (!values || w.shape.size() <= static_cast<size_t>(WeightDim(op.op)) ||
        !IsFloat(model.tensor(op.inputs[0]))) {
      ++report.float_ops;
      ++report.float_op_types[::tflite::EnumNameBuiltinOperator(op.op)];
      continue;
    }
    std::vector<float> scales;
    op.inputs[1] = AddInt8Weights(model, w, *values, WeightDim(op.op), scales);
    ++report.quantized_weights;
    ++report.int8_ops;
  }
  return OkStatus();
}

Status QuantizeInt8(ModelBuilder& model, const std::vector<ObservedRange>& ranges, IoType io,
                    QuantReport& report) {
  return Int8Rewriter(model, ranges, io, report).Run();
}

}  // namespace pt2tf::tflite
