// Constant folding, identity removal and the pass pipeline on hand-built graphs. Expected
// values are small integer or exactly representable cases worked by hand, or computed here
// with the same float32 operation a runtime performs. tests/python/test_fold_constants.py
// cross-checks the evaluator against ONNX Runtime on random inputs.
#include <cmath>

#include <gtest/gtest.h>

#include "ir/eval/evaluator.h"
#include "ir_test_util.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

using testing::FloatTensor;
using testing::Int64Tensor;
using testing::Ints;
using testing::Values;
using testing::Weight;
using A = Attribute;

// Folds `g` (with shapes inferred), expecting success; returns the number folded.
size_t Fold(Graph& g, FoldOptions options = {}) {
  Status s = InferShapes(g);
  EXPECT_TRUE(s.ok()) << s.message();
  auto r = FoldConstants(g, options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : 0;
}

Value* Scalar(Graph& g, int64_t v) { return g.AddInitializer("s", Int64Tensor({}, {v})); }

TEST(FoldConstants, ShapeChainCollapsesIntoReshapeConstant) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2, 3, 4});
  Node* shape = g.AddNode("Shape", {x});
  Node* gather = g.AddNode("Gather", {shape->outputs[0], Scalar(g, 0)});
  Node* unsq = g.AddNode("Unsqueeze", {gather->outputs[0], Ints(g, {0})});
  Node* cat = g.AddNode("Concat", {unsq->outputs[0], Ints(g, {-1})}, {{"axis", A::Int(0)}});
  Node* reshape = g.AddNode("Reshape", {x, cat->outputs[0]}, {}, 1, "flatten");
  g.AddOutput(reshape->outputs[0]);
  Status s = RunPasses(g, PassOptions{});
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(g.nodes().size(), 1u);
  const Node& only = *g.nodes()[0];
  EXPECT_EQ(only.op_type, "Reshape");
  ASSERT_TRUE(only.inputs[1]->is_constant());
  EXPECT_EQ(Values(*only.inputs[1]->constant), (std::vector<double>{2, -1}));
  EXPECT_EQ(*only.outputs[0]->shape, (Dims{2, 12}));
  EXPECT_EQ(g.Initializers().size(), 1u);  // the helper constants are gone
}

TEST(FoldConstants, ConstantNodesBecomeInitializersKeepingTheirNames) {
  Graph g;
  Node* c = g.AddNode("Constant", {}, {{"value_ints", A::Ints({3, 1, 4})}}, 1, "k");
  Node* f = g.AddNode("Constant", {}, {{"value", A::TensorValue(FloatTensor({2}, {0.5f, 2}))}});
  Value* x = g.AddInput("x", DType::kFloat32, {2});
  Node* mul = g.AddNode("Mul", {x, f->outputs[0]});
  g.AddOutput(mul->outputs[0]);
  g.AddOutput(c->outputs[0]);
  Value* k = c->outputs[0];
  EXPECT_EQ(Fold(g), 2u);
  EXPECT_EQ(k->name, "k_out");
  ASSERT_TRUE(k->is_constant());
  EXPECT_EQ(k->dtype, DType::kInt64);
  EXPECT_EQ(Values(*k->constant), (std::vector<double>{3, 1, 4}));
  EXPECT_TRUE(VerifyGraph(g).ok());
}

TEST(FoldConstants, IntegerArithmetic) {
  Graph g;
  Value* a = Ints(g, {7, -8, 9});
  Value* b = Ints(g, {2, 4, 3});
  Node* div = g.AddNode("Div", {a, b});                              // 3, -2, 3 (exact or positive)
  Node* sub = g.AddNode("Sub", {a, Scalar(g, 10)});                  // -3, -18, -1
  Node* mul = g.AddNode("Mul", {div->outputs[0], sub->outputs[0]});  // -9, 36, -3
  Node* neg = g.AddNode("Neg", {mul->outputs[0]});
  Node* trunc = g.AddNode("Div", {Ints(g, {-7, 7}), Ints(g, {2, -2})});  // toward zero
  Node* by_zero = g.AddNode("Div", {Ints(g, {1}), Ints(g, {0})});        // left alone
  Value *neg_out = neg->outputs[0], *trunc_out = trunc->outputs[0];
  g.AddOutput(neg_out);
  g.AddOutput(trunc_out);
  g.AddOutput(by_zero->outputs[0]);
  EXPECT_EQ(Fold(g), 5u);  // folded nodes are freed: read their output values
  EXPECT_EQ(Values(*neg_out->constant), (std::vector<double>{9, -36, 3}));
  EXPECT_EQ(Values(*trunc_out->constant), (std::vector<double>{-3, -3}));
  EXPECT_FALSE(by_zero->outputs[0]->is_constant());
}

