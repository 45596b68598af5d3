// How much arithmetic pt2tf's own evaluators (the IR reference runner, the TFLite evaluator)
// may do for one run of a model. A file's shapes are claims: a few hundred bytes can ask for
// hours of multiply-adds (a MatMul of two tensors broadcast from scalars to [32768, 32768]),
// so each op's work is estimated from its operands before it runs and counted against a
// limit. A unit is one multiply-add, or one element read or written.
//
// The default limit, 2^38 ≈ 275 G units, is about 65 ResNet-50 passes at 224×224 and more
// than YOLOv8x at 640×640 needs; PT2TF_MAX_EVAL_GMACS (a count of 10^9 units) sets another.
// The values alive at once are bounded too, at 8 GiB (PT2TF_MAX_EVAL_GIB sets another): a
// chain of broadcasts to 2^31 elements each would otherwise end in the kernel's OOM killer.
#pragma once

#include <cstdint>
#include <string>

#include "pt2tf/status.h"

namespace pt2tf {

// The limit in force: PT2TF_MAX_EVAL_GMACS when set to a positive number, else 2^38.
uint64_t MaxEvalWork();
// The memory limit in force, in bytes: PT2TF_MAX_EVAL_GIB when set to a positive number,
// else 8 GiB.
uint64_t MaxEvalBytes();

class WorkBudget {
 public:
  WorkBudget() : limit_(MaxEvalWork()) {}
  explicit WorkBudget(uint64_t limit) : limit_(limit) {}

  // Counts `units` of work for `what` ("Conv 'stem'"); an error once the run's total would
  // pass the limit, before the work is done.
  Status Spend(uint64_t units, const std::string& what);
  uint64_t spent() const { return spent_; }
  // Counts `bytes` more of values alive at once (what `what` is about to allocate); an
  // error when that passes the memory limit. Release gives them back when freed.
  Status Hold(uint64_t bytes, const std::string& what);
  // Whether `bytes` more would fit, without holding them: for a kernel about to allocate an
  // output whose size only its input values decide (an Expand to a computed shape), before
  // it allocates; the runner holds the result once it exists.
  Status CheckRoom(uint64_t bytes, const std::string& what) const;
  void Release(uint64_t bytes) { live_ -= bytes < live_ ? bytes : live_; }

 private:
  uint64_t limit_;
  uint64_t spent_ = 0;
  uint64_t max_live_ = MaxEvalBytes();
  uint64_t live_ = 0;
};

// a × b, saturating at UINT64_MAX (estimates from hostile shapes may overflow).
uint64_t SaturatingMul(uint64_t a, uint64_t b);

}  // namespace pt2tf
