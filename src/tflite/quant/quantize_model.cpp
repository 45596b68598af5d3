// --quantize driver: calibrate (int8: the float translation, serialized, run by pt2tf's
// evaluator on the calibration samples, every tensor's range observed), rewrite, then
// measure the quantized model against the float one on the held-back samples, both run by
// the same evaluator (evaluator.h says which arithmetic is integer-exact and which is
// fake-quantized).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>

#include "ir/run/kernels.h"
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
    if (!t.is_float()) {
      // Integer inputs (token ids): the evaluator takes values as floats, exact to 2^24.
      if (t.shape != want)
        return InvalidInput("a calibration sample of shape " + ShapeToString(t.shape) +
                            " does not fit the TFLite input " + ShapeToString(want));
      std::vector<float> v(t.i.size());
      for (size_t k = 0; k < v.size(); ++k) {
        if (t.i[k] > (int64_t{1} << 24) || t.i[k] < -(int64_t{1} << 24))
          return InvalidInput("calibration value " + std::to_string(t.i[k]) +
                              " is beyond the integers the evaluator carries exactly (2^24)");
        v[k] = static_cast<float>(t.i[k]);
      }
      out.push_back(std::move(v));
      continue;
    }
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

// Runs fn(i, worker) for i in [0, n) on up to one worker per core. Samples are independent
// and the evaluator's Run is const, so they run side by side; each worker keeps its own
// results (indexed by `worker`) for the caller to merge in a fixed order, so the output does
// not depend on the scheduling. The first failing sample's error (lowest i) is returned.
// OpenBLAS is held to one thread meanwhile: its own pool would compete with the workers and
// spin on sched_yield between the small GEMMs of a convolution (half the CPU time was that).
int SampleWorkers(size_t n) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(std::clamp<size_t>(n, 1, std::min<size_t>(cores, 16)));
}

Status ForEachSample(size_t n, const std::function<Status(size_t, int)>& fn) {
  const int workers = SampleWorkers(n);
  ir::run::SetBlasThreads(1);
  std::atomic<size_t> next{0};
  std::mutex mu;
  size_t failed_at = n;
  Status failure = OkStatus();
  auto work = [&](int worker) {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (i > failed_at) return;
      }
      Status st = fn(i, worker);
      if (st.ok()) continue;
      std::lock_guard<std::mutex> lock(mu);
      if (i < failed_at) failed_at = i, failure = std::move(st);
    }
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (std::thread& t : threads) t.join();
  return failure;
}

// Min and max of the finite values of `v` ({+inf, -inf} when there is none). Observing every
// tensor is a fifth of a calibration: eight independent lanes (a comparison that skips NaN,
// which the compiler vectorizes) do the common all-finite case, and only a tensor holding an
// infinity is scanned again value by value.
std::pair<float, float> FiniteRange(const std::vector<float>& v) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr size_t kLanes = 8;
  float lo[kLanes], hi[kLanes];
  std::fill(lo, lo + kLanes, kInf);
  std::fill(hi, hi + kLanes, -kInf);
  const size_t n = v.size(), whole = n - n % kLanes;
  for (size_t i = 0; i < whole; i += kLanes)
    for (size_t k = 0; k < kLanes; ++k) {
      const float x = v[i + k];
      lo[k] = x < lo[k] ? x : lo[k];
      hi[k] = x > hi[k] ? x : hi[k];
    }
  for (size_t i = whole; i < n; ++i) {
    lo[0] = v[i] < lo[0] ? v[i] : lo[0];
    hi[0] = v[i] > hi[0] ? v[i] : hi[0];
  }
  float mn = *std::min_element(lo, lo + kLanes), mx = *std::max_element(hi, hi + kLanes);
  if (std::isfinite(mn) && std::isfinite(mx)) return {mn, mx};
  mn = kInf, mx = -kInf;
  for (float x : v)
    if (std::isfinite(x)) mn = std::min(mn, x), mx = std::max(mx, x);
  return {mn, mx};
}