TEST(FoldConstants, FloatArithmeticRoundsToFloat32) {
  Graph g;
  Value* a = g.AddInitializer("a", FloatTensor({3}, {1.0f, 2.0f, 1.5f}));
  Value* b = g.AddInitializer("b", FloatTensor({3}, {3.0f, 0.0f, 2.25f}));
  Node* div = g.AddNode("Div", {a, b});
  Node* sqrt = g.AddNode("Sqrt", {a});
  Node* add = g.AddNode("Add", {a, b});
  Value *div_out = div->outputs[0], *sqrt_out = sqrt->outputs[0], *add_out = add->outputs[0];
  for (Value* v : {div_out, sqrt_out, add_out}) g.AddOutput(v);
  EXPECT_EQ(Fold(g), 3u);
  const std::vector<double> d = Values(*div_out->constant);
  EXPECT_EQ(d[0], static_cast<double>(1.0f / 3.0f));
  EXPECT_TRUE(std::isinf(d[1]));
  EXPECT_EQ(d[2], static_cast<double>(1.5f / 2.25f));
  EXPECT_EQ(Values(*sqrt_out->constant)[1], static_cast<double>(std::sqrt(2.0f)));
  EXPECT_EQ(Values(*add_out->constant), (std::vector<double>{4, 2, 3.75}));
}

