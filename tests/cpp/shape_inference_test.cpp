// Shape inference on hand-built graphs. Expected shapes follow from the ONNX opset-21
// formulas worked by hand in each comment (and match torch's for the pooling cases).
#include <gtest/gtest.h>

#include "ir_test_util.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

using testing::Int64Tensor;
using testing::Ints;
using testing::Weight;

using A = Attribute;
constexpr int64_t U = kUnknownDim;

// Runs inference; returns output `i`'s shape, or fails the test on error.
Dims Infer(Graph& g, Node* n, size_t i = 0) {
  Status s = InferShapes(g);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok() || !n->outputs[i]->shape) return {-99};
  return *n->outputs[i]->shape;
}

// Runs inference, expecting an error; returns its message.
std::string InferError(Graph& g) {
  Status s = InferShapes(g);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(ShapeInference, ConvStridePad) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 224, 224});
  Node* n = g.AddNode("Conv", {x, Weight(g, {64, 3, 7, 7})},
                      {{"strides", A::Ints({2, 2})}, {"pads", A::Ints({3, 3, 3, 3})}});
  // (224 + 6 - 7) / 2 + 1 = 112
  EXPECT_EQ(Infer(g, n), (Dims{1, 64, 112, 112}));
}

TEST(ShapeInference, ConvChannelMismatchNamesNode) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 4, 32, 32});
  g.AddNode("Conv", {x, Weight(g, {8, 3, 3, 3})}, {}, 1, "layer1.0.conv1");
  EXPECT_EQ(InferError(g), "Conv 'layer1.0.conv1': input has 4 channels but the weight expects 3");
}

TEST(ShapeInference, DepthwiseConvAndAutoPad) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2, 32, 7, 7});
  Node* same = g.AddNode(
      "Conv", {x, Weight(g, {32, 1, 3, 3})},
      {{"group", A::Int(32)}, {"strides", A::Ints({2, 2})}, {"auto_pad", A::String("SAME_UPPER")}});
  Node* valid = g.AddNode("Conv", {x, Weight(g, {16, 32, 3, 3})},
                          {{"strides", A::Ints({2, 2})}, {"auto_pad", A::String("VALID")}});
  Node* dilated =
      g.AddNode("Conv", {x, Weight(g, {16, 32, 3, 3})}, {{"dilations", A::Ints({2, 3})}});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*same->outputs[0]->shape, (Dims{2, 32, 4, 4}));   // ceil(7 / 2)
  EXPECT_EQ(*valid->outputs[0]->shape, (Dims{2, 16, 3, 3}));  // (7 - 3) / 2 + 1
  // extents 5 and 7: 7 - 5 + 1 = 3, 7 - 7 + 1 = 1
  EXPECT_EQ(*dilated->outputs[0]->shape, (Dims{2, 16, 3, 1}));
}

TEST(ShapeInference, GroupedConvMismatch) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 30, 8, 8});
  g.AddNode("Conv", {x, Weight(g, {32, 1, 3, 3})}, {{"group", A::Int(32)}}, 1, "dw");
  EXPECT_EQ(InferError(g),
            "Conv 'dw': input has 30 channels but the weight expects 32 (1 per group x 32 "
            "groups)");
}

TEST(ShapeInference, ConvTranspose) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 8, 5, 5});
  Node* n = g.AddNode("ConvTranspose", {x, Weight(g, {8, 4, 3, 3})},
                      {{"strides", A::Ints({2, 2})},
                       {"pads", A::Ints({1, 1, 1, 1})},
                       {"output_padding", A::Ints({1, 0})},
                       {"group", A::Int(2)}});
  // 2 * (5 - 1) + op + 3 - 2: 10 and 9; channels 4 * 2 groups
  EXPECT_EQ(Infer(g, n), (Dims{1, 8, 10, 9}));
}

