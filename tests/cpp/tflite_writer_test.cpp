// TFLite writer internals: float16 rounding, constant permutation views, Graph::Clone, and the
// written FlatBuffer read back with flatbuffers' verifier (identifier, schema version, empty
// buffer 0, aligned and exact weight bytes, fused conv). Numerical checks against the LiteRT
// interpreter live in tests/python/test_tflite_*.py.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include <gtest/gtest.h>

#include "pt2tf/tflite/tflite_writer.h"
#include "tf/function_def.h"
#include "tflite/model_builder.h"
#include "tflite/translator.h"
#include "tflite_subset_generated.h"

namespace pt2tf {
namespace {

namespace fs = std::filesystem;

Tensor Iota(std::vector<int64_t> shape, float scale = 1.0f) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<std::byte> bytes(n * 4);
  for (int64_t i = 0; i < n; ++i) {
    float f = static_cast<float>(i) * scale;
    std::memcpy(bytes.data() + 4 * i, &f, 4);
  }
  return Tensor::FromBytes(DType::kFloat32, std::move(shape), std::move(bytes)).value();
}

float At(const Tensor& t, int64_t i) { return static_cast<float>(t.ElementAsDouble(i)); }

TEST(TfliteHalf, RoundsToNearestEven) {
  using pt2tf::FloatToHalf;
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);               // rounds up to infinity
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048), 0x3c00);     // tie → even (down)
  EXPECT_EQ(FloatToHalf(1.0f + 3.0f / 2048), 0x3c02);     // tie → even (up)
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_EQ(FloatToHalf(INFINITY), 0x7c00);
  EXPECT_EQ(FloatToHalf(NAN) & 0x7c00, 0x7c00);
  EXPECT_NE(FloatToHalf(NAN) & 0x3ff, 0);
}

TEST(TflitePermuteConst, ViewOfAFinerShapeIsPermutedWithoutACopy) {
  // A [2,3,4] view declared as [6,4] (e.g. a flattened weight), transposed to [4,6].
  Tensor t = Iota({2, 3, 4});
  auto p = tflite::PermuteConst(tflite::ConstView{t, {6, 4}}, {1, 0});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->shape, (ir::Dims{4, 6}));
  EXPECT_EQ(p->data.storage(), t.storage());  // a view
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 6; ++j) EXPECT_EQ(At(p->data, i * 6 + j), j * 4 + i);
}

TEST(TflitePermuteConst, MismatchedGroupingFallsBackToACopy) {
  Tensor t = Iota({4, 3});  // declared [2, 6]: axes do not line up
  auto p = tflite::PermuteConst(tflite::ConstView{t, {2, 6}}, {1, 0});
  ASSERT_TRUE(p.ok()) << p.status().message();
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 2; ++j) EXPECT_EQ(At(p->data, i * 2 + j), j * 6 + i);
}

TEST(GraphClone, SharesWeightsAndIsIndependent) {
  ir::Graph g;
  ir::Value* x = g.AddInput("x", DType::kFloat32, {1, 4});
  ir::Value* w = g.AddInitializer("w", Iota({4, 4}));
  ir::Node* n = g.AddNode("MatMul", {x, w}, {}, 1, "mm");
  g.AddOutput(n->outputs[0]);
  auto c = g.Clone();
  ASSERT_EQ(c->nodes().size(), 1u);
  const ir::Node& cn = *c->nodes()[0];
  EXPECT_NE(&cn, n);
  EXPECT_EQ(cn.inputs[0], c->inputs()[0]);
  EXPECT_EQ(cn.outputs[0], c->outputs()[0]);
  EXPECT_EQ(cn.outputs[0]->producer, &cn);
  EXPECT_EQ(cn.inputs[1]->constant->storage(), w->constant->storage());  // no weight copy
  c->mutable_outputs().clear();
  c->RemoveDeadNodes();
  EXPECT_TRUE(c->nodes().empty());
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.outputs()[0], n->outputs[0]);
}