TEST(FoldConstants, TransposeOfWeightsIgnoresTheSizeCap) {
  Graph g;
  Value* w = Weight(g, {2, 3});  // 0 1 2 / 3 4 5
  Node* t = g.AddNode("Transpose", {w}, {{"perm", A::Ints({1, 0})}});
  Value* big = Weight(g, {300, 400});
  Node* tb = g.AddNode("Transpose", {big});
  Value *t_out = t->outputs[0], *tb_out = tb->outputs[0];
  g.AddOutput(t_out);
  g.AddOutput(tb_out);
  FoldOptions small;
  small.max_elements = 4;
  EXPECT_EQ(Fold(g, small), 2u);
  EXPECT_EQ(Values(*t_out->constant), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  const Tensor& bt = *tb_out->constant;
  EXPECT_EQ(bt.shape(), (Dims{400, 300}));
  EXPECT_TRUE(bt.is_contiguous());
  EXPECT_EQ(bt.ElementAsDouble(1 * 300 + 2), 2 * 400 + 1);  // bt[1][2] = w[2][1]
}

TEST(FoldConstants, SizeCapKeepsBigResultsOut) {
  Graph g;
  Node* big = g.AddNode("ConstantOfShape", {Ints(g, {1000, 1000})});
  Node* small = g.AddNode("ConstantOfShape", {Ints(g, {2, 2})},
                          {{"value", A::TensorValue(Int64Tensor({1}, {7}))}});
  Value* small_out = small->outputs[0];
  g.AddOutput(big->outputs[0]);
  g.AddOutput(small_out);
  EXPECT_EQ(Fold(g), 1u);
  EXPECT_FALSE(big->outputs[0]->is_constant());
  EXPECT_EQ(Values(*small_out->constant), (std::vector<double>{7, 7, 7, 7}));
}

TEST(FoldConstants, SliceGatherRangeWhereCast) {
  Graph g;
  Value* v = Ints(g, {10, 11, 12, 13, 14, 15});
  Node* slice = g.AddNode("Slice", {v, Ints(g, {-1}), Ints(g, {0}), Ints(g, {0}), Ints(g, {-2})});
  Node* gather = g.AddNode("Gather", {v, Ints(g, {-1, 0, 2})});
  Node* range = g.AddNode("Range", {Scalar(g, 5), Scalar(g, -2), Scalar(g, -3)});
  Node* eq = g.AddNode("Equal", {gather->outputs[0], Ints(g, {15, 0, 12})});
  Node* where = g.AddNode("Where", {eq->outputs[0], gather->outputs[0], Ints(g, {-1})});
  Value* f = g.AddInitializer("f", FloatTensor({4}, {-2.7f, 2.7f, 65520.0f, 1.0f / 3.0f}));
  Node* to_int = g.AddNode("Cast", {f}, {{"to", A::Int(6)}});    // int32
  Node* to_half = g.AddNode("Cast", {f}, {{"to", A::Int(10)}});  // float16
  Node* prod = g.AddNode("ReduceProd", {Ints(g, {2, 3, 4})}, {{"keepdims", A::Int(0)}});
  Value *slice_out = slice->outputs[0], *range_out = range->outputs[0],
        *where_out = where->outputs[0], *int_out = to_int->outputs[0],
        *half_out = to_half->outputs[0], *prod_out = prod->outputs[0];
  for (Value* v : {slice_out, range_out, where_out, int_out, half_out, prod_out}) g.AddOutput(v);
  EXPECT_EQ(Fold(g), 8u);
  EXPECT_EQ(Values(*slice_out->constant), (std::vector<double>{15, 13, 11}));
  EXPECT_EQ(Values(*range_out->constant), (std::vector<double>{5, 2, -1}));
  EXPECT_EQ(Values(*where_out->constant), (std::vector<double>{15, -1, 12}));
  EXPECT_EQ(int_out->dtype, DType::kInt32);
  EXPECT_EQ(Values(*int_out->constant), (std::vector<double>{-2, 2, 65520, 0}));
  // float16: 65520 rounds to infinity; 1/3 to 0x3555 = 1365/4096
  const std::vector<double> h = Values(*half_out->constant);
  EXPECT_EQ(h[0], -2.69921875);  // 0xC166
  EXPECT_TRUE(std::isinf(h[2]));
  EXPECT_EQ(h[3], 1365.0 / 4096.0);
  EXPECT_EQ(Values(*prod_out->constant), (std::vector<double>{24}));
  EXPECT_EQ(prod_out->shape, Dims{});
}

TEST(FoldConstants, HostileSizesAreNotEvaluated) {
  // Shapes whose element counts overflow int64 or are absurdly large: inference must not
  // crash, and folding must leave the nodes alone instead of allocating.
  Graph g;
  Node* huge = g.AddNode("ConstantOfShape", {Ints(g, {int64_t{1} << 40, int64_t{1} << 40})});
  Node* range = g.AddNode("Range", {Scalar(g, INT64_MIN), Scalar(g, INT64_MAX), Scalar(g, 1)});
  Value* x = g.AddInput("x", DType::kFloat32, {int64_t{1} << 62, 4});
  Node* tile = g.AddNode("Tile", {x, Ints(g, {8, 1})});
  Node* reshape = g.AddNode("Reshape", {x, Ints(g, {-1})});
  for (Node* n : {huge, range, tile, reshape}) g.AddOutput(n->outputs[0]);
  Status s = InferShapes(g);
  EXPECT_FALSE(s.ok());  // the Range length overflows
  EXPECT_EQ(s.message(), "Range 'Range': range length overflows");
  auto folded = FoldConstants(g);
  ASSERT_TRUE(folded.ok()) << folded.status().message();
  EXPECT_EQ(*folded, 0u);
  eval::HostTensor shape = eval::HostTensor::Zeros(DType::kInt64, {2});
  shape.i = {int64_t{1} << 40, int64_t{1} << 40};
  auto direct = eval::Evaluate(*huge, {&shape});
  EXPECT_FALSE(direct.ok());
}

TEST(FoldConstants, KnownDimsOfADynamicShapeFold) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {kUnknownDim, 3, 8});
  Node* tail = g.AddNode("Shape", {x}, {{"start", A::Int(1)}});
  Node* full = g.AddNode("Shape", {x});
  Node* c = g.AddNode("Gather", {full->outputs[0], Ints(g, {-1, 1})});
  Node* batch = g.AddNode("Gather", {full->outputs[0], Scalar(g, 0)});
  Value *tail_out = tail->outputs[0], *c_out = c->outputs[0];
  for (Value* v : {tail_out, c_out, batch->outputs[0]}) g.AddOutput(v);
  EXPECT_EQ(Fold(g), 2u);
  EXPECT_EQ(Values(*tail_out->constant), (std::vector<double>{3, 8}));
  EXPECT_EQ(Values(*c_out->constant), (std::vector<double>{8, 3}));
  EXPECT_FALSE(full->outputs[0]->is_constant());  // the batch dim is unknown
  EXPECT_FALSE(batch->outputs[0]->is_constant());
}