TEST(ShapeInference, MaxPoolCeilMode) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 2, 6, 5});
  Node* ceil = g.AddNode("MaxPool", {x},
                         {{"kernel_shape", A::Ints({3, 2})},
                          {"strides", A::Ints({2, 2})},
                          {"pads", A::Ints({0, 1, 0, 1})},
                          {"ceil_mode", A::Int(1)}});
  Node* floor = g.AddNode("MaxPool", {x},
                          {{"kernel_shape", A::Ints({3, 2})},
                           {"strides", A::Ints({2, 2})},
                           {"pads", A::Ints({0, 1, 0, 1})}});
  ASSERT_TRUE(InferShapes(g).ok());
  // H: ceil((6-3)/2)+1 = 3 (floor: 2). W: padded 7, ceil((7-2)/2)+1 = 4, but the 4th window
  // would start at 6 >= 5 + 1 (past the input and its leading pad), so 3 (floor: 3).
  EXPECT_EQ(*ceil->outputs[0]->shape, (Dims{1, 2, 3, 3}));
  EXPECT_EQ(*floor->outputs[0]->shape, (Dims{1, 2, 2, 3}));
}

TEST(ShapeInference, PoolSmallerThanKernel) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 6, 1, 1});
  g.AddNode("MaxPool", {x}, {{"kernel_shape", A::Ints({2, 2})}}, 1, "pool");
  EXPECT_EQ(InferError(g), "MaxPool 'pool': input 1x6x1x1 is smaller than the kernel 2x2");
}

TEST(ShapeInference, PoolAutoPadAndDilation) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 1, 10, 11});
  Node* lower = g.AddNode("AveragePool", {x},
                          {{"kernel_shape", A::Ints({3, 3})},
                           {"strides", A::Ints({3, 3})},
                           {"auto_pad", A::String("SAME_LOWER")}});
  Node* dil = g.AddNode("MaxPool", {x},
                        {{"kernel_shape", A::Ints({3, 3})}, {"dilations", A::Ints({2, 2})}});
  Node* gap = g.AddNode("GlobalAveragePool", {x});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*lower->outputs[0]->shape, (Dims{1, 1, 4, 4}));  // ceil(10/3), ceil(11/3)
  EXPECT_EQ(*dil->outputs[0]->shape, (Dims{1, 1, 6, 7}));    // extent 5
  EXPECT_EQ(*gap->outputs[0]->shape, (Dims{1, 1, 1, 1}));
}

TEST(ShapeInference, UnknownBatchFlowsThrough) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {U, 3, 8, 8});
  Node* c = g.AddNode("Conv", {x, Weight(g, {4, 3, 3, 3})});
  Node* f = g.AddNode("Flatten", {c->outputs[0]});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*c->outputs[0]->shape, (Dims{U, 4, 6, 6}));
  EXPECT_EQ(*f->outputs[0]->shape, (Dims{U, 144}));
}

TEST(ShapeInference, BatchNormChecksChannels) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 8, 4, 4});
  Value* p = Weight(g, {6});
  g.AddNode("BatchNormalization", {x, p, p, p, p}, {}, 1, "bn1");
  EXPECT_EQ(InferError(g), "BatchNormalization 'bn1': input has 8 channels but scale has shape 6");
}

TEST(ShapeInference, LayerNormStats) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2, 5, 16});
  Node* n = g.AddNode("LayerNormalization", {x, Weight(g, {16}), Weight(g, {16})}, {}, 3);
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*n->outputs[0]->shape, (Dims{2, 5, 16}));
  EXPECT_EQ(*n->outputs[1]->shape, (Dims{2, 5, 1}));
}

TEST(ShapeInference, GemmAndMatMul) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {4, 512});
  Node* gemm =
      g.AddNode("Gemm", {x, Weight(g, {1000, 512}), Weight(g, {1000})}, {{"transB", A::Int(1)}});
  Value* b = g.AddInput("b", DType::kFloat32, {7, 1, 3, 5});
  Node* mm = g.AddNode("MatMul", {b, Weight(g, {6, 5, 2})});
  Node* vec = g.AddNode("MatMul", {b, Weight(g, {5})});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*gemm->outputs[0]->shape, (Dims{4, 1000}));
  EXPECT_EQ(*mm->outputs[0]->shape, (Dims{7, 6, 3, 2}));
  EXPECT_EQ(*vec->outputs[0]->shape, (Dims{7, 1, 3}));
}

