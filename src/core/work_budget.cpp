#include "core/work_budget.h"

#include <cstdlib>
#include <limits>

namespace pt2tf {

uint64_t MaxEvalWork() {
  constexpr uint64_t kDefault = uint64_t{1} << 38;
  const char* env = std::getenv("PT2TF_MAX_EVAL_GMACS");
  if (env == nullptr || *env == '\0') return kDefault;
  char* end = nullptr;
  const double g = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(g > 0)) return kDefault;
  if (g >= 1.8e10) return std::numeric_limits<uint64_t>::max();  // past 2^64 units
  return static_cast<uint64_t>(g * 1e9);
}

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}

Status WorkBudget::Spend(uint64_t units, const std::string& what) {
  uint64_t total;
  if (__builtin_add_overflow(spent_, units, &total) || total > limit_) {
    auto giga = [](uint64_t u) { return std::to_string(u / 1000000000) + " G"; };
    const std::string limit = giga(limit_) + " limit of pt2tf's evaluator for one run";
    const std::string knob = "PT2TF_MAX_EVAL_GMACS sets another limit";
    if (units > limit_)
      return Unsupported(what + " needs " + giga(units) + " multiply-adds, past the " + limit +
                         " (" + knob + ")");
    return Unsupported(what + " brings the multiply-adds past the " + limit + " (" + giga(units) +
                       " its own; " + knob + ")");
  }
  spent_ = total;
  return OkStatus();
}

}  // namespace pt2tf
