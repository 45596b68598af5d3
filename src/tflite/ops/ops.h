// Converter declarations, by family file.
#pragma once

#include "tflite/translator.h"

namespace pt2tf::tflite {

// conv.cpp
Status ConvertConv2D(const tf::TfNode& node, Translator& t);  // + DepthwiseConv2dNative
Status ConvertPool(const tf::TfNode& node, Translator& t);    // MaxPool, AvgPool
Status ConvertConv2DBackpropInput(const tf::TfNode& node, Translator& t);

// matmul.cpp
Status ConvertMatMul(const tf::TfNode& node, Translator& t);
Status ConvertBatchMatMul(const tf::TfNode& node, Translator& t);
Status ConvertBiasAdd(const tf::TfNode& node, Translator& t);

// elementwise.cpp
Status ConvertUnary(const tf::TfNode& node, Translator& t);
Status ConvertBinary(const tf::TfNode& node, Translator& t);
Status ConvertLeakyRelu(const tf::TfNode& node, Translator& t);
Status ConvertSoftmax(const tf::TfNode& node, Translator& t);  // + LogSoftmax
Status ConvertClipByValue(const tf::TfNode& node, Translator& t);
Status ConvertCast(const tf::TfNode& node, Translator& t);
Status ConvertSelect(const tf::TfNode& node, Translator& t);
Status ConvertFusedBatchNorm(const tf::TfNode& node, Translator& t);

// expansions.cpp (no builtin: expressed in builtins)
Status ConvertErf(const tf::TfNode& node, Translator& t);
Status ConvertSoftplus(const tf::TfNode& node, Translator& t);
Status ConvertSelu(const tf::TfNode& node, Translator& t);

// hard_swish.cpp (HARD_SWISH for the two chains HardSwish lowers to, else ConvertBinary)
Status ConvertMulOrHardSwish(const tf::TfNode& node, Translator& t);  // Mul
Status ConvertAddOrHardSwish(const tf::TfNode& node, Translator& t);  // AddV2

// shape_ops.cpp
Status ConvertReshape(const tf::TfNode& node, Translator& t);  // + ExpandDims
Status ConvertSqueeze(const tf::TfNode& node, Translator& t);
Status ConvertTranspose(const tf::TfNode& node, Translator& t);
Status ConvertConcat(const tf::TfNode& node, Translator& t);
Status ConvertPad(const tf::TfNode& node, Translator& t);  // Pad, PadV2, MirrorPad
Status ConvertReduce(const tf::TfNode& node, Translator& t);
Status ConvertSlice(const tf::TfNode& node, Translator& t);
Status ConvertStridedSlice(const tf::TfNode& node, Translator& t);
Status ConvertGather(const tf::TfNode& node, Translator& t);
Status ConvertSplitV(const tf::TfNode& node, Translator& t);
Status ConvertPack(const tf::TfNode& node, Translator& t);
Status ConvertUnpack(const tf::TfNode& node, Translator& t);
Status ConvertTile(const tf::TfNode& node, Translator& t);
Status ConvertBroadcastTo(const tf::TfNode& node, Translator& t);
Status ConvertResize(const tf::TfNode& node, Translator& t);
Status ConvertArgMinMax(const tf::TfNode& node, Translator& t);

// math_expansions.cpp (no builtin: expressed in builtins)
Status ConvertReciprocal(const tf::TfNode& node, Translator& t);
Status ConvertDivNoNan(const tf::TfNode& node, Translator& t);
Status ConvertIsInfNan(const tf::TfNode& node, Translator& t);       // IsInf, IsNan
Status ConvertMathExpansion(const tf::TfNode& node, Translator& t);  // Tan, Sinh, Asin, ...
// a / b for int64 tensors (LiteRT's DIV and FLOOR_DIV have no int64 kernel), rounded down
// (`floor`) or toward zero, exact over int64; returns the result tensor.
Result<int> Int64Division(const tf::TfNode& node, Translator& t, int a, int b, bool floor);

// index_ops.cpp
Status ConvertGatherNd(const tf::TfNode& node, Translator& t);
Status ConvertTensorScatter(const tf::TfNode& node, Translator& t);
Status ConvertOneHot(const tf::TfNode& node, Translator& t);
Status ConvertTopK(const tf::TfNode& node, Translator& t);
Status ConvertReverse(const tf::TfNode& node, Translator& t);
Status ConvertReverseSequence(const tf::TfNode& node, Translator& t);  // REVERSE_SEQUENCE
// detection.cpp
Status ConvertWhere(const tf::TfNode& node, Translator& t);              // WHERE
Status ConvertNonMaxSuppression(const tf::TfNode& node, Translator& t);  // NMS V5, sliced

// generate.cpp
Status ConvertShape(const tf::TfNode& node, Translator& t);
Status ConvertFill(const tf::TfNode& node, Translator& t);
Status ConvertRange(const tf::TfNode& node, Translator& t);
Status ConvertCumsum(const tf::TfNode& node, Translator& t);
Status ConvertBroadcastArgs(const tf::TfNode& node, Translator& t);

// space_ops.cpp
Status ConvertSplit(const tf::TfNode& node, Translator& t);
Status ConvertDepthSpace(const tf::TfNode& node, Translator& t);  // + SpaceToDepth
Status ConvertLrn(const tf::TfNode& node, Translator& t);

// bitwise.cpp
Status ConvertBitwise(const tf::TfNode& node, Translator& t);  // BitwiseXor, Invert, RightShift

// control_flow.cpp (IF / WHILE over extra subgraphs)
Status ConvertIf(const tf::TfNode& node, Translator& t);     // StatelessIf, If
Status ConvertWhile(const tf::TfNode& node, Translator& t);  // StatelessWhile, While
// EmptyTensorList and the other TensorList ops: refused naming the loop (no TFLite builtins).
Status ConvertTensorList(const tf::TfNode& node, Translator& t);

}  // namespace pt2tf::tflite