TEST(FoldConstants, FlattenPatternWithDynamicBatch) {
  // x.reshape(x.shape[0], -1) as exporters write it with a dynamic batch dim:
  // Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]) stays; x.reshape(-1, x.shape[1]) folds.
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {kUnknownDim, 3, 4});
  Node* shape = g.AddNode("Shape", {x});
  Node* c = g.AddNode("Gather", {shape->outputs[0], Scalar(g, 1)});
  Node* unsq = g.AddNode("Unsqueeze", {c->outputs[0], Ints(g, {0})});
  Node* cat =
      g.AddNode("Concat", {Ints(g, {-1}), unsq->outputs[0], Ints(g, {4})}, {{"axis", A::Int(0)}});
  Node* reshape = g.AddNode("Reshape", {x, cat->outputs[0]});
  g.AddOutput(reshape->outputs[0]);
  Status s = RunPasses(g, PassOptions{});
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(Values(*g.nodes()[0]->inputs[1]->constant), (std::vector<double>{-1, 3, 4}));
  EXPECT_EQ(*g.outputs()[0]->shape, (Dims{kUnknownDim, 3, 4}));
}

TEST(RemoveIdentity, BypassesIdentityAndInferenceDropoutKeepingOutputName) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 4});
  Node* relu = g.AddNode("Relu", {x}, {}, 1, "relu");
  Node* drop = g.AddNode("Dropout", {relu->outputs[0]}, {}, 2, "drop");
  Node* id = g.AddNode("Identity", {drop->outputs[0]}, {}, 1, "id");
  id->outputs[0]->name = "output";
  g.AddOutput(id->outputs[0]);
  Status s = RunPasses(g, PassOptions{});
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0]->op_type, "Relu");
  EXPECT_EQ(g.outputs()[0]->name, "output");
  EXPECT_EQ(g.outputs()[0]->producer, g.nodes()[0].get());
}

TEST(RemoveIdentity, KeepsIdentityBetweenInputAndOutputAndTrainingDropout) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {4});
  Node* id = g.AddNode("Identity", {x});
  Value* yes = g.AddInitializer("t", Tensor::FromBytes(DType::kBool, {}, {std::byte{1}}).value());
  Node* drop = g.AddNode("Dropout", {x, nullptr, yes}, {}, 1);
  g.AddOutput(id->outputs[0]);
  g.AddOutput(drop->outputs[0]);
  auto removed = RemoveIdentityNodes(g);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0u);
}

TEST(Pipeline, ReportsShapeErrorsWithTheNode) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 6, 1, 1});
  Node* pool = g.AddNode("MaxPool", {x}, {{"kernel_shape", A::Ints({2, 2})}}, 1, "pool");
  g.AddOutput(pool->outputs[0]);
  Status s = RunPasses(g, PassOptions{});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "MaxPool 'pool': input 1x6x1x1 is smaller than the kernel 2x2");
}

TEST(Pipeline, DeadCodeAndUnusedWeightsAreRemoved) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2});
  Weight(g, {5});  // never used
  Node* relu = g.AddNode("Relu", {x});
  g.AddNode("Neg", {x});  // reaches no output
  g.AddOutput(relu->outputs[0]);
  ASSERT_TRUE(RunPasses(g, PassOptions{}).ok());
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_TRUE(g.Initializers().empty());
}

}  // namespace
}  // namespace pt2tf::ir
