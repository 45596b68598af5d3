// The ONNX writer's spliced streaming output, parsed back with libprotobuf, and the reader on
// that output and on corrupt bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "onnx/onnx.pb.h"
#include "onnx/wire_strip.h"
#include "pt2tf/onnx/onnx_reader.h"
#include "pt2tf/onnx/onnx_writer.h"

namespace pt2tf {
namespace {

namespace fs = std::filesystem;
namespace pb = onnx_proto;

std::string TempPath(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("pt2tf_onnx_io_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Tensor FloatTensor(std::vector<int64_t> shape, float start) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<std::byte> bytes(n * 4);
  for (int64_t i = 0; i < n; ++i) {
    float f = start + static_cast<float>(i);
    std::memcpy(bytes.data() + i * 4, &f, 4);
  }
  return Tensor::FromBytes(DType::kFloat32, shape, std::move(bytes)).value();
}

// A 3x4 row-major storage viewed transposed as 4x3 (strides 1,4): not contiguous.
Tensor TransposedView() {
  Tensor base = FloatTensor({3, 4}, 0.0f);
  return Tensor::Make(DType::kFloat32, {4, 3}, {1, 4}, 0, base.storage()).value();
}

// input[2,4] → MatMul(W[4,3] transposed view) → Add(bias[3]) → output
std::unique_ptr<ir::Graph> SmallGraph() {
  auto g = std::make_unique<ir::Graph>();
  ir::Value* x = g->AddInput("input", DType::kFloat32, {2, 4});
  ir::Value* w = g->AddInitializer("weight", TransposedView());
  ir::Value* b = g->AddInitializer("bias", FloatTensor({3}, 100.0f));
  ir::Node* mm = g->AddNode("MatMul", {x, w});
  mm->outputs[0]->shape = ir::Dims{2, 3};
  ir::Node* add = g->AddNode("Add", {mm->outputs[0], b}, {}, 1, "output");
  add->outputs[0]->shape = ir::Dims{2, 3};
  g->AddOutput(add->outputs[0]);
  return g;
}

TEST(OnnxWriter, SplicedFileParsesWithLibprotobuf) {
  auto g = SmallGraph();
  const std::string path = TempPath("small.onnx");
  ASSERT_TRUE(onnx::WriteOnnx(*g, path, {}).ok());
  pb::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(ReadAll(path)));
  EXPECT_EQ(model.ir_version(), 8);
  EXPECT_EQ(model.producer_name(), "pt2tf");
  ASSERT_EQ(model.opset_import_size(), 1);
  EXPECT_EQ(model.opset_import(0).version(), 17);
  const pb::GraphProto& graph = model.graph();
  ASSERT_EQ(graph.node_size(), 2);
  EXPECT_EQ(graph.node(0).op_type(), "MatMul");
  ASSERT_EQ(graph.input_size(), 1);
  EXPECT_EQ(graph.input(0).name(), "input");
  EXPECT_EQ(graph.input(0).type().tensor_type().shape().dim_size(), 2);
  ASSERT_EQ(graph.output_size(), 1);
  EXPECT_EQ(graph.output(0).name(), graph.node(1).output(0));
  ASSERT_EQ(graph.value_info_size(), 1);  // the MatMul result, with its inferred shape
  EXPECT_EQ(graph.value_info(0).type().tensor_type().shape().dim(1).dim_value(), 3);
  ASSERT_EQ(graph.initializer_size(), 2);
  for (const pb::TensorProto& t : graph.initializer()) {
    EXPECT_TRUE(t.has_raw_data());
    EXPECT_EQ(t.float_data_size(), 0);
  }
}

TEST(OnnxWriter, NonContiguousInitializerIsWrittenInCOrder) {
  auto g = SmallGraph();
  const std::string path = TempPath("strided.onnx");
  ASSERT_TRUE(onnx::WriteOnnx(*g, path, {}).ok());
  pb::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(ReadAll(path)));
  const pb::TensorProto* weight = nullptr;
  for (const pb::TensorProto& t : model.graph().initializer())
    if (t.name() == "weight") weight = &t;
  ASSERT_NE(weight, nullptr);
  ASSERT_EQ(weight->dims_size(), 2);
  EXPECT_EQ(weight->dims(0), 4);
  EXPECT_EQ(weight->dims(1), 3);
  ASSERT_EQ(weight->raw_data().size(), 12u * 4);
  // Element [i][j] of the transposed view is base[j][i] = j*4 + i.
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) {
      float f;
      std::memcpy(&f, weight->raw_data().data() + (i * 3 + j) * 4, 4);
      EXPECT_EQ(f, static_cast<float>(j * 4 + i)) << i << "," << j;
    }
}

