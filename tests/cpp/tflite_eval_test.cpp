// The TFLite evaluator's broadcast walk (ForEachBroadcast) against a plain multi-index
// computation of numpy broadcasting, on shapes that exercise dim merging: equal shapes,
// scalars, per-channel, squeeze-excite, broadcast on both sides, size-1 and size-0 dims.
// And the kernels the writer emits only for run-time shapes (SHAPE, FILL, RANGE,
// BROADCAST_ARGS: LiteRT cannot be compared on a static file holding them), called directly
// on hand-made tensors: TFLite's values, and a file's shape that disagrees is an error.
#include <vector>

#include <gtest/gtest.h>

#include "tflite/quant/eval_kernels.h"

namespace pt2tf::tflite {
namespace {

// Index of output element `i` in an operand of shape `in` (numpy rules, right-aligned).
int64_t Naive(int64_t i, const ir::Dims& in, const ir::Dims& out) {
  std::vector<int64_t> pos(out.size());
  for (size_t k = out.size(); k-- > 0;) pos[k] = i % out[k], i /= out[k];
  int64_t index = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    const int64_t p = pos[out.size() - in.size() + k];
    index = index * in[k] + (in[k] == 1 ? 0 : p);
  }
  return index;
}

TEST(ForEachBroadcast, MatchesNumpyIndexing) {
  const std::vector<std::vector<ir::Dims>> cases = {
      {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
      {{2, 3, 4}, {}, {2, 3, 4}},
      {{1}, {2, 5, 5, 7}, {2, 5, 5, 7}},
      {{2, 5, 5, 7}, {7}, {2, 5, 5, 7}},
      {{2, 5, 5, 7}, {1, 1, 1, 7}, {2, 5, 5, 7}},
      {{2, 5, 5, 7}, {2, 1, 1, 7}, {2, 5, 5, 7}},
      {{3, 1, 4}, {1, 5, 1}, {3, 5, 4}},
      {{4, 1}, {3, 1, 6}, {3, 4, 6}},
      {{1, 2, 1, 3, 1}, {2, 2, 4, 3, 5}, {2, 2, 4, 3, 5}},
      {{6, 1, 1}, {6, 2, 2}, {6, 2, 2}},
      {{1, 1}, {1, 1}, {1, 1}},
      {{2, 0, 3}, {3}, {2, 0, 3}},
  };
  for (const auto& c : cases) {
    const ir::Dims &a = c[0], &b = c[1], &y = c[2];
    int64_t total = 1;
    for (int64_t d : y) total *= d;
    std::vector<int64_t> seen;
    ForEachBroadcast(a, b, y, [&](int64_t i, int64_t ia, int64_t ib) {
      ASSERT_EQ(i, static_cast<int64_t>(seen.size()));
      EXPECT_EQ(ia, Naive(i, a, y)) << "a of case " << seen.size();
      EXPECT_EQ(ib, Naive(i, b, y)) << "b of case " << seen.size();
      seen.push_back(i);
    });
    EXPECT_EQ(static_cast<int64_t>(seen.size()), total);
  }
}

EvalTensor Ints(ir::Dims shape, std::vector<int32_t> q,
                ::tflite::TensorType type = ::tflite::TensorType_INT32) {
  EvalTensor t;
  t.type = type;
  t.shape = std::move(shape);
  t.q = std::move(q);
  return t;
}

EvalTensor Floats(ir::Dims shape, std::vector<float> f) {
  EvalTensor t;
  t.shape = std::move(shape);
  t.f = std::move(f);
  return t;
}

// Runs `op`'s kernel on `in` into `out` (its type and shape set, as the file declares them).
Status RunKernel(::tflite::BuiltinOperator op, std::vector<const EvalTensor*> in, EvalTensor& out) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(::tflite::CreateOperator(fbb));
  const auto* def = flatbuffers::GetRoot<::tflite::Operator>(fbb.GetBufferPointer());
  OpContext ctx{*def, op, std::move(in), {&out}};
  return EvalKernelFor(op)(ctx);
}

TEST(ShapeKernels, ShapeFillRangeBroadcastArgs) {
  using Op = ::tflite::BuiltinOperator;
  const EvalTensor x = Floats({2, 3, 4}, std::vector<float>(24, 1.0f));
  EvalTensor shape = Ints({3}, {});
  ASSERT_TRUE(RunKernel(Op::BuiltinOperator_SHAPE, {&x}, shape).ok());
  EXPECT_EQ(shape.q, (std::vector<int32_t>{2, 3, 4}));
  EvalTensor bad_shape = Ints({2}, {});
  EXPECT_FALSE(RunKernel(Op::BuiltinOperator_SHAPE, {&x}, bad_shape).ok());

  const EvalTensor dims = Ints({2}, {2, 3}), value = Floats({}, {2.5f});
  EvalTensor filled = Floats({2, 3}, {});
  ASSERT_TRUE(RunKernel(Op::BuiltinOperator_FILL, {&dims, &value}, filled).ok());
  EXPECT_EQ(filled.f, std::vector<float>(6, 2.5f));
  EvalTensor wrong = Floats({3, 2}, {});
  EXPECT_FALSE(RunKernel(Op::BuiltinOperator_FILL, {&dims, &value}, wrong).ok());

  // Integer RANGE: ceil(|limit − start| / |delta|) values; counting down too.
  const EvalTensor s = Ints({}, {10}), l = Ints({}, {-3}), d = Ints({}, {-4});
  EvalTensor down = Ints({4}, {});
  ASSERT_TRUE(RunKernel(Op::BuiltinOperator_RANGE, {&s, &l, &d}, down).ok());
  EXPECT_EQ(down.q, (std::vector<int32_t>{10, 6, 2, -2}));
  EvalTensor too_long = Ints({5}, {});
  EXPECT_FALSE(RunKernel(Op::BuiltinOperator_RANGE, {&s, &l, &d}, too_long).ok());
  const EvalTensor away = Ints({}, {4});  // delta pointing away from the limit
  EXPECT_FALSE(RunKernel(Op::BuiltinOperator_RANGE, {&s, &l, &away}, down).ok());
  // Float RANGE accumulates the delta (TFLite's rounding), length ceil((3 − 0) / 0.7) = 5.
  const EvalTensor fs = Floats({}, {0.0f}), fl = Floats({}, {3.0f}), fd = Floats({}, {0.7f});
  EvalTensor fr = Floats({5}, {});
  ASSERT_TRUE(RunKernel(Op::BuiltinOperator_RANGE, {&fs, &fl, &fd}, fr).ok());
  float v = 0;
  for (int i = 0; i < 5; ++i, v += 0.7f) EXPECT_EQ(fr.f[i], v);

  const EvalTensor a = Ints({3}, {4, 1, 5}), b = Ints({2}, {3, 1});
  EvalTensor bc = Ints({3}, {});
  ASSERT_TRUE(RunKernel(Op::BuiltinOperator_BROADCAST_ARGS, {&a, &b}, bc).ok());
  EXPECT_EQ(bc.q, (std::vector<int32_t>{4, 3, 5}));
  const EvalTensor c = Ints({1}, {2});
  EXPECT_FALSE(RunKernel(Op::BuiltinOperator_BROADCAST_ARGS, {&a, &c}, bc).ok());
}

}  // namespace
}  // namespace pt2tf::tflite
