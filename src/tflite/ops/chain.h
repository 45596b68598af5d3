// Chain: emits a short sequence of TFLite builtins for one TF node (an expansion such as
// asin(x) = atan2(x, sqrt(1 - x^2)), or an integer op computed in a wider type between
// CASTs). Intermediate tensors are named after the node; shapes broadcast as NumPy's do.
#pragma once

#include "tflite/translator.h"

namespace pt2tf::tflite {

// The options table each binary builtin expects (NONE for those that take none); `act` is
// the fused activation of ADD / SUB / MUL / DIV (the others have none).
std::pair<::tflite::BuiltinOptions, flatbuffers::Offset<void>> BinaryOptionsFor(
    flatbuffers::FlatBufferBuilder& fbb, BuiltinOperator op,
    ::tflite::ActivationFunctionType act = ::tflite::ActivationFunctionType_NONE);
// True for the builtins whose result is bool (comparisons, logical ops).
bool IsPredicate(BuiltinOperator op);

// TFLite TensorType → DType (for building constants of a tensor's type).
Result<DType> DTypeOf(TensorType type);

// Integer input `i` of `node` as an int32 tensor (a CAST when it is int64), for the operands
// TFLite's kernels read as int32 (axes, sizes, shapes) when they are computed at run time.
Result<int> Int32Operand(const tf::TfNode& node, Translator& t, size_t i);

class Chain {
 public:
  Chain(const tf::TfNode& node, Translator& t) : node_(node), t_(t) {}

  // A constant scalar of `type` (float32 constants stay float32 under --precision fp16).
  Result<int> Scalar(TensorType type, double value);
  // Same type and shape as `x`.
  int Unary(BuiltinOperator op, int x);
  // Broadcast of a and b; a's type, or bool for predicates.
  Result<int> Binary(BuiltinOperator op, int a, int b);
  int Cast(int x, TensorType to);
  // SELECT_V2(c, a, b), broadcasting.
  Result<int> Select(int c, int a, int b);
  // Output 0 of the node is `y`.
  void Finish(int y) { t_.Bind(node_, 0, y); }

  Translator& t() { return t_; }

 private:
  std::string Name(const char* what);
  const tf::TfNode& node_;
  Translator& t_;
  int count_ = 0;
};

}  // namespace pt2tf::tflite
