// The kernel table of the TFLite evaluator: which function evaluates each builtin. One
// explicit list (no registration at static-initialisation time), so what `pt2tf run` and
// int8 calibration can execute is readable here; a builtin missing from it is refused when
// the model is loaded ("no kernel for TFLite X"), before anything runs.
#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {

using Op = ::tflite::BuiltinOperator;

EvalKernel EvalKernelFor(::tflite::BuiltinOperator op) {
  switch (op) {
    case Op::BuiltinOperator_CONV_2D:
    case Op::BuiltinOperator_DEPTHWISE_CONV_2D:
      return EvalConv;
    case Op::BuiltinOperator_FULLY_CONNECTED:
      return EvalFullyConnected;
    case Op::BuiltinOperator_MAX_POOL_2D:
    case Op::BuiltinOperator_AVERAGE_POOL_2D:
      return EvalPool;
    case Op::BuiltinOperator_ADD:
    case Op::BuiltinOperator_SUB:
    case Op::BuiltinOperator_MUL:
    case Op::BuiltinOperator_DIV:
    case Op::BuiltinOperator_MAXIMUM:
    case Op::BuiltinOperator_MINIMUM:
    case Op::BuiltinOperator_POW:
    case Op::BuiltinOperator_SQUARED_DIFFERENCE:
    case Op::BuiltinOperator_FLOOR_DIV:
    case Op::BuiltinOperator_FLOOR_MOD:
    case Op::BuiltinOperator_ATAN2:
    case Op::BuiltinOperator_LESS:
    case Op::BuiltinOperator_LESS_EQUAL:
    case Op::BuiltinOperator_GREATER:
    case Op::BuiltinOperator_GREATER_EQUAL:
    case Op::BuiltinOperator_EQUAL:
    case Op::BuiltinOperator_NOT_EQUAL:
    case Op::BuiltinOperator_LOGICAL_AND:
    case Op::BuiltinOperator_LOGICAL_OR:
      return EvalBinary;
    case Op::BuiltinOperator_SELECT_V2:
      return EvalSelect;
    case Op::BuiltinOperator_CAST:
      return EvalCast;
    case Op::BuiltinOperator_RELU:
    case Op::BuiltinOperator_RELU6:
    case Op::BuiltinOperator_LOGISTIC:
    case Op::BuiltinOperator_TANH:
    case Op::BuiltinOperator_HARD_SWISH:
    case Op::BuiltinOperator_LEAKY_RELU:
    case Op::BuiltinOperator_EXP:
    case Op::BuiltinOperator_SQUARE:
    case Op::BuiltinOperator_SQRT:
    case Op::BuiltinOperator_RSQRT:
    case Op::BuiltinOperator_NEG:
    case Op::BuiltinOperator_ABS:
    case Op::BuiltinOperator_LOG:
    case Op::BuiltinOperator_SIN:
    case Op::BuiltinOperator_COS:
    case Op::BuiltinOperator_FLOOR:
    case Op::BuiltinOperator_CEIL:
    case Op::BuiltinOperator_ROUND:
    case Op::BuiltinOperator_SIGN:
    case Op::BuiltinOperator_ELU:
    case Op::BuiltinOperator_LOGICAL_NOT:
      return EvalUnary;
    case Op::BuiltinOperator_SOFTMAX:
    case Op::BuiltinOperator_LOG_SOFTMAX:
      return EvalSoftmax;
    case Op::BuiltinOperator_MEAN:
    case Op::BuiltinOperator_SUM:
    case Op::BuiltinOperator_REDUCE_PROD:
    case Op::BuiltinOperator_REDUCE_MAX:
    case Op::BuiltinOperator_REDUCE_MIN:
    case Op::BuiltinOperator_REDUCE_ANY:
    case Op::BuiltinOperator_REDUCE_ALL:
      return EvalReduce;
    case Op::BuiltinOperator_STRIDED_SLICE:
      return EvalStridedSlice;
    case Op::BuiltinOperator_SLICE:
      return EvalSlice;
    case Op::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR:
      return EvalResizeNearest;
    case Op::BuiltinOperator_RESIZE_BILINEAR:
      return EvalResizeBilinear;
    case Op::BuiltinOperator_GATHER:
      return EvalGather;
    case Op::BuiltinOperator_SPLIT:
    case Op::BuiltinOperator_SPLIT_V:
      return EvalSplit;
    case Op::BuiltinOperator_PACK:
      return EvalPack;
    case Op::BuiltinOperator_UNPACK:
      return EvalUnpack;
    case Op::BuiltinOperator_TILE:
    case Op::BuiltinOperator_BROADCAST_TO:
      return EvalTile;
    case Op::BuiltinOperator_DEPTH_TO_SPACE:
    case Op::BuiltinOperator_SPACE_TO_DEPTH:
      return EvalDepthSpace;
    case Op::BuiltinOperator_BATCH_MATMUL:
      return EvalBatchMatMul;
    case Op::BuiltinOperator_RESHAPE:
    case Op::BuiltinOperator_SQUEEZE:
    case Op::BuiltinOperator_EXPAND_DIMS:
      return EvalReshape;
    case Op::BuiltinOperator_TRANSPOSE:
      return EvalTranspose;
    case Op::BuiltinOperator_CONCATENATION:
      return EvalConcat;
    case Op::BuiltinOperator_PAD:
    case Op::BuiltinOperator_PADV2:
      return EvalPad;
    case Op::BuiltinOperator_MIRROR_PAD:
      return EvalMirrorPad;
    case Op::BuiltinOperator_TRANSPOSE_CONV:
      return EvalTransposeConv;
    case Op::BuiltinOperator_QUANTIZE:
      return EvalQuantize;
    case Op::BuiltinOperator_DEQUANTIZE:
      return EvalDequantize;
    case Op::BuiltinOperator_ARG_MAX:
    case Op::BuiltinOperator_ARG_MIN:
      return EvalArgMinMax;
    case Op::BuiltinOperator_TOPK_V2:
      return EvalTopK;
    case Op::BuiltinOperator_ONE_HOT:
      return EvalOneHot;
    case Op::BuiltinOperator_GATHER_ND:
      return EvalGatherNd;
    case Op::BuiltinOperator_SCATTER_ND:
      return EvalScatterNd;
    case Op::BuiltinOperator_DYNAMIC_UPDATE_SLICE:
      return EvalDynamicUpdateSlice;
    case Op::BuiltinOperator_UNSORTED_SEGMENT_MAX:
    case Op::BuiltinOperator_UNSORTED_SEGMENT_MIN:
      return EvalUnsortedSegment;
    case Op::BuiltinOperator_REVERSE_V2:
      return EvalReverse;
    case Op::BuiltinOperator_REVERSE_SEQUENCE:
      return EvalReverseSequence;
    case Op::BuiltinOperator_SHAPE:
      return EvalShape;
    case Op::BuiltinOperator_FILL:
      return EvalFill;
    case Op::BuiltinOperator_RANGE:
      return EvalRange;
    case Op::BuiltinOperator_BROADCAST_ARGS:
      return EvalBroadcastArgs;
    case Op::BuiltinOperator_ZEROS_LIKE:
      return EvalZerosLike;
    case Op::BuiltinOperator_CUMSUM:
      return EvalCumsum;
    case Op::BuiltinOperator_BITWISE_XOR:
    case Op::BuiltinOperator_RIGHT_SHIFT:
      return EvalBitwise;
    case Op::BuiltinOperator_LOCAL_RESPONSE_NORMALIZATION:
      return EvalLocalResponseNorm;
    default:
      return nullptr;
  }
}

}  // namespace pt2tf::tflite