std::vector<uint8_t> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// input [1,3,4,4] → Conv 3→2 (3x3, pad 1, bias) → Relu → output, written as .tflite.
TEST(TfliteWriter, ConvReluIsOneFusedConvWithStreamedAlignedWeights) {
  ir::Graph g;
  ir::Value* x = g.AddInput("input", DType::kFloat32, {1, 3, 4, 4});
  ir::Value* w = g.AddInitializer("conv.weight", Iota({2, 3, 3, 3}, 0.01f));
  ir::Value* b = g.AddInitializer("conv.bias", Iota({2}));
  ir::Node* conv = g.AddNode(
      "Conv", {x, w, b},
      {{"pads", ir::Attribute::Ints({1, 1, 1, 1})}, {"kernel_shape", ir::Attribute::Ints({3, 3})}},
      1, "conv");
  ir::Node* relu = g.AddNode("Relu", {conv->outputs[0]}, {}, 1, "relu");
  relu->outputs[0]->name = "output";
  g.AddOutput(relu->outputs[0]);

  const fs::path path =
      fs::temp_directory_path() / ("pt2tf_tflite_test_" + std::to_string(::getpid()) + ".tflite");
  tf::TfWriterOptions lowering;
  lowering.input_layout = tf::InputLayout::kNhwc;
  Status s = tflite::WriteTflite(g, path.string(), lowering, {});
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<uint8_t> bytes = ReadFile(path);
  fs::remove(path);

  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  ASSERT_TRUE(::tflite::VerifyModelBuffer(verifier));
  ASSERT_TRUE(::tflite::ModelBufferHasIdentifier(bytes.data()));
  const ::tflite::Model* m = ::tflite::GetModel(bytes.data());
  EXPECT_EQ(m->version(), 3u);
  ASSERT_EQ(m->subgraphs()->size(), 1u);
  const auto* sg = m->subgraphs()->Get(0);
  // Conv + BiasAdd + Relu fused into one op, then the output's TRANSPOSE back to NCHW (graph
  // outputs keep the IR layout).
  ASSERT_EQ(sg->operators()->size(), 2u);
  EXPECT_EQ(m->operator_codes()->Get(sg->operators()->Get(1)->opcode_index())->builtin_code(),
            ::tflite::BuiltinOperator_TRANSPOSE);
  const auto* op = sg->operators()->Get(0);
  EXPECT_EQ(m->operator_codes()->Get(op->opcode_index())->builtin_code(),
            ::tflite::BuiltinOperator_CONV_2D);
  const auto* options = op->builtin_options_as_Conv2DOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->fused_activation_function(), ::tflite::ActivationFunctionType_RELU);
  EXPECT_EQ(options->padding(), ::tflite::Padding_SAME);
  ASSERT_EQ(m->buffers()->Get(0)->data(), nullptr);  // the empty sentinel

  // The filter is OHWI: element [o, h, w, i] = weight[o, i, h, w].
  const auto* filter = sg->tensors()->Get(op->inputs()->Get(1));
  ASSERT_EQ(filter->type(), ::tflite::TensorType_FLOAT32);
  const auto* data = m->buffers()->Get(filter->buffer())->data();
  ASSERT_NE(data, nullptr);
  ASSERT_EQ(data->size(), 2u * 3 * 3 * 3 * 4);
  EXPECT_EQ(static_cast<size_t>(data->data() - bytes.data()) % 64, 0u);
  const float* f = reinterpret_cast<const float*>(data->data());
  for (int o = 0; o < 2; ++o)
    for (int h = 0; h < 3; ++h)
      for (int ww = 0; ww < 3; ++ww)
        for (int i = 0; i < 3; ++i)
          EXPECT_FLOAT_EQ(f[((o * 3 + h) * 3 + ww) * 3 + i],
                          0.01f * (((o * 3 + i) * 3 + h) * 3 + ww));
  ASSERT_EQ(m->signature_defs()->size(), 1u);
  EXPECT_EQ(m->signature_defs()->Get(0)->signature_key()->str(), "serving_default");
  EXPECT_EQ(m->signature_defs()->Get(0)->inputs()->Get(0)->name()->str(), "input");
  EXPECT_EQ(m->signature_defs()->Get(0)->outputs()->Get(0)->name()->str(), "output");
  EXPECT_EQ(g.nodes().size(), 2u);  // the source graph is untouched
}

