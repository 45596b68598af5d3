// The float32 runner's planning (order, observer, frees), the range collector's histogram,
// and the .npy parser on hand-made hostile bytes. Numerical kernels are checked against ONNX
// Runtime and PyTorch in tests/python/test_runner*.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "ir_test_util.h"
#include "pt2tf/calib/ranges.h"
#include "pt2tf/io/npy.h"
#include "pt2tf/ir/runner.h"

namespace pt2tf {
namespace {

using ir::run::RunTensor;

// y = Relu(x · W) + 1 with x [1, 2], W [2, 2]; nodes added out of order to test the sort.
std::unique_ptr<ir::Graph> SmallGraph() {
  auto g = std::make_unique<ir::Graph>();
  ir::Value* x = g->AddInput("x", DType::kFloat32, {1, 2});
  ir::Value* w = g->AddInitializer("w", testing::FloatTensor({2, 2}, {1, -2, 3, 4}));
  ir::Value* one = g->AddInitializer("one", testing::FloatTensor({}, {1}));
  ir::Node* mm = g->AddNode("MatMul", {x, w}, {}, 1, "mm");
  ir::Node* relu = g->AddNode("Relu", {mm->outputs[0]}, {}, 1, "relu");
  ir::Node* add = g->AddNode("Add", {relu->outputs[0], one}, {}, 1, "add");
  g->AddOutput(add->outputs[0]);
  return g;
}

TEST(Runner, RunsAGraphAndShowsEveryValueOnce) {
  auto g = SmallGraph();
  std::vector<std::string> seen;
  auto out = ir::run::Run(*g, {RunTensor::Floats({1, 2}, {1, 1})},
                          [&](const ir::Value& v, const RunTensor&) { seen.push_back(v.name); });
  ASSERT_TRUE(out.ok()) << out.status().message();
  // [1, 1] · [[1, -2], [3, 4]] = [4, 2]; relu; + 1.
  EXPECT_EQ(out->at(0).f, (std::vector<float>{5, 3}));
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], "x");
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "x"), 1);
}

TEST(Runner, RejectsWrongInputsAndUnknownOps) {
  auto g = SmallGraph();
  auto wrong = ir::run::Run(*g, {RunTensor::Floats({2, 2}, {1, 1, 1, 1})});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("shape 2x2"), std::string::npos);
  ir::Graph h;
  ir::Value* x = h.AddInput("x", DType::kFloat32, {2});
  h.AddOutput(h.AddNode("NoSuchOp", {x}, {}, 1, "n")->outputs[0]);
  auto refused = ir::run::Runner::Create(h);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("NoSuchOp"), std::string::npos);
}

TEST(Histogram, GrowsWithoutLosingCountsAndFindsQuantiles) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  calib::Histogram h;
  h.counts.assign(2048, 0);
  std::vector<float> all;
  for (float scale : {0.1f, 1.0f, 10.0f}) {  // each batch forces the range to grow
    std::vector<float> v(5000);
    for (float& x : v) x = normal(rng) * scale;
    h.Add(v.data(), v.size());
    all.insert(all.end(), v.begin(), v.end());
  }
  uint64_t total = 0;
  for (uint64_t c : h.counts) total += c;
  EXPECT_EQ(total, all.size());
  std::sort(all.begin(), all.end());
  const double width = 2 * h.limit / 2048;
  for (double q : {0.01, 0.5, 0.99}) {
    const double exact = all[static_cast<size_t>(q * (all.size() - 1))];
    EXPECT_NEAR(h.Quantile(q), exact, 2 * width) << q;
  }
}

std::shared_ptr<const Storage> Bytes(const std::string& s) {
  std::vector<std::byte> b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return Storage::Own(std::move(b));
}

std::string Npy(const std::string& header, const std::string& data) {
  std::string h = header;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + data;
}

TEST(Npy, ParsesAValidArrayAsAView) {
  const std::string data(24, '\0');
  auto t =
      ParseNpy(Bytes(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data)));
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t->dtype(), DType::kFloat32);
}

TEST(Npy, RefusesHostileHeaders) {
  const std::string data(24, '\0');
  const std::pair<std::string, std::string> cases[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", "data bytes"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999, 99999999), }",
       "overflow"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", "non-integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (6,)}", "repeated"},
      {"{'descr': '<f4', 'shape': (2, 3)}", "lacks"},
      {"{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", "not supported"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x", "after"},
      {"{'descr': '<f4 , 'fortran_order': False, 'shape': (2, 3)", "expected"},
  };
  for (const auto& [header, needle] : cases) {
    auto t = ParseNpy(Bytes(Npy(header, data)));
    ASSERT_FALSE(t.ok()) << header;
    EXPECT_NE(t.status().message().find(needle), std::string::npos)
        << header << " -> " << t.status().message();
  }
  auto huge_len = ParseNpy(Bytes(std::string("\x93NUMPY\x01\x00\xff\xff{", 11)));
  ASSERT_FALSE(huge_len.ok());
  EXPECT_NE(huge_len.status().message().find("header length"), std::string::npos);
}

}  // namespace
}  // namespace pt2tf
