// --quantize driver: calibrate (int8: the float translation, serialized, run by pt2tf's
// evaluator on the calibration samples, every tensor's range observed), rewrite, then
// measure the quantized model against the float one on the held-back samples, both run by
// the same evaluator (evaluator.h says which arithmetic is integer-exact and which is
// fake-quantized).
#include <algorithm>
#include <cmath>
#include <limits>

#include "tflite/quant/evaluator.h"
#include "tflite/quant/quantize.h"

namespace pt2tf::tflite {
namespace {

// The sample's tensors as evaluator inputs: the IR layout, or NCHW → NHWC when the TFLite
// input is the NHWC permutation of the IR shape (--input-layout nhwc).
Result<std::vector<std::vector<float>>> EvalInputs(const Evaluator& e, const calib::Sample& s) {
  if (s.size() != e.input_count())
    return InvalidInput("a calibration sample has " + std::to_string(s.size()) +
                        " inputs, the TFLite model " + std::to_string(e.input_count()));
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < s.size(); ++i) {
    const ir::run::RunTensor& t = s[i];
    const ir::Dims& want = e.input_shape(i);
    if (!t.is_float()) return InvalidInput("calibration inputs must be floating point");
    if (t.shape == want) {
      out.push_back(t.f);
      continue;
    }
    if (t.shape.size() == 4 && want.size() == 4 && want[0] == t.shape[0] && want[1] == t.shape[2] &&
        want[2] == t.shape[3] && want[3] == t.shape[1]) {
      const int64_t N = t.shape[0], C = t.shape[1], H = t.shape[2], W = t.shape[3];
      std::vector<float> v(t.f.size());
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t w = 0; w < W; ++w)
              v[((n * H + h) * W + w) * C + c] = t.f[((n * C + c) * H + h) * W + w];
      out.push_back(std::move(v));
      continue;
    }
    return InvalidInput("a calibration sample of shape " + ShapeToString(t.shape) +
                        " does not fit the TFLite input " + ShapeToString(want));
  }
  return out;
}

struct Accumulator {
  double signal = 0, noise = 0, dot = 0, ref_sq = 0, q_sq = 0, max_abs = 0;
  int64_t rows = 0, agree = 0;
  bool classifier = true;
};

void Accumulate(Accumulator& a, const EvalTensor& ref, const EvalTensor& q) {
  for (size_t i = 0; i < ref.f.size() && i < q.f.size(); ++i) {
    const double r = ref.f[i], v = q.f[i];
    a.signal += r * r, a.noise += (r - v) * (r - v), a.dot += r * v;
    a.ref_sq += r * r, a.q_sq += v * v;
    a.max_abs = std::max(a.max_abs, std::fabs(r - v));
  }
  const int64_t classes = ref.shape.empty() ? 1 : ref.shape.back();
  a.classifier = a.classifier && ref.shape.size() == 2 && classes > 1;
  if (!a.classifier) return;
  for (int64_t r = 0; r < static_cast<int64_t>(ref.f.size()) / classes; ++r) {
    const float* x = ref.f.data() + r * classes;
    const float* y = q.f.data() + r * classes;
    a.agree += std::max_element(x, x + classes) - x == std::max_element(y, y + classes) - y;
    ++a.rows;
  }
}

}  // namespace

const char* QuantModeName(QuantMode mode) {
  switch (mode) {
    case QuantMode::kDynamicInt8:
      return "dynamic-int8";
    case QuantMode::kInt8:
      return "int8";
    default:
      return "none";
  }
}

