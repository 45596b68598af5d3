// Fusing what follows a Conv2D / MatMul into its TFLite op, as TFLite's own converter does:
// a BiasAdd with a constant bias becomes the op's bias input, then a Relu / Relu6 its fused
// activation. Only sole consumers fuse (a value also read elsewhere must stay visible).
#pragma once

#include "tflite/translator.h"

namespace pt2tf::tflite {

struct Fused {
  int bias = -1;  // the bias tensor (zeros when nothing fused)
  ::tflite::ActivationFunctionType activation = ::tflite::ActivationFunctionType_NONE;
  const tf::TfNode* last = nullptr;  // the node whose output the fused op produces
  std::vector<const tf::TfNode*> absorbed;

  // Binds the fused op's output `y` to `node` and every absorbed node.
  void Bind(const tf::TfNode& node, Translator& t, int y) const;
};

// The Relu / Relu6 that is the sole consumer of `node`'s output 0, as a fused activation
// (NONE and null when there is none).
struct FusedActivation {
  ::tflite::ActivationFunctionType activation = ::tflite::ActivationFunctionType_NONE;
  const tf::TfNode* node = nullptr;
};
FusedActivation FuseActivation(const tf::TfNode& node, const Translator& t);

// Looks at the consumers of `node` (output 0, `channels` wide) and absorbs what fuses. When no
// BiasAdd fuses the bias is a zero constant, so the op always has its 3 inputs.
Result<Fused> FuseBiasActivation(const tf::TfNode& node, Translator& t, int64_t channels);

}  // namespace pt2tf::tflite