TEST(ShapeInference, GemmMismatch) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 512});
  g.AddNode("Gemm", {x, Weight(g, {1000, 256})}, {{"transB", A::Int(1)}}, 1, "fc");
  EXPECT_EQ(InferError(g),
            "Gemm 'fc': A 1x512 has 512 columns but B 1000x256 (transposed) has 256 rows");
}

TEST(ShapeInference, BroadcastError) {
  Graph g;
  Value* a = g.AddInput("a", DType::kFloat32, {2, 3});
  Value* b = g.AddInput("b", DType::kFloat32, {4, 1});
  Node* ok = g.AddNode("Add", {a, g.AddInput("c", DType::kFloat32, {5, 1, 3})});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*ok->outputs[0]->shape, (Dims{5, 2, 3}));
  g.AddNode("Mul", {a, b}, {}, 1, "m");
  EXPECT_EQ(InferError(g), "Mul 'm': shapes 2x3 and 4x1 cannot be broadcast together");
}

TEST(ShapeInference, ReshapeZeroAndMinusOne) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2, 3, 4});
  Node* a = g.AddNode("Reshape", {x, Ints(g, {0, -1})});
  Node* b = g.AddNode("Reshape", {x, Ints(g, {-1, 2, 0})});
  Node* z = g.AddNode("Reshape", {g.AddInput("e", DType::kFloat32, {0, 3}), Ints(g, {3, 0})},
                      {{"allowzero", A::Int(1)}});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*a->outputs[0]->shape, (Dims{2, 12}));
  EXPECT_EQ(*b->outputs[0]->shape, (Dims{3, 2, 4}));  // 0 copies dim 2 (4)
  EXPECT_EQ(*z->outputs[0]->shape, (Dims{3, 0}));
}

TEST(ShapeInference, ReshapeBadCount) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 4});
  g.AddNode("Reshape", {x, Ints(g, {5, -1})}, {}, 1, "r");
  EXPECT_EQ(InferError(g), "Reshape 'r': cannot reshape 1x3x4 (12 elements) to [5,-1]");
}

TEST(ShapeInference, ReshapeWithDynamicShapeKnowsRank) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 4});
  Value* s = g.AddInput("s", DType::kInt64, {2});
  Node* n = g.AddNode("Reshape", {x, s});
  EXPECT_EQ(Infer(g, n), (Dims{U, U}));
}

// x.view(x.size(0), -1) over a run-time batch, as exporters spell it: the batch entry is
// x's own dim 0 (through Relu and Conv), so the -1 is 8*4*4 = 128.
TEST(ShapeInference, ReshapeOfRuntimeBatchResolvesMinusOne) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {U, 3, 8, 8});
  Node* conv = g.AddNode("Conv", {x, Weight(g, {8, 3, 2, 2})}, {{"strides", A::Ints({2, 2})}});
  Node* relu = g.AddNode("Relu", {conv->outputs[0]});
  Node* shape = g.AddNode("Shape", {x});
  Node* batch =
      g.AddNode("Gather", {shape->outputs[0], g.AddInitializer("i", Int64Tensor({}, {0}))});
  Node* unsq = g.AddNode("Unsqueeze", {batch->outputs[0], Ints(g, {0})});
  Node* cat = g.AddNode("Concat", {unsq->outputs[0], Ints(g, {-1})}, {{"axis", A::Int(0)}});
  Node* view = g.AddNode("Reshape", {relu->outputs[0], cat->outputs[0]});
  EXPECT_EQ(Infer(g, view), (Dims{U, 128}));
  // Folding turns a Slice of the static dims of that Shape into a constant.
  Value* tail = g.AddNode("Slice", {shape->outputs[0], Ints(g, {1}), Ints(g, {4})})->outputs[0];
  ASSERT_TRUE(InferShapes(g).ok());
  ASSERT_TRUE(FoldConstants(g).ok());  // removes the Slice node; its output value stays
  ASSERT_TRUE(tail->is_constant());
  EXPECT_EQ(testing::Values(*tail->constant), (std::vector<double>{3, 8, 8}));
}

