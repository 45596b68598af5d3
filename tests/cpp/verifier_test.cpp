// VerifyGraph on hand-built graphs: one valid graph, then one broken invariant per test.
#include <gtest/gtest.h>

#include "ir_test_util.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

using testing::Weight;
using A = Attribute;

std::string VerifyError(const Graph& g) {
  Status s = VerifyGraph(g);
  EXPECT_FALSE(s.ok());
  return s.message();
}

TEST(Verifier, AcceptsWellFormedGraph) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  Node* conv = g.AddNode("Conv", {x, Weight(g, {4, 3, 3, 3})}, {{"group", A::Int(1)}});
  Node* relu = g.AddNode("Relu", {conv->outputs[0]});
  g.AddOutput(relu->outputs[0]);
  Status s = VerifyGraph(g);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(Verifier, RejectsUseBeforeDefinition) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1});
  Value* later = g.AddValue("later");
  Node* relu = g.AddNode("Relu", {later}, {}, 1, "first");
  Node* neg = g.AddNode("Neg", {x}, {}, 1, "second");
  // Wire "later" as the output of the second node: it is used before it is produced.
  later->producer = neg;
  neg->outputs[0] = later;
  g.AddOutput(relu->outputs[0]);
  EXPECT_EQ(VerifyError(g),
            "Relu 'first': input 'later' is produced by Neg 'second', which does not come "
            "before it");
  ASSERT_TRUE(g.TopologicalSort().ok());
  EXPECT_TRUE(VerifyGraph(g).ok());
}

TEST(Verifier, RejectsDanglingInput) {
  Graph g;
  Value* ghost = g.AddValue("ghost");
  Node* relu = g.AddNode("Relu", {ghost}, {}, 1, "r");
  g.AddOutput(relu->outputs[0]);
  EXPECT_EQ(VerifyError(g),
            "Relu 'r': input 'ghost' is not a graph input, a constant or the output of any node");
}

TEST(Verifier, RejectsDuplicateValueNames) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1});
  Node* relu = g.AddNode("Relu", {x});
  relu->outputs[0]->name = x->name;
  g.AddOutput(relu->outputs[0]);
  EXPECT_EQ(VerifyError(g), "two values are named 'x'");
}

TEST(Verifier, RejectsWrongProducer) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1});
  Node* a = g.AddNode("Relu", {x}, {}, 1, "a");
  Node* b = g.AddNode("Neg", {x}, {}, 1, "b");
  b->outputs[0]->producer = a;
  g.AddOutput(b->outputs[0]);
  EXPECT_EQ(VerifyError(g), "Neg 'b': output 'b_out' names a different producer");
}

TEST(Verifier, RejectsConstantShapeMismatch) {
  Graph g;
  Value* w = Weight(g, {2, 3});
  w->shape = Dims{3, 2};
  Node* n = g.AddNode("Relu", {w});
  g.AddOutput(n->outputs[0]);
  EXPECT_EQ(VerifyError(g), "constant 'w' has shape 3x2 but its tensor has shape 2x3");
}

TEST(Verifier, RejectsNegativeDims) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, -5});
  Node* n = g.AddNode("Relu", {x});
  g.AddOutput(n->outputs[0]);
  EXPECT_EQ(VerifyError(g), "value 'x' has a negative dim in shape 1x-5");
}

TEST(Verifier, RejectsWrongAttributeType) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  Node* n = g.AddNode("Conv", {x, Weight(g, {4, 3, 3, 3})}, {{"strides", A::Int(2)}}, 1, "c1");
  g.AddOutput(n->outputs[0]);
  EXPECT_EQ(VerifyError(g), "Conv 'c1': attribute 'strides' is int, expected ints");
}

TEST(Verifier, RejectsMissingRequiredAttributeAndBadInputCount) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1, 3, 8, 8});
  Node* n = g.AddNode("MaxPool", {x}, {}, 1, "pool");
  g.AddOutput(n->outputs[0]);
  EXPECT_EQ(VerifyError(g), "MaxPool 'pool': missing required attribute 'kernel_shape'");
  Graph g2;
  Value* y = g2.AddInput("y", DType::kFloat32, {1});
  Node* add = g2.AddNode("Add", {y}, {}, 1, "add");
  g2.AddOutput(add->outputs[0]);
  EXPECT_EQ(VerifyError(g2), "Add 'add': has 1 inputs, expected 2");
}

TEST(Verifier, RejectsUnproducedGraphOutput) {
  Graph g;
  Value* x = g.AddInput("x", DType::kFloat32, {1});
  Node* n = g.AddNode("Relu", {x});
  Value* out = n->outputs[0];
  g.AddOutput(out);
  g.RemoveNode(n);
  EXPECT_EQ(VerifyError(g), "graph output 'Relu_out' is not produced by any node");
  Graph empty;
  empty.AddInput("x", DType::kFloat32, {1});
  EXPECT_EQ(VerifyError(empty), "graph has no outputs");
}

}  // namespace
}  // namespace pt2tf::ir