TEST(OnnxWriter, LargeStridedTensorStreamsInManyChunks) {
  // 256x300 viewed transposed: columns are gathered run by run across buffer refills.
  Tensor base = FloatTensor({256, 300}, 0.0f);
  Tensor view = Tensor::Make(DType::kFloat32, {300, 256}, {1, 300}, 0, base.storage()).value();
  ir::Graph g;
  ir::Value* x = g.AddInput("input", DType::kFloat32, {1, 300});
  ir::Node* mm = g.AddNode("MatMul", {x, g.AddInitializer("w", view)});
  g.AddOutput(mm->outputs[0]);
  const std::string path = TempPath("large.onnx");
  ASSERT_TRUE(onnx::WriteOnnx(g, path, {}).ok());
  pb::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(ReadAll(path)));
  const std::string& raw = model.graph().initializer(0).raw_data();
  ASSERT_EQ(raw.size(), 300u * 256 * 4);
  for (int i : {0, 1, 299})
    for (int j : {0, 17, 255}) {
      float f;
      std::memcpy(&f, raw.data() + (i * 256 + j) * 4, 4);
      EXPECT_EQ(f, static_cast<float>(j * 300 + i));
    }
}

TEST(OnnxWriter, ReaderGetsTheSameWeightsBack) {
  auto g = SmallGraph();
  const std::string path = TempPath("back.onnx");
  ASSERT_TRUE(onnx::WriteOnnx(*g, path, {}).ok());
  auto read = onnx::ReadOnnx(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ir::Graph& back = **read;
  EXPECT_EQ(back.opset(), 21);
  ASSERT_EQ(back.inputs().size(), 1u);
  EXPECT_EQ(back.inputs()[0]->name, "input");
  const ir::Value* w = back.FindValue("weight");
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->is_constant());
  Tensor expected = TransposedView();
  ASSERT_EQ(w->constant->numel(), expected.numel());
  for (int64_t i = 0; i < expected.numel(); ++i)
    EXPECT_EQ(w->constant->ElementAsDouble(i), expected.ElementAsDouble(i));
}

TEST(OnnxWriter, LoweringTurnsAxesInputIntoAttribute) {
  ir::Graph g;
  ir::Value* x = g.AddInput("input", DType::kFloat32, {2, 3, 4});
  std::vector<std::byte> axes(8);
  int64_t one = 1;
  std::memcpy(axes.data(), &one, 8);
  ir::Value* a = g.AddInitializer("axes", Tensor::FromBytes(DType::kInt64, {1}, axes).value());
  ir::Node* r = g.AddNode("ReduceMean", {x, a}, {{"keepdims", ir::Attribute::Int(0)}});
  g.AddOutput(r->outputs[0]);
  const std::string path = TempPath("reduce.onnx");
  ASSERT_TRUE(onnx::WriteOnnx(g, path, {.opset = 13}).ok());
  pb::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(ReadAll(path)));
  EXPECT_EQ(model.ir_version(), 7);
  const pb::NodeProto& n = model.graph().node(0);
  EXPECT_EQ(n.input_size(), 1);
  bool has_axes = false;
  for (const pb::AttributeProto& at : n.attribute())
    if (at.name() == "axes") has_axes = at.ints_size() == 1 && at.ints(0) == 1;
  EXPECT_TRUE(has_axes);
  EXPECT_EQ(model.graph().initializer_size(), 0);  // the axes tensor is no longer needed

  ASSERT_TRUE(onnx::WriteOnnx(g, path, {.opset = 18}).ok());
  ASSERT_TRUE(model.ParseFromString(ReadAll(path)));
  EXPECT_EQ(model.graph().node(0).input_size(), 2);
}

TEST(OnnxWriter, RefusalLeavesNoFile) {
  ir::Graph g;
  ir::Value* x = g.AddInput("input", DType::kFloat32, {2});
  ir::Node* n = g.AddNode("Trilu", {x});
  g.AddOutput(n->outputs[0]);
  const std::string path = TempPath("refused.onnx");
  fs::remove(path);
  Status s = onnx::WriteOnnx(g, path, {.opset = 13});
  EXPECT_EQ(s.kind(), ErrorKind::kUnsupported);
  EXPECT_NE(s.message().find("Trilu"), std::string::npos);
  EXPECT_FALSE(fs::exists(path));
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    EXPECT_EQ(e.path().filename().string().find("refused.onnx.tmp"), std::string::npos);
}

TEST(OnnxWriter, BadOpsetIsUsageError) {
  auto g = SmallGraph();
  EXPECT_EQ(onnx::WriteOnnx(*g, TempPath("x.onnx"), {.opset = 12}).kind(), ErrorKind::kUsage);
  EXPECT_EQ(onnx::WriteOnnx(*g, TempPath("x.onnx"), {.opset = 22}).kind(), ErrorKind::kUsage);
}