void Widen(ObservedRange& r, float lo, float hi) {
  r.min = r.seen ? std::min(r.min, lo) : lo;
  r.max = r.seen ? std::max(r.max, hi) : hi;
  r.seen = true;
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
  // The passes rewrite subgraph 0; IF / WHILE subgraphs stay float, and the IF / WHILE ops
  // themselves are float ops of subgraph 0 (int8 values are dequantized before them).
  model.SetCurrentSubgraph(0);
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
    // Partial: what the evaluator cannot run (a detector's NMS, control flow) and all that
    // depends on it is not calibrated, so it stays float.
    EvaluatorOptions eval_options;
    eval_options.partial = true;
    Result<std::unique_ptr<Evaluator>> e = Evaluator::Create(std::move(bytes), eval_options);
    if (e.ok()) {
      float_eval = std::move(*e);
      if (float_eval->outputs_absent())
        no_eval = "not computed: the outputs depend on " + float_eval->first_skipped() +
                  " (it and the ops after it stay float)";
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
    const size_t file_tensors = float_eval->subgraph().tensors()->size();
    std::vector<std::vector<ObservedRange>> worker_ranges(SampleWorkers(calib_n),
                                                          std::vector<ObservedRange>(file_tensors));
    auto observe = [](std::vector<ObservedRange>& file_ranges, int t, const EvalTensor& v) {
      if (!v.is_float() || static_cast<size_t>(t) >= file_ranges.size()) return;
      const auto [lo, hi] = FiniteRange(v.f);
      if (lo <= hi) Widen(file_ranges[t], lo, hi);  // else no finite value
    };
    PT2TF_RETURN_IF_ERROR(ForEachSample(calib_n, [&](size_t i, int worker) -> Status {
      PT2TF_ASSIGN_OR_RETURN(auto inputs, EvalInputs(*float_eval, options.samples[i]));
      std::vector<ObservedRange>& mine = worker_ranges[worker];
      Status r =
          float_eval->Observe(inputs, [&](int t, const EvalTensor& v) { observe(mine, t, v); });
      return r.ok() ? OkStatus() : r.WithContext("calibration");
    }));
    // Min and max merge in any order: the ranges do not depend on which worker saw what.
    std::vector<ObservedRange> file_ranges(file_tensors);
    for (const auto& mine : worker_ranges)
      for (size_t t = 0; t < file_tensors; ++t)
        if (mine[t].seen) Widen(file_ranges[t], mine[t].min, mine[t].max);
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
  if (eval_samples.empty() || !float_eval || !no_eval.empty()) return OkStatus();

  PT2TF_ASSIGN_OR_RETURN(std::vector<uint8_t> qbytes, model.Serialize());
  EvaluatorOptions q_options;
  q_options.partial = true;  // as the float model: ops no output depends on may be skipped
  Result<std::unique_ptr<Evaluator>> qe = Evaluator::Create(std::move(qbytes), q_options);
  if (!qe.ok()) return qe.status().WithContext("accuracy report");
  if ((*qe)->outputs_absent()) {
    report.simulation =
        "not computed: the quantized model's outputs depend on " + (*qe)->first_skipped();
    return OkStatus();
  }
  // Samples run a chunk at a time, side by side; each chunk's outputs (float model, quantized
  // model) are accumulated in sample order, so the sums do not depend on the scheduling and
  // only a chunk's outputs are held (a detector's are megabytes per sample).
  std::vector<Accumulator> acc(float_eval->output_count());
  const size_t chunk = 4 * static_cast<size_t>(SampleWorkers(eval_samples.size()));
  std::vector<std::pair<std::vector<EvalTensor>, std::vector<EvalTensor>>> results(chunk);
  for (size_t first = 0; first < eval_samples.size(); first += chunk) {
    const size_t count = std::min(chunk, eval_samples.size() - first);
    PT2TF_RETURN_IF_ERROR(ForEachSample(count, [&](size_t i, int) -> Status {
      PT2TF_ASSIGN_OR_RETURN(auto inputs, EvalInputs(*float_eval, *eval_samples[first + i]));
      Result<std::vector<EvalTensor>> ref = float_eval->Run(inputs);
      if (!ref.ok()) return ref.status().WithContext("accuracy report");
      Result<std::vector<EvalTensor>> q = (*qe)->Run(inputs);
      if (!q.ok()) return q.status().WithContext("accuracy report");
      results[i] = {std::move(*ref), std::move(*q)};
      return OkStatus();
    }));
    for (size_t i = 0; i < count; ++i)
      for (size_t k = 0; k < acc.size() && k < results[i].second.size(); ++k)
        Accumulate(acc[k], results[i].first[k], results[i].second[k]);
  }
  report.eval_samples = static_cast<int64_t>(eval_samples.size());
  for (size_t k = 0; k < acc.size(); ++k) {
    const Accumulator& a = acc[k];
    OutputAccuracy o;
    o.name = float_eval->output_name(k);
    o.max_abs = a.max_abs;
    o.snr_db = a.noise > 0 ? 10.0 * std::log10(a.signal / a.noise) : 999.0;
    if (a.signal == 0 && a.noise > 0) o.snr_db = -999.0;
    // A NaN in either model's output (e.g. a float op dividing 0 by 0 after quantization) is
    // no match, not a perfect one.
    if (std::isnan(a.noise) || std::isnan(a.signal)) o.snr_db = -999.0;
    o.cosine = a.ref_sq > 0 && a.q_sq > 0 ? a.dot / std::sqrt(a.ref_sq * a.q_sq)
                                          : (a.ref_sq == a.q_sq ? 1.0 : 0.0);
    if (a.classifier && a.rows > 0) o.top1 = static_cast<double>(a.agree) / a.rows;
    if (o.snr_db < kLowSnrWarningDb) {
      char snr[32];
      std::snprintf(snr, sizeof snr, "%.1f", o.snr_db);
      report.warnings.push_back("output '" + o.name + "' keeps little of its signal in int8 (SNR " +
                                snr + " dB against the float model on " +
                                std::to_string(report.eval_samples) + " held-back samples)");
    }
    report.accuracy.push_back(o);
  }
  return OkStatus();
}

}  // namespace pt2tf::tflite