// The batch entry from another value's run-time dim, or through ops that do not keep it
// (Flatten(axis=2) multiplies dims 0 and 1): the -1 stays unknown rather than guessed.
TEST(ShapeInference, ReshapeMinusOneStaysUnknownWithoutAMatch) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {U, 4, 6});
  Value* other = g.AddInput("other", DType::kFloat32, {U, 2});
  Node* flat = g.AddNode("Flatten", {x}, {{"axis", A::Int(2)}});  // [4N, 6]
  Node* shape = g.AddNode("Shape", {x});
  Node* batch = g.AddNode("Slice", {shape->outputs[0], Ints(g, {0}), Ints(g, {1})});
  Node* cat = g.AddNode("Concat", {batch->outputs[0], Ints(g, {-1})}, {{"axis", A::Int(0)}});
  Node* view = g.AddNode("Reshape", {flat->outputs[0], cat->outputs[0]});
  Node* oshape = g.AddNode("Shape", {other});
  Node* ocat = g.AddNode("Concat", {oshape->outputs[0], Ints(g, {-1})}, {{"axis", A::Int(0)}});
  Node* oview = g.AddNode("Reshape", {x, ocat->outputs[0]});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*view->outputs[0]->shape, (Dims{U, U}));
  EXPECT_EQ(*oview->outputs[0]->shape, (Dims{U, 2, U}));
}

// NonMaxSuppression selects int64 (batch, class, box) triples: torchvision's detectors put it
// in an If branch whose other branch is an empty int64 constant, and an unknown-op float32
// default made the If's branches disagree.
TEST(ShapeInference, NonMaxSuppressionIsInt64Triples) {
  Graph g;
  Value* boxes = g.AddInput("boxes", DType::kFloat32, {1, U, 4});
  Value* scores = g.AddInput("scores", DType::kFloat32, {1, 1, U});
  Node* nms = g.AddNode("NonMaxSuppression", {boxes, scores});
  EXPECT_EQ(Infer(g, nms), (Dims{U, 3}));
  EXPECT_EQ(nms->outputs[0]->dtype, DType::kInt64);
}

TEST(ShapeInference, KeepsImportedShapesWhereTheRuleCannotTell) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 1, 5});
  Value* axes = g.AddInput("axes", DType::kInt64, {1});  // run-time axes
  Node* sq = g.AddNode("Squeeze", {x, axes});
  Node* relu = g.AddNode("Relu", {x});
  sq->outputs[0]->shape = Dims{1, 3, 5};       // as an importer's value_info said
  relu->outputs[0]->shape = Dims{7, 7, 7, 7};  // stale: the rule knows better
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*sq->outputs[0]->shape, (Dims{1, 3, 5}));
  EXPECT_EQ(*relu->outputs[0]->shape, (Dims{1, 3, 1, 5}));
}

TEST(ShapeInference, TransposeConcatSplit) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2, 3, 5});
  Node* t = g.AddNode("Transpose", {x}, {{"perm", A::Ints({2, 0, 1})}});
  Node* c =
      g.AddNode("Concat", {x, g.AddInput("y", DType::kFloat32, {2, 4, 5})}, {{"axis", A::Int(-2)}});
  Node* s18 = g.AddNode("Split", {x}, {{"axis", A::Int(2)}, {"num_outputs", A::Int(2)}}, 2);
  Node* s = g.AddNode("Split", {x, Ints(g, {1, 4})}, {{"axis", A::Int(-1)}}, 2);
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*t->outputs[0]->shape, (Dims{5, 2, 3}));
  EXPECT_EQ(*c->outputs[0]->shape, (Dims{2, 7, 5}));
  EXPECT_EQ(*s18->outputs[0]->shape, (Dims{2, 3, 3}));  // ceil(5/2), then the rest
  EXPECT_EQ(*s18->outputs[1]->shape, (Dims{2, 3, 2}));
  EXPECT_EQ(*s->outputs[1]->shape, (Dims{2, 3, 4}));
}