TEST(FunctionDefNames, GraphOutputIndexInvertsFunctionOutputName) {
  struct Case {
    const char* op;
    int64_t index;
  };
  for (const Case& c : {Case{"Relu", 0}, Case{"TopKV2", 1}, Case{"TopKV2", 0}, Case{"Split", 2},
                        Case{"StatelessWhile", 4}, Case{"FusedBatchNormV3", 0}}) {
    Result<std::string> name = tf::FunctionOutputName("n", c.op, c.index);
    ASSERT_TRUE(name.ok()) << c.op;
    const size_t c1 = name->find(':'), c2 = name->rfind(':');
    Result<int64_t> k = tf::GraphOutputIndex(c.op, name->substr(c1 + 1, c2 - c1 - 1),
                                             std::stoll(name->substr(c2 + 1)));
    ASSERT_TRUE(k.ok()) << *name;
    EXPECT_EQ(*k, c.index) << *name;
  }
  EXPECT_FALSE(tf::GraphOutputIndex("TopKV2", "nope", 0).ok());
  EXPECT_FALSE(tf::GraphOutputIndex("NotAnOp", "y", 0).ok());
}

TEST(TfliteModelBuilder, SubgraphsShareBuffersAndOperatorCodes) {
  tflite::ModelBuilder model;
  const uint32_t weights = model.AddBuffer(Iota({3}));
  auto add_graph = [&](const std::string& name) {
    const int x = model.AddTensor({name + "/x", ::tflite::TensorType_FLOAT32, {3}});
    const int w = model.AddTensor({name + "/w", ::tflite::TensorType_FLOAT32, {3}, weights});
    const int y = model.AddTensor({name + "/y", ::tflite::TensorType_FLOAT32, {3}});
    model.AddOp(::tflite::BuiltinOperator_ADD, {x, w}, {y});
    model.AddInput(x, "x");
    model.AddOutput(y, "y");
  };
  add_graph("main");
  const int sub = model.AddSubgraph("branch");
  EXPECT_EQ(sub, 1);
  EXPECT_EQ(model.current_subgraph(), 0);
  model.SetCurrentSubgraph(sub);
  add_graph("branch");
  EXPECT_EQ(model.tensor_count(), 3u);
  model.SetCurrentSubgraph(0);
  EXPECT_EQ(model.op_count(), 1u);
  Result<std::vector<uint8_t>> bytes = model.Serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  flatbuffers::Verifier verifier(bytes->data(), bytes->size());
  ASSERT_TRUE(::tflite::VerifyModelBuffer(verifier));
  const ::tflite::Model* m = ::tflite::GetModel(bytes->data());
  ASSERT_EQ(m->subgraphs()->size(), 2u);
  EXPECT_EQ(m->subgraphs()->Get(0)->name()->str(), "main");
  EXPECT_EQ(m->subgraphs()->Get(1)->name()->str(), "branch");
  EXPECT_EQ(m->operator_codes()->size(), 1u);  // one ADD code for both
  EXPECT_EQ(m->buffers()->size(), 2u);         // the sentinel and the shared weights
  for (const ::tflite::SubGraph* g : *m->subgraphs()) {
    ASSERT_EQ(g->tensors()->size(), 3u);
    EXPECT_EQ(g->tensors()->Get(1)->buffer(), 1u);
    EXPECT_EQ(g->inputs()->size(), 1u);
    EXPECT_EQ(g->outputs()->size(), 1u);
  }
  ASSERT_EQ(m->signature_defs()->size(), 1u);
  EXPECT_EQ(m->signature_defs()->Get(0)->subgraph_index(), 0u);
}

