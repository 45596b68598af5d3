// pt2tf's TFLite evaluator on a file: what `pt2tf run -i model.tflite` does (and the int8
// calibration on the writer's own files). Every shape, option and index comes from the
// file; the inputs are zeros and ones of the declared shapes, kept small so each run is
// bounded by the file's own size, not by what it claims.
#include <algorithm>
#include <cstring>

#include "tflite/quant/evaluator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto e = pt2tf::tflite::Evaluator::Create(std::vector<uint8_t>(data, data + size));
  if (!e.ok()) return 0;
  // Tensors of up to 2^31 elements are evaluated (a real model's activations can be far
  // larger than its file); the fuzzer looks for memory errors, not at big allocations.
  // Zero dims count as 1 here (a [2^30, 0, 2^30] tensor is empty, but its other dims are
  // still walked), and the product stops at the limit, so it cannot overflow.
  for (const ::tflite::Tensor* t : *(*e)->subgraph().tensors()) {
    int64_t n = 1;
    if (t->shape())
      for (int32_t d : *t->shape()) {
        n *= std::max(d, 1);
        if (n > (int64_t{1} << 20)) return 0;
      }
  }
  std::vector<std::vector<float>> inputs;
  int64_t total = 0;
  for (size_t i = 0; i < (*e)->input_count(); ++i) {
    int64_t n = 1;
    for (int64_t d : (*e)->input_shape(i)) n *= d;
    total += n;
    if (total > (int64_t{1} << 16)) return 0;  // big activations: slow, not interesting
    std::vector<float> v(static_cast<size_t>(n));
    for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(k % 3) - 1.0f;
    inputs.push_back(std::move(v));
  }
  (void)(*e)->Run(inputs);
  return 0;
}
