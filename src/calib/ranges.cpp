// Activation ranges over the calibration samples (see calib/ranges.h).
#include "pt2tf/calib/ranges.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace pt2tf::calib {

void Histogram::Add(const float* values, size_t n) {
  float peak = 0;
  for (size_t k = 0; k < n; ++k)
    if (std::isfinite(values[k])) peak = std::max(peak, std::fabs(values[k]));
  if (peak > 0 && limit == 0) {
    // Start at a power of two just above the first peak so later growth stays exact.
    limit = std::exp2(std::ceil(std::log2(static_cast<double>(peak))));
  }
  while (limit > 0 && peak > limit) {
    // Double the range: old bins [-L, L] become the middle half at twice the bin width.
    const size_t bins = counts.size();
    std::vector<uint64_t> merged(bins, 0);
    for (size_t j = 0; j < bins; ++j) merged[bins / 4 + j / 2] += counts[j];
    counts.swap(merged);
    limit *= 2;
  }
  const size_t bins = counts.size();
  const double scale = limit > 0 ? bins / (2 * limit) : 0;
  for (size_t k = 0; k < n; ++k) {
    const float v = values[k];
    if (!std::isfinite(v)) continue;
    size_t b = limit > 0 ? static_cast<size_t>((v + limit) * scale) : bins / 2;
    counts[std::min(b, bins - 1)] += 1;
  }
}

double Histogram::Quantile(double q) const {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  if (total == 0 || limit == 0) return 0;
  const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  const double width = 2 * limit / static_cast<double>(counts.size());
  double seen = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    const double next = seen + static_cast<double>(counts[b]);
    if (next >= target && counts[b] > 0) {
      const double frac = (target - seen) / static_cast<double>(counts[b]);
      return -limit + (static_cast<double>(b) + frac) * width;
    }
    seen = next;
  }
  return limit;
}

void RangeCollector::Observe(const ir::Value& value, const ir::run::RunTensor& tensor) {
  if (!tensor.is_float()) return;
  if (!value.producer && !options_.include_inputs) return;
  auto [it, fresh] = ranges_.try_emplace(value.name);
  TensorRange& r = it->second;
  if (fresh) {
    r.name = value.name;
    r.min = INFINITY;
    r.max = -INFINITY;
    r.has_histogram = options_.histogram;
    if (options_.histogram) r.histogram.counts.assign(static_cast<size_t>(options_.bins), 0);
  }
  // A branch-free pass the compiler vectorises (NaN fails both comparisons, so it is
  // skipped); only a tensor holding NaN/Inf takes the second, exact pass.
  float lo = r.min, hi = r.max;
  uint64_t bad = 0;
  const float* p = tensor.f.data();
  const size_t n = tensor.f.size();
  for (size_t k = 0; k < n; ++k) {
    const float v = p[k];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    bad += !(std::fabs(v) <= std::numeric_limits<float>::max());
  }
  if (bad > 0) {
    lo = r.min;
    hi = r.max;
    for (size_t k = 0; k < n; ++k)
      if (std::isfinite(p[k])) {
        lo = std::min(lo, p[k]);
        hi = std::max(hi, p[k]);
      }
  }
  r.min = lo;
  r.max = hi;
  r.count += tensor.f.size();
  r.non_finite += bad;
  if (options_.histogram) r.histogram.Add(tensor.f.data(), tensor.f.size());
}

ir::run::Observer RangeCollector::AsObserver() {
  return [this](const ir::Value& v, const ir::run::RunTensor& t) { Observe(v, t); };
}

Result<CalibrationResult> Calibrate(const ir::Graph& graph, const std::vector<Sample>& samples,
                                    const RangeOptions& options,
                                    const ir::run::RunOptions& run_options) {
  if (samples.empty()) return InvalidInput("no calibration samples");
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<ir::run::Runner> runner,
                         ir::run::Runner::Create(graph, run_options));
  RangeCollector collector(options);
  const ir::run::Observer observer = collector.AsObserver();
  std::vector<std::string> order;  // first-seen order = graph inputs, then execution order
  bool first = true;
  const auto start = std::chrono::steady_clock::now();
  for (size_t n = 0; n < samples.size(); ++n) {
    auto record = [&](const ir::Value& v, const ir::run::RunTensor& t) {
      if (first && t.is_float() && (v.producer || options.include_inputs)) order.push_back(v.name);
      observer(v, t);
    };
    Result<std::vector<ir::run::RunTensor>> out = runner->Run(samples[n], record);
    if (!out.ok()) return out.status().WithContext("calibration sample " + std::to_string(n));
    first = false;
  }
  CalibrationResult result;
  result.samples = static_cast<int64_t>(samples.size());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& name : order) {
    TensorRange r = collector.ranges().at(name);
    if (r.count == r.non_finite) r.min = r.max = 0;  // nothing finite seen
    result.ranges.push_back(std::move(r));
  }
  return result;
}

}  // namespace pt2tf::calib
