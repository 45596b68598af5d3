// RecurrentToLoop: an LSTM, GRU or RNN whose sequence length is only known at run time (or
// too long to unroll) becomes an ONNX Loop over the time steps, built from plain ONNX ops.
//
//   before:  X ─LSTM(W, R, B, sequence_lens, initial_h, initial_c, P)─► Y, Y_h, Y_c
//   after:   per direction  XW = X·Wᵀ + biases          (one MatMul for every step at once)
//                           Loop(T, true, h0, c0 [, Ybuf]) body: gates of XW[t] + h·Rᵀ
//            then Y, Y_h, Y_c stacked over the directions as ONNX lays them out
//
// The TF writer unrolls recurrences of a static length (plain dataflow that Grappler and
// TFLite handle well); this pass covers the rest, so dynamic sequence lengths convert
// instead of being refused. The per-step outputs are gathered one of two ways:
// - kScanOutputs: as Loop scan outputs (TensorLists in TF, linear in the sequence length);
// - kBuffer: written into a carried [T, B, H] buffer by a one-row ScatterND (TFLite
//   DYNAMIC_UPDATE_SLICE), for TFLite, which has no TensorLists. LiteRT's WHILE copies every
//   loop variable into and out of the body each iteration, so the buffer still costs
//   T² · B · H element copies in all: a 128-unit LSTM runs 100 / 400 / 1600 steps in
//   1.9 / 10 / 87 ms in LiteRT (the earlier Where(step == t) write: 1.7 / 10 / 92 ms).
// sequence_lens: steps at or past a sequence's length keep the state and emit zeros; the
// reverse direction runs over ReverseSequence(X) and reverses its Y back, as ONNX defines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::passes {

// Sequence length × directions above which a static recurrence is looped, not unrolled.
constexpr int64_t kMaxUnrolledSteps = 2048;

// One of the f/g/h activations of ONNX's recurrent ops with its alpha/beta.
struct RecurrentActivation {
  std::string name;
  float alpha = 0, beta = 0;
};

// Every direction's activations (LSTM: f, g, h; GRU: f, g; RNN: f), ONNX's defaults filled
// in and the alpha/beta lists consumed in order. Unknown names are Unsupported.
Result<std::vector<RecurrentActivation>> RecurrentActivations(const ir::Node& node);

// True when `node` (LSTM, GRU or RNN) has a sequence length the TF writer cannot unroll.
bool NeedsRecurrentLoop(const ir::Node& node);

enum class StepOutputs { kScanOutputs, kBuffer };

struct RecurrentLoopOptions {
  StepOutputs step_outputs = StepOutputs::kScanOutputs;
};

// Rewrites every recurrent node for which NeedsRecurrentLoop holds, in subgraphs too;
// returns how many. Shapes must have been inferred; the caller infers them again after.
Result<size_t> RecurrentToLoop(ir::Graph& graph, const RecurrentLoopOptions& options);

}  // namespace pt2tf::passes
