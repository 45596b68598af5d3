// torch.cond in the .pt2 program JSON: branch graphs parse recursively into GraphBody, and
// the recursion is bounded even when the JSON itself is not (the archive's depth cap is only
// one guard; ParseProgram must stand on its own).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pt2/program_json.h"

namespace pt2tf::pt2 {
namespace {

using Json = nlohmann::json;

Json Meta() {
  return Json{{"dtype", 7},
              {"sizes", Json::array({Json{{"as_int", 2}}})},
              {"strides", Json::array({Json{{"as_int", 1}}})},
              {"storage_offset", Json{{"as_int", 0}}}};
}

Json TensorArg(const std::string& name) { return Json{{"as_tensor", {{"name", name}}}}; }

// A graph returning relu(x), or (depth > 0) cond(x, g, leaf, (x,)) with g of depth - 1.
Json GraphJson(int depth) {
  Json node;
  if (depth == 0) {
    node = {{"target", "torch.ops.aten.relu.default"},
            {"inputs", Json::array({{{"name", "self"}, {"arg", TensorArg("x")}}})},
            {"outputs", Json::array({TensorArg("y")})}};
  } else {
    const Json branch = {{"as_graph", {{"name", "true_graph_0"}, {"graph", GraphJson(depth - 1)}}}};
    const Json leaf = {{"as_graph", {{"name", "false_graph_0"}, {"graph", GraphJson(0)}}}};
    node = {
        {"target", "torch.ops.higher_order.cond"},
        {"inputs",
         Json::array({{{"name", ""}, {"arg", TensorArg("x")}},
                      {{"name", ""}, {"arg", branch}},
                      {{"name", ""}, {"arg", leaf}},
                      {{"name", ""}, {"arg", {{"as_tensors", Json::array({{{"name", "x"}}})}}}}})},
        {"outputs", Json::array({TensorArg("y")})}};
  }
  return {{"inputs", Json::array({TensorArg("x")})},
          {"outputs", Json::array({TensorArg("y")})},
          {"nodes", Json::array({node})},
          {"tensor_values", {{"x", Meta()}, {"y", Meta()}}}};
}

Json ProgramJson(int depth) {
  Json sig = {{"input_specs", Json::array({{{"user_input", {{"arg", TensorArg("x")}}}}})},
              {"output_specs", Json::array({{{"user_output", {{"arg", TensorArg("y")}}}}})}};
  return {{"graph_module", {{"graph", GraphJson(depth)}, {"signature", sig}}}};
}

TEST(Pt2Cond, BranchGraphsParseRecursively) {
  Result<Program> p = ParseProgram(ProgramJson(3));
  ASSERT_TRUE(p.ok()) << p.status().message();
  const GraphBody* g = nullptr;
  const Node* node = &p->nodes.at(0);
  for (int level = 0; level < 3; ++level) {
    ASSERT_EQ(node->target, "torch.ops.higher_order.cond");
    ASSERT_EQ(node->inputs.size(), 4u);
    ASSERT_EQ(node->inputs[1].arg.kind, ArgKind::kGraph);
    EXPECT_EQ(node->inputs[1].arg.name, "true_graph_0");
    g = node->inputs[1].arg.graph.get();
    ASSERT_NE(g, nullptr);
    ASSERT_EQ(g->inputs.size(), 1u);
    EXPECT_EQ(g->tensor_values.count("x"), 1u);
    node = &g->nodes.at(0);
  }
  EXPECT_EQ(node->target, "torch.ops.aten.relu.default");
}

TEST(Pt2Cond, NestingIsBounded) {
  EXPECT_TRUE(ParseProgram(ProgramJson(16)).ok());
  Result<Program> p = ParseProgram(ProgramJson(17));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("graphs nest too deeply"), std::string::npos)
      << p.status().message();
}

TEST(Pt2Cond, BadBranchTypesAreErrors) {
  Json j = ProgramJson(1);
  j["graph_module"]["graph"]["nodes"][0]["inputs"][1]["arg"]["as_graph"]["graph"]["nodes"] = 3;
  Result<Program> p = ParseProgram(j);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("as_graph.graph.nodes: is not an array"), std::string::npos)
      << p.status().message();
}

}  // namespace
}  // namespace pt2tf::pt2
