// The quantization passes over a translated TFLite model (ModelBuilder), run by the TFLite
// writer between translation and serialization, and the driver that calibrates and
// measures accuracy around them.
#pragma once

#include <vector>

#include "pt2tf/status.h"
#include "pt2tf/tflite/quantize.h"
#include "tflite/model_builder.h"

namespace pt2tf::tflite {

// Observed float range of one TFLite tensor over the calibration samples.
struct ObservedRange {
  float min = 0, max = 0;
  bool seen = false;
};

// dynamic-int8: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED float32 constant weights →
// per-channel symmetric int8 (the hybrid kernels' form); everything else unchanged.
Status QuantizeDynamicInt8(ModelBuilder& model, QuantReport& report);

// int8: every op with an int8 kernel (and ranges for its float tensors) computes in int8;
// QUANTIZE/DEQUANTIZE wherever the domain changes and at the interface per `io`.
// `ranges` is indexed by tensor (the model's tensors when it was calibrated).
Status QuantizeInt8(ModelBuilder& model, const std::vector<ObservedRange>& ranges, IoType io,
                    QuantReport& report);

// The whole of --quantize: calibration (int8), the pass, and the accuracy report on the
// held-back samples (when there are samples). `model` is the float translation.
Status QuantizeModel(ModelBuilder& model, const QuantizeOptions& options, QuantReport& report);

}  // namespace pt2tf::tflite
