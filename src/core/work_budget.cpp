#include "core/work_budget.h"

#include <cstdlib>
#include <limits>

namespace pt2tf {

namespace {

// A positive number from the environment variable `name`, or 0.
double PositiveEnv(const char* name) {
  const char* env = std::getenv(name);
  if (env == nullptr || *env == '\0') return 0;
  char* end = nullptr;
  const double v = std::strtod(env, &end);
  return end != env && *end == '\0' && v > 0 ? v : 0;
}

}  // namespace

uint64_t MaxEvalWork() {
  const double g = PositiveEnv("PT2TF_MAX_EVAL_GMACS");
  if (g == 0) return uint64_t{1} << 38;
  if (g >= 1.8e10) return std::numeric_limits<uint64_t>::max();  // past 2^64 units
  return static_cast<uint64_t>(g * 1e9);
}

uint64_t MaxEvalBytes() {
  const double gib = PositiveEnv("PT2TF_MAX_EVAL_GIB");
  if (gib == 0) return uint64_t{8} << 30;
  if (gib >= 1.6e10) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(gib * (uint64_t{1} << 30));
}

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}

Status WorkBudget::CheckRoom(uint64_t bytes, const std::string& what) const {
  uint64_t total;
  if (__builtin_add_overflow(live_, bytes, &total) || total > max_live_) {
    auto mib = [](uint64_t b) { return std::to_string(b >> 20) + " MiB"; };
    return Unsupported(what + " would hold " + mib(total < bytes ? bytes : total) +
                       " of values at once, past the " + mib(max_live_) +
                       " limit of pt2tf's evaluator (PT2TF_MAX_EVAL_GIB sets another limit)");
  }
  return OkStatus();
}

Status WorkBudget::Hold(uint64_t bytes, const std::string& what) {
  PT2TF_RETURN_IF_ERROR(CheckRoom(bytes, what));
  live_ += bytes;
  return OkStatus();
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