TEST(ShapeInference, ConcatMismatch) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  Value* y = g.AddInput("y", DType::kFloat32, {1, 5, 7, 8});
  g.AddNode("Concat", {x, y}, {{"axis", A::Int(1)}}, 1, "cat");
  EXPECT_EQ(InferError(g),
            "Concat 'cat': input 1 has shape 1x5x7x8, which does not match 8 in dim 2 "
            "(concatenating along axis 1)");
}

TEST(ShapeInference, Slice) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {10, 20, 30});
  // dim 0: 2..100 step 3 -> 2,5,8 (3); dim 2: from -1 backwards to the start -> 30
  Node* a = g.AddNode(
      "Slice", {x, Ints(g, {2, -1}), Ints(g, {100, INT64_MIN}), Ints(g, {0, 2}), Ints(g, {3, -1})});
  // no axes: the first len(starts) dims; 5..-5 on 20 -> 10
  Node* b = g.AddNode("Slice", {x, Ints(g, {0, 5}), Ints(g, {1, -5})});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*a->outputs[0]->shape, (Dims{3, 20, 30}));
  EXPECT_EQ(*b->outputs[0]->shape, (Dims{1, 10, 30}));
}

TEST(ShapeInference, SqueezeUnsqueezeGather) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 1, 5});
  Node* sq_all = g.AddNode("Squeeze", {x});
  Node* sq = g.AddNode("Squeeze", {x, Ints(g, {-2})});
  Node* un = g.AddNode("Unsqueeze", {x, Ints(g, {0, -1})});
  Value* scalar_idx = g.AddInitializer("i", Int64Tensor({}, {2}));
  Node* gs = g.AddNode("Gather", {x, scalar_idx}, {{"axis", A::Int(1)}});
  Node* gv = g.AddNode("Gather",
                       {x, Int64Tensor({2, 2}, {0, 1, 2, 0}).numel() ? Ints(g, {0, 4}) : nullptr},
                       {{"axis", A::Int(3)}});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*sq_all->outputs[0]->shape, (Dims{3, 5}));
  EXPECT_EQ(*sq->outputs[0]->shape, (Dims{1, 3, 5}));
  EXPECT_EQ(*un->outputs[0]->shape, (Dims{1, 1, 3, 1, 5, 1}));
  EXPECT_EQ(*gs->outputs[0]->shape, (Dims{1, 1, 5}));
  EXPECT_EQ(*gv->outputs[0]->shape, (Dims{1, 3, 1, 2}));
}

TEST(ShapeInference, SqueezeNonUnitAndGatherOutOfRange) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3});
  g.AddNode("Squeeze", {x, Ints(g, {1})}, {}, 1, "sq");
  EXPECT_EQ(InferError(g), "Squeeze 'sq': cannot squeeze dim 1 of size 3 (input 1x3)");
  Graph g2;
  Value* y = g2.AddInput("y", DType::kFloat32, {4, 3});
  g2.AddNode("Gather", {y, Ints(g2, {3})}, {{"axis", A::Int(1)}}, 1, "ga");
  EXPECT_EQ(InferError(g2), "Gather 'ga': index 3 is out of range for dim 1 of size 3");
}