TEST(OnnxWriter, IrVersionTable) {
  EXPECT_EQ(onnx::IrVersionForOpset(13), 7);
  EXPECT_EQ(onnx::IrVersionForOpset(14), 7);
  EXPECT_EQ(onnx::IrVersionForOpset(15), 8);
  EXPECT_EQ(onnx::IrVersionForOpset(18), 8);
  EXPECT_EQ(onnx::IrVersionForOpset(19), 9);
  EXPECT_EQ(onnx::IrVersionForOpset(20), 9);
  EXPECT_EQ(onnx::IrVersionForOpset(21), 10);
}

TEST(OnnxReader, CorruptFilesGiveOneLineErrors) {
  auto g = SmallGraph();
  const std::string good = TempPath("good.onnx");
  ASSERT_TRUE(onnx::WriteOnnx(*g, good, {}).ok());
  const std::string bytes = ReadAll(good);
  std::mt19937 rng(1);
  const std::string bad = TempPath("bad.onnx");
  // Every truncation point and many random byte flips: an error or a graph, never a crash.
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    std::ofstream(bad, std::ios::binary) << bytes.substr(0, cut);
    auto r = onnx::ReadOnnx(bad);
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().rfind(bad, 0), 0u) << r.status().message();
      EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
    }
  }
  for (int i = 0; i < 300; ++i) {
    std::string mutated = bytes;
    for (int k = 0; k < 3; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    std::ofstream(bad, std::ios::binary) << mutated;
    auto r = onnx::ReadOnnx(bad);
    if (!r.ok()) EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  }
}

TEST(OnnxReader, RawDataSizeMismatchIsRefused) {
  pb::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  pb::GraphProto* g = model.mutable_graph();
  pb::TensorProto* t = g->add_initializer();
  t->set_name("w");
  t->set_data_type(1);
  t->add_dims(1000000);  // claims 4 MB
  t->set_raw_data(std::string(16, '\0'));
  pb::NodeProto* n = g->add_node();
  n->set_op_type("Identity");
  n->add_input("w");
  n->add_output("output");
  pb::ValueInfoProto* out = g->add_output();
  out->set_name("output");
  const std::string path = TempPath("lying.onnx");
  std::ofstream(path, std::ios::binary) << model.SerializeAsString();
  auto r = onnx::ReadOnnx(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("initializer 'w': raw_data has 16 bytes"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace pt2tf

namespace pt2tf::onnx {
namespace {

namespace pb = ::pt2tf::onnx_proto;

TEST(WireStrip, InitializerBytesStayInPlace) {
  pb::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  pb::GraphProto* g = model.mutable_graph();
  g->set_name("g");
  for (int i = 0; i < 3; ++i) {
    pb::TensorProto* t = g->add_initializer();
    t->set_name("t" + std::to_string(i));
    t->set_data_type(2);  // uint8
    t->add_dims(1000 * (i + 1));
    if (i != 1) t->set_raw_data(std::string(1000 * (i + 1), static_cast<char>('a' + i)));
    if (i == 1)
      for (int k = 0; k < 2000; ++k) t->add_int32_data(k % 256);
  }
  const std::string bytes = model.SerializeAsString();
  ByteSpan span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  auto stripped = StripInitializerData(span);
  ASSERT_TRUE(stripped.ok()) << stripped.status().message();
  // The 4000 raw bytes are gone; int32_data stays.
  EXPECT_LE(stripped->metadata.size() + 4000, bytes.size());
  ASSERT_EQ(stripped->raw_data.size(), 3u);
  ASSERT_TRUE(stripped->raw_data[0] && stripped->raw_data[2]);
  EXPECT_FALSE(stripped->raw_data[1]);
  for (int i : {0, 2}) {
    const ByteSpan raw = *stripped->raw_data[i];
    EXPECT_GE(raw.data(), span.data());
    EXPECT_LE(raw.data() + raw.size(), span.data() + span.size());
    EXPECT_EQ(raw.size(), 1000u * (i + 1));
    EXPECT_EQ(static_cast<char>(raw[0]), 'a' + i);
  }
  pb::ModelProto back;
  ASSERT_TRUE(back.ParseFromString(stripped->metadata));
  EXPECT_EQ(back.graph().name(), "g");
  EXPECT_TRUE(back.graph().initializer(0).has_raw_data());
  EXPECT_TRUE(back.graph().initializer(0).raw_data().empty());
  EXPECT_EQ(back.graph().initializer(1).int32_data_size(), 2000);
}

TEST(WireStrip, MalformedLengthsAreErrors) {
  // tag(7, length-delimited), length 100, but only 2 bytes follow.
  const std::string bytes = std::string("\x3a\x64", 2) + "ab";
  auto r = StripInitializerData(
      ByteSpan(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("claims 100 bytes"), std::string::npos);
  const std::string varint("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
  EXPECT_FALSE(StripInitializerData(
                   ByteSpan(reinterpret_cast<const std::byte*>(varint.data()), varint.size()))
                   .ok());
}

}  // namespace
}  // namespace pt2tf::onnx
