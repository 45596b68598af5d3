// Activation-range statistics for int8 calibration: per-tensor min/max (and optionally a
// histogram for percentile ranges) of every value the reference runner computes over the
// calibration samples, keyed by IR value name. The quantization pass reads these.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pt2tf/calib/data.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/ir/runner.h"
#include "pt2tf/status.h"

namespace pt2tf::calib {

// A symmetric histogram over [-limit, limit] whose limit doubles (merging bin pairs) when a
// value falls outside, so one pass over the samples suffices.
struct Histogram {
  double limit = 0;              // 0 until the first non-zero value
  std::vector<uint64_t> counts;  // bins of width 2·limit / counts.size()
  void Add(const float* values, size_t n);
  // The value below which a fraction q (0..1) of the counted values lie (bin-interpolated).
  double Quantile(double q) const;
};

struct TensorRange {
  std::string name;
  float min = 0, max = 0;   // over every element of every sample (finite values only)
  uint64_t count = 0;       // elements seen
  uint64_t non_finite = 0;  // NaN/Inf elements seen (not in min/max)
  bool has_histogram = false;
  Histogram histogram;
};

struct RangeOptions {
  bool histogram = false;  // also fill a histogram per tensor (for percentile ranges)
  int bins = 2048;
  bool include_inputs = true;  // graph inputs too (their ranges quantize the input)
};

// Feed it every value (Runner::Run's observer); read the ranges afterwards.
class RangeCollector {
 public:
  explicit RangeCollector(RangeOptions options = {}) : options_(options) {}
  void Observe(const ir::Value& value, const ir::run::RunTensor& tensor);
  ir::run::Observer AsObserver();
  // By value name. Integer and bool values are not collected (they are not quantized).
  const std::map<std::string, TensorRange>& ranges() const { return ranges_; }

 private:
  RangeOptions options_;
  std::map<std::string, TensorRange> ranges_;
};

struct CalibrationResult {
  std::vector<TensorRange> ranges;  // graph inputs, then node outputs in execution order
  int64_t samples = 0;
  double seconds = 0;  // running the samples (not loading them)
};

// Runs every sample through `graph` and collects the ranges.
Result<CalibrationResult> Calibrate(const ir::Graph& graph, const std::vector<Sample>& samples,
                                    const RangeOptions& options = {},
                                    const ir::run::RunOptions& run_options = {});

}  // namespace pt2tf::calib