Status QuantizeModel(ModelBuilder& model, const QuantizeOptions& options, QuantReport& report) {
  report = QuantReport{};
  report.mode = options.mode;
  // The passes rewrite subgraph 0 only: never quantize a model with IF/WHILE subgraphs partly.
  if (model.subgraph_count() > 1)
    return Unsupported("--quantize does not support control flow (TFLite IF/WHILE subgraphs)");
  // Calibration samples and the evaluator's buffers are sized from the input shapes.
  for (const auto& in : model.inputs()) {
    const ir::Dims& d = model.tensor(in.tensor).shape;
    if (std::find(d.begin(), d.end(), kDynamicDim) != d.end())
      return Unsupported("--quantize needs static input shapes; input '" + in.name +
                         "' has a dim known only at run time (pin it with --input-shape or "
                         "--batch)");
  }
  const size_t n = options.samples.size();
  // Held back for the accuracy report; with one sample it serves both purposes.
  size_t held = 0;
  if (n >= 2)
    held = std::clamp<size_t>(static_cast<size_t>(std::llround(n * options.holdout_fraction)), 1,
                              n - 1);
  const size_t calib_n = n - held;
  std::vector<const calib::Sample*> eval_samples;
  for (size_t i = n >= 2 ? calib_n : 0; i < n; ++i) eval_samples.push_back(&options.samples[i]);

  std::unique_ptr<Evaluator> float_eval;
  std::string no_eval;               // why there is no accuracy report (dynamic-int8 only)
  std::vector<int32_t> file_tensor;  // model tensor → evaluated file's tensor
  if (n > 0) {
    PT2TF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, model.Serialize(&file_tensor));
    Result<std::unique_ptr<Evaluator>> e = Evaluator::Create(std::move(bytes));
    if (e.ok()) {
      float_eval = std::move(*e);
    } else if (options.mode == QuantMode::kInt8) {
      return e.status().WithContext("int8 calibration");
    } else {
      no_eval = "not computed: " + e.status().message();
    }
  }
  if (options.mode == QuantMode::kDynamicInt8) {
    PT2TF_RETURN_IF_ERROR(QuantizeDynamicInt8(model, report));
  } else if (options.mode == QuantMode::kInt8) {
    if (n == 0) return UsageError("--quantize int8 needs --calibration samples");
    std::vector<ObservedRange> file_ranges(float_eval->subgraph().tensors()->size());
    auto observe = [&file_ranges](int t, const EvalTensor& v) {
      if (!v.is_float() || static_cast<size_t>(t) >= file_ranges.size()) return;
      // Local bounds over the finite values, merged once: the per-value update of the
      // shared record was a tenth of a calibration.
      constexpr float kInf = std::numeric_limits<float>::infinity();
      float lo = kInf, hi = -kInf;
      for (float x : v.f) {
        const bool finite = std::isfinite(x);
        lo = finite && x < lo ? x : lo;
        hi = finite && x > hi ? x : hi;
      }
      if (lo > hi) return;  // no finite value
      ObservedRange& r = file_ranges[t];
      r.min = r.seen ? std::min(r.min, lo) : lo;
      r.max = r.seen ? std::max(r.max, hi) : hi;
      r.seen = true;
    };
    for (size_t i = 0; i < calib_n; ++i) {
      PT2TF_ASSIGN_OR_RETURN(auto inputs, EvalInputs(*float_eval, options.samples[i]));
      Result<std::vector<EvalTensor>> r = float_eval->Run(inputs, observe);
      if (!r.ok()) return r.status().WithContext("calibration");
    }
    report.calibration_samples = static_cast<int64_t>(calib_n);
    std::vector<ObservedRange> ranges(model.tensor_count());
    for (size_t t = 0; t < ranges.size() && t < file_tensor.size(); ++t)
      if (file_tensor[t] >= 0) ranges[t] = file_ranges[file_tensor[t]];
    PT2TF_RETURN_IF_ERROR(QuantizeInt8(model, ranges, options.io, report));
  } else {
    return OkStatus();
  }
  report.simulation = options.mode == QuantMode::kInt8
                          ? "integer arithmetic as LiteRT's int8 kernels for CONV_2D, "
                            "DEPTHWISE_CONV_2D, FULLY_CONNECTED, pools, ADD, SUB, MUL, "
                            "HARD_SWISH, LOGISTIC, TANH, QUANTIZE and data movement; "
                            "fake-quantized float for the other int8 ops (MEAN, SOFTMAX, ...)"
                          : "LiteRT's builtin hybrid kernels simulated: int8 weights, input "
                            "quantized per batch row (asymmetric for convolutions, symmetric "
                            "for FULLY_CONNECTED), integer products, float rescale";
  if (!no_eval.empty()) report.simulation = no_eval;
  if (eval_samples.empty() || !float_eval) return OkStatus();

  PT2TF_ASSIGN_OR_RETURN(std::vector<uint8_t> qbytes, model.Serialize());
  Result<std::unique_ptr<Evaluator>> qe = Evaluator::Create(std::move(qbytes));
  if (!qe.ok()) return qe.status().WithContext("accuracy report");
  std::vector<Accumulator> acc(float_eval->output_count());
  for (const calib::Sample* s : eval_samples) {
    PT2TF_ASSIGN_OR_RETURN(auto inputs, EvalInputs(*float_eval, *s));
    Result<std::vector<EvalTensor>> ref = float_eval->Run(inputs);
    if (!ref.ok()) return ref.status().WithContext("accuracy report");
    Result<std::vector<EvalTensor>> q = (*qe)->Run(inputs);
    if (!q.ok()) return q.status().WithContext("accuracy report");
    for (size_t k = 0; k < acc.size() && k < q->size(); ++k) Accumulate(acc[k], (*ref)[k], (*q)[k]);
  }
  report.eval_samples = static_cast<int64_t>(eval_samples.size());
  for (size_t k = 0; k < acc.size(); ++k) {
    const Accumulator& a = acc[k];
    OutputAccuracy o;
    o.name = float_eval->output_name(k);
    o.max_abs = a.max_abs;
    o.snr_db = a.noise > 0 ? 10.0 * std::log10(a.signal / a.noise) : 999.0;
    if (a.signal == 0 && a.noise > 0) o.snr_db = -999.0;
    o.cosine = a.ref_sq > 0 && a.q_sq > 0 ? a.dot / std::sqrt(a.ref_sq * a.q_sq)
                                          : (a.ref_sq == a.q_sq ? 1.0 : 0.0);
    if (a.classifier && a.rows > 0) o.top1 = static_cast<double>(a.agree) / a.rows;
    report.accuracy.push_back(o);
  }
  return OkStatus();
}

}  // namespace pt2tf::tflite