TEST(ShapeInference, PadShapeExpandTileRange) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 4});
  Node* pad = g.AddNode("Pad", {x, Ints(g, {0, 1, 2, 0, -1, 3})});
  Node* shape = g.AddNode("Shape", {x}, {{"start", A::Int(-2)}});
  Node* expand = g.AddNode("Expand", {x, Ints(g, {2, 1, 1, 1})});
  Node* tile = g.AddNode("Tile", {x, Ints(g, {2, 1, 3})});
  Value* s = g.AddInitializer("s", Int64Tensor({}, {1}));
  Value* l = g.AddInitializer("l", Int64Tensor({}, {11}));
  Value* d = g.AddInitializer("d", Int64Tensor({}, {3}));
  Node* range = g.AddNode("Range", {s, l, d});
  Node* cos = g.AddNode("ConstantOfShape", {Ints(g, {2, 3})});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*pad->outputs[0]->shape, (Dims{1, 3, 9}));
  EXPECT_EQ(*shape->outputs[0]->shape, (Dims{2}));
  EXPECT_EQ(shape->outputs[0]->dtype, DType::kInt64);
  EXPECT_EQ(*expand->outputs[0]->shape, (Dims{2, 1, 3, 4}));
  EXPECT_EQ(*tile->outputs[0]->shape, (Dims{2, 3, 12}));
  EXPECT_EQ(*range->outputs[0]->shape, (Dims{4}));  // 1, 4, 7, 10
  EXPECT_EQ(*cos->outputs[0]->shape, (Dims{2, 3}));
  EXPECT_EQ(cos->outputs[0]->dtype, DType::kFloat32);
}

TEST(ShapeInference, ResizeScalesAndSizes) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 7, 9});
  Value* scales = g.AddInitializer("s", testing::FloatTensor({4}, {1, 1, 2.5f, 0.5f}));
  Node* by_scale = g.AddNode("Resize", {x, nullptr, scales});
  Value* empty = g.AddInitializer("e", testing::FloatTensor({0}, {}));
  Node* by_size = g.AddNode("Resize", {x, empty, empty, Ints(g, {1, 3, 20, 30})});
  Node* up = g.AddNode("Upsample", {x, scales});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*by_scale->outputs[0]->shape, (Dims{1, 3, 17, 4}));  // floor(17.5), floor(4.5)
  EXPECT_EQ(*by_size->outputs[0]->shape, (Dims{1, 3, 20, 30}));
  EXPECT_EQ(*up->outputs[0]->shape, (Dims{1, 3, 17, 4}));
}

TEST(ShapeInference, ReductionsArgMaxTopK) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2, 3, 4});
  Node* keep = g.AddNode("ReduceMean", {x, Ints(g, {-1})});
  Node* drop = g.AddNode("ReduceSum", {x, Ints(g, {0, 2})}, {{"keepdims", A::Int(0)}});
  Node* all = g.AddNode("ReduceMax", {x}, {{"keepdims", A::Int(0)}});
  Node* noop = g.AddNode("ReduceMin", {x}, {{"noop_with_empty_axes", A::Int(1)}});
  Node* arg = g.AddNode("ArgMax", {x}, {{"axis", A::Int(1)}, {"keepdims", A::Int(0)}});
  Node* topk = g.AddNode("TopK", {x, Ints(g, {2})}, {{"axis", A::Int(1)}}, 2);
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*keep->outputs[0]->shape, (Dims{2, 3, 1}));
  EXPECT_EQ(*drop->outputs[0]->shape, (Dims{3}));
  EXPECT_EQ(*all->outputs[0]->shape, (Dims{}));
  EXPECT_EQ(*noop->outputs[0]->shape, (Dims{2, 3, 4}));
  EXPECT_EQ(*arg->outputs[0]->shape, (Dims{2, 4}));
  EXPECT_EQ(arg->outputs[0]->dtype, DType::kInt64);
  EXPECT_EQ(*topk->outputs[0]->shape, (Dims{2, 2, 4}));
  EXPECT_EQ(topk->outputs[1]->dtype, DType::kInt64);
}