// One model written with weights inside the FlatBuffer and after it (Buffer.offset/size).
// `big` adds a 4 GiB constant (a zero-stride view of 8 bytes: nothing that size exists).
tflite::ModelBuilder OffsetTestModel(bool big) {
  tflite::ModelBuilder model;
  const int x = model.AddTensor({"x", ::tflite::TensorType_FLOAT32, {3}});
  const int w =
      model.AddTensor({"w", ::tflite::TensorType_FLOAT32, {3}, model.AddBuffer(Iota({3}))});
  const int e =
      model.AddTensor({"empty", ::tflite::TensorType_FLOAT32, {0}, model.AddBuffer(Iota({0}))});
  const int y = model.AddTensor({"y", ::tflite::TensorType_FLOAT32, {3}});
  const int z = model.AddTensor({"z", ::tflite::TensorType_FLOAT32, {3}});
  model.AddOp(::tflite::BuiltinOperator_ADD, {x, w}, {y});
  model.AddOp(::tflite::BuiltinOperator_CONCATENATION, {y, e}, {z});
  if (big) {
    auto storage = Storage::Own(std::vector<std::byte>(8));
    Tensor huge = Tensor::Make(DType::kFloat32, {int64_t{1} << 29, 2}, {0, 1}, 0, storage).value();
    const int h = model.AddTensor(
        {"huge", ::tflite::TensorType_FLOAT32, {int64_t{1} << 29, 2}, model.AddBuffer(huge)});
    const int o = model.AddTensor({"o", ::tflite::TensorType_FLOAT32, {int64_t{1} << 29, 2}});
    model.AddOp(::tflite::BuiltinOperator_RELU, {h}, {o});
    model.AddOutput(o, "o");
  }
  model.AddInput(x, "x");
  model.AddOutput(z, "z");
  return model;
}

TEST(TfliteModelBuilder, OffsetBuffersPointAtAlignedWeightsAfterTheFlatBuffer) {
  const fs::path path =
      fs::temp_directory_path() / ("pt2tf_tflite_offset_" + std::to_string(::getpid()) + ".tflite");
  Status s = OffsetTestModel(false).Write(path.string(), tflite::BufferPlacement::kOffset, {});
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<uint8_t> bytes = ReadFile(path);
  fs::remove(path);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  ASSERT_TRUE(::tflite::VerifyModelBuffer(verifier));
  const ::tflite::Model* m = ::tflite::GetModel(bytes.data());
  ASSERT_EQ(m->buffers()->size(), 3u);  // sentinel, w, empty
  const ::tflite::Buffer* w = m->buffers()->Get(1);
  EXPECT_EQ(w->data(), nullptr);
  ASSERT_EQ(w->size(), 12u);
  EXPECT_EQ(w->offset() % 64, 0u);
  ASSERT_EQ(w->offset() + w->size(), bytes.size());  // the last bytes of the file
  const float* f = reinterpret_cast<const float*>(bytes.data() + w->offset());
  EXPECT_FLOAT_EQ(f[0], 0.0f);
  EXPECT_FLOAT_EQ(f[2], 2.0f);
  // An empty buffer stays an empty inline vector (offset 0 / size 0 would read as none).
  const ::tflite::Buffer* empty = m->buffers()->Get(2);
  ASSERT_NE(empty->data(), nullptr);
  EXPECT_EQ(empty->data()->size(), 0u);
  EXPECT_EQ(empty->offset(), 0u);

  // The inline file of the same model has the same tensors, its weights in Buffer.data.
  Result<std::vector<uint8_t>> inline_bytes = OffsetTestModel(false).Serialize();
  ASSERT_TRUE(inline_bytes.ok());
  const ::tflite::Model* mi = ::tflite::GetModel(inline_bytes->data());
  ASSERT_NE(mi->buffers()->Get(1)->data(), nullptr);
  EXPECT_EQ(mi->buffers()->Get(1)->data()->size(), 12u);
  EXPECT_EQ(mi->buffers()->Get(1)->offset(), 0u);
}

TEST(TfliteModelBuilder, InlineBuffersOverTwoGiBAreRefusedBeforeWriting) {
  const fs::path path =
      fs::temp_directory_path() / ("pt2tf_tflite_inline_" + std::to_string(::getpid()) + ".tflite");
  Status s = OffsetTestModel(true).Write(path.string(), tflite::BufferPlacement::kInline, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("2 GiB"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("--tflite-buffers offset"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace pt2tf