TEST(ShapeInference, Einsum) {
  Graph g;
  Value* a = g.AddInput("a", DType::kFloat32, {8, 2, 3});
  Value* b = g.AddInput("b", DType::kFloat32, {8, 3, 5});
  Node* bmm = g.AddNode("Einsum", {a, b}, {{"equation", A::String("bij,bjk->bik")}});
  Node* implicit = g.AddNode("Einsum", {a, b}, {{"equation", A::String("bij,bjk")}});
  Node* ell = g.AddNode("Einsum", {a, b}, {{"equation", A::String("...ij,...jk->...ik")}});
  Node* trans = g.AddNode("Einsum", {a}, {{"equation", A::String("bij->jib")}});
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(*bmm->outputs[0]->shape, (Dims{8, 2, 5}));
  EXPECT_EQ(*implicit->outputs[0]->shape, (Dims{2, 5}));  // i, k appear once: "ik"
  EXPECT_EQ(*ell->outputs[0]->shape, (Dims{8, 2, 5}));
  EXPECT_EQ(*trans->outputs[0]->shape, (Dims{3, 2, 8}));
}

TEST(ShapeInference, DTypes) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {2, 3});
  Node* cast = g.AddNode("Cast", {x}, {{"to", A::Int(7)}});
  Node* eq = g.AddNode("Equal", {x, x});
  Node* where = g.AddNode("Where", {eq->outputs[0], cast->outputs[0], cast->outputs[0]});
  Node* drop = g.AddNode("Dropout", {x}, {}, 2);
  ASSERT_TRUE(InferShapes(g).ok());
  EXPECT_EQ(cast->outputs[0]->dtype, DType::kInt64);
  EXPECT_EQ(eq->outputs[0]->dtype, DType::kBool);
  EXPECT_EQ(where->outputs[0]->dtype, DType::kInt64);
  EXPECT_EQ(drop->outputs[1]->dtype, DType::kBool);
  g.AddNode("Add", {x, cast->outputs[0]}, {}, 1, "mixed");
  EXPECT_EQ(InferError(g), "Add 'mixed': input dtypes differ (float32 vs int64)");
}

TEST(ShapeInference, EveryListedOpHasARule) {
  const char* ops[] = {"Conv",
                       "ConvTranspose",
                       "BatchNormalization",
                       "InstanceNormalization",
                       "LayerNormalization",
                       "Gemm",
                       "MatMul",
                       "Add",
                       "Sub",
                       "Mul",
                       "Div",
                       "Pow",
                       "Sqrt",
                       "Exp",
                       "Log",
                       "Erf",
                       "Neg",
                       "Abs",
                       "Reciprocal",
                       "Min",
                       "Max",
                       "Sum",
                       "Mean",
                       "Relu",
                       "LeakyRelu",
                       "PRelu",
                       "Elu",
                       "Selu",
                       "Clip",
                       "Sigmoid",
                       "HardSigmoid",
                       "HardSwish",
                       "Tanh",
                       "Gelu",
                       "Softmax",
                       "LogSoftmax",
                       "MaxPool",
                       "AveragePool",
                       "GlobalAveragePool",
                       "GlobalMaxPool",
                       "Flatten",
                       "Reshape",
                       "Transpose",
                       "Concat",
                       "Split",
                       "Slice",
                       "Squeeze",
                       "Unsqueeze",
                       "Gather",
                       "Pad",
                       "Resize",
                       "ReduceMean",
                       "ReduceSum",
                       "ReduceMax",
                       "ReduceMin",
                       "Shape",
                       "Constant",
                       "ConstantOfShape",
                       "Identity",
                       "Dropout",
                       "Cast",
                       "Expand",
                       "Where",
                       "Equal",
                       "Less",
                       "Greater",
                       "Not",
                       "And",
                       "Or",
                       "Tile",
                       "ArgMax",
                       "Floor",
                       "Ceil",
                       "Round",
                       "Sign",
                       "Einsum",
                       "Range",
                       "CumSum",
                       "TopK",
                       "Softplus",
                       "Softsign",
                       "Hardmax",
                       "Size",
                       "Trilu",
                       "GatherElements",
                       "ScatterND",
                       "ReduceProd",
                       "ReduceL2",
                       "Mish",
                       "Celu",
                       "ThresholdedRelu",
                       "Sin",
                       "Cos",
                       "Tan",
                       "Upsample"};
  for (const char* op : ops) EXPECT_TRUE(HasShapeInference(op)) << op;
}

}  // namespace
}  // namespace pt2tf::ir
