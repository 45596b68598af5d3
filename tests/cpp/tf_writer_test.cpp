// TF writer internals: layout arithmetic, the spliced GraphDef wire format (read back with
// our own protos), Conv+BN folding numerics, atomic outputs and refusals. The numerical
// comparison with TensorFlow itself lives in tests/python/test_tf_writer.py.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pt2tf/ir/passes.h"
#include "pt2tf/passes/fold_batchnorm.h"
#include "pt2tf/passes/fold_pad_into_conv.h"
#include "pt2tf/passes/recurrent_to_loop.h"
#include "pt2tf/tf/tf_writer.h"
#include "tensorflow/graph.pb.h"
#include "tensorflow/saved_model.pb.h"
#include "tf/layout.h"

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

ir::Value* Add(ir::Graph& g, const std::string& op, std::vector<ir::Value*> in, ir::Dims shape,
               ir::AttributeMap attrs = {}, const std::string& name = "") {
  ir::Node* n = g.AddNode(op, std::move(in), std::move(attrs), 1, name);
  n->outputs[0]->shape = std::move(shape);
  return n->outputs[0];
}

// input [1,3,4,4] → Conv 3→2 (3x3, pad 1) → Relu → Flatten → Gemm (32→5) → output
std::unique_ptr<ir::Graph> SmallCnn() {
  auto g = std::make_unique<ir::Graph>();
  ir::Value* x = g->AddInput("input", DType::kFloat32, {1, 3, 4, 4});
  ir::Value* w = g->AddInitializer("conv.weight", Iota({2, 3, 3, 3}, 0.01f));
  ir::Value* b = g->AddInitializer("conv.bias", Iota({2}));
  ir::Value* y = Add(
      *g, "Conv", {x, w, b}, {1, 2, 4, 4},
      {{"pads", ir::Attribute::Ints({1, 1, 1, 1})}, {"kernel_shape", ir::Attribute::Ints({3, 3})}},
      "conv");
  y = Add(*g, "Relu", {y}, {1, 2, 4, 4});
  y = Add(*g, "Flatten", {y}, {1, 32});
  ir::Value* fw = g->AddInitializer("fc.weight", Iota({5, 32}));
  ir::Value* fb = g->AddInitializer("fc.bias", Iota({5}));
  y = Add(*g, "Gemm", {y, fw, fb}, {1, 5}, {{"transB", ir::Attribute::Int(1)}}, "fc");
  y->name = "output";
  g->AddOutput(y);
  return g;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("pt2tf_tf_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

const tensorflow::NodeDef* Find(const tensorflow::GraphDef& g, const std::string& name) {
  for (const auto& n : g.node())
    if (n.name() == name) return &n;
  return nullptr;
}

int Count(const tensorflow::GraphDef& g, const std::string& op) {
  int c = 0;
  for (const auto& n : g.node()) c += n.op() == op;
  return c;
}

float FloatAt(const tensorflow::TensorProto& t, int64_t i) {
  float f;
  std::memcpy(&f, t.tensor_content().data() + 4 * i, 4);
  return f;
}

TEST(TfLayout, RelativeAndPureReshape) {
  using tf::Perm;
  // NHWC tensor back to NCHW.
  EXPECT_EQ(tf::Relative(tf::ChannelsLast(4), {}, 4), (Perm{0, 3, 1, 2}));
  EXPECT_EQ(tf::Relative({}, tf::ChannelsLast(4), 4), (Perm{0, 2, 3, 1}));
  EXPECT_EQ(tf::Inverse({0, 2, 3, 1}), (Perm{0, 3, 1, 2}));
  EXPECT_EQ(tf::TfAxis(tf::ChannelsLast(4), 1), 3);
  // [N,1,1,C] in NHWC has NCHW's element order; [N,2,2,C] does not.
  EXPECT_TRUE(tf::IsPureReshape({1, 1, 1, 8}, {0, 3, 1, 2}));
  EXPECT_FALSE(tf::IsPureReshape({1, 2, 2, 8}, {0, 3, 1, 2}));
}

TEST(TfWriter, FrozenGraphHasPlaceholderPermutedConstsAndOneTranspose) {
  TempDir dir;
  auto g = SmallCnn();
  const fs::path pb = dir.path() / "m.pb";
  ASSERT_TRUE(tf::WriteFrozenGraph(*g, pb, {}).ok());
  tensorflow::GraphDef gd;
  ASSERT_TRUE(gd.ParseFromString(ReadFile(pb)));
  const tensorflow::NodeDef* in = Find(gd, "input");
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->op(), "Placeholder");
  ASSERT_EQ(in->attr().at("shape").shape().dim_size(), 4);
  EXPECT_EQ(in->attr().at("shape").shape().dim(1).size(), 3);
  const tensorflow::NodeDef* out = Find(gd, "output");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->op(), "Identity");
  EXPECT_EQ(Count(gd, "Transpose"), 1);
  EXPECT_EQ(Count(gd, "Conv2D"), 1);
  EXPECT_EQ(gd.versions().producer(), 1286);
  // Conv weight as HWIO: element [h][w][i][o] = OIHW[o][i][h][w] = 0.01 * (((o*3+i)*3+h)*3+w).
  const tensorflow::NodeDef* w = Find(gd, "conv.weight");
  ASSERT_NE(w, nullptr);
  const auto& t = w->attr().at("value").tensor();
  ASSERT_EQ(t.tensor_shape().dim_size(), 4);
  EXPECT_EQ(t.tensor_shape().dim(0).size(), 3);
  EXPECT_EQ(t.tensor_shape().dim(3).size(), 2);
  ASSERT_EQ(t.tensor_content().size(), 2u * 3 * 3 * 3 * 4);
  for (int h = 0; h < 3; ++h)
    for (int wi = 0; wi < 3; ++wi)
      for (int i = 0; i < 3; ++i)
        for (int o = 0; o < 2; ++o)
          ASSERT_FLOAT_EQ(FloatAt(t, ((h * 3 + wi) * 3 + i) * 2 + o),
                          0.01f * static_cast<float>(((o * 3 + i) * 3 + h) * 3 + wi));
  // The Gemm weight's K rows follow the NHWC flatten: row (h, w, c) of the TF matrix is
  // row c*16 + h*4 + w of the PyTorch one.
  const tensorflow::NodeDef* fw = Find(gd, "fc.weight");
  ASSERT_NE(fw, nullptr);
  const auto& ft = fw->attr().at("value").tensor();
  ASSERT_EQ(ft.tensor_shape().dim_size(), 2);
  EXPECT_EQ(ft.tensor_shape().dim(0).size(), 5);
  for (int n = 0; n < 5; ++n)
    for (int h = 0; h < 4; ++h)
      for (int wi = 0; wi < 4; ++wi)
        for (int c = 0; c < 2; ++c)
          ASSERT_FLOAT_EQ(FloatAt(ft, n * 32 + (h * 4 + wi) * 2 + c),
                          static_cast<float>(n * 32 + c * 16 + h * 4 + wi));
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"m.pb"});
}

TEST(TfWriter, NhwcInputNeedsNoTranspose) {
  TempDir dir;
  auto g = SmallCnn();
  tf::TfWriterOptions options;
  options.input_layout = tf::InputLayout::kNhwc;
  ASSERT_TRUE(tf::WriteFrozenGraph(*g, dir.path() / "m.pb", options).ok());
  tensorflow::GraphDef gd;
  ASSERT_TRUE(gd.ParseFromString(ReadFile(dir.path() / "m.pb")));
  EXPECT_EQ(Count(gd, "Transpose"), 0);
  EXPECT_EQ(Find(gd, "input")->attr().at("shape").shape().dim(3).size(), 3);
}

TEST(TfWriter, SavedModelHasServingSignature) {
  TempDir dir;
  auto g = SmallCnn();
  const fs::path out = dir.path() / "saved";
  ASSERT_TRUE(tf::WriteSavedModel(*g, out.string() + "/", {}).ok());
  EXPECT_TRUE(fs::is_directory(out / "variables"));
  tensorflow::SavedModel sm;
  ASSERT_TRUE(sm.ParseFromString(ReadFile(out / "saved_model.pb")));
  EXPECT_EQ(sm.saved_model_schema_version(), 1);
  ASSERT_EQ(sm.meta_graphs_size(), 1);
  const auto& meta = sm.meta_graphs(0);
  ASSERT_EQ(meta.meta_info_def().tags_size(), 1);
  EXPECT_EQ(meta.meta_info_def().tags(0), "serve");
  const auto& sig = meta.signature_def().at("serving_default");
  EXPECT_EQ(sig.method_name(), "tensorflow/serving/predict");
  EXPECT_EQ(sig.inputs().at("input").name(), "input:0");
  EXPECT_EQ(sig.outputs().at("output").name(), "output:0");
  EXPECT_EQ(sig.outputs().at("output").tensor_shape().dim(1).size(), 5);
  EXPECT_GT(meta.graph_def().node_size(), 5);
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"saved"});
}

// A second TF output of the same graph copies the GraphDef bytes the first one wrote (either
// order), and streams as usual when the recorded range is gone or of another size.
TEST(TfWriter, SecondOutputCopiesTheGraphDefTheFirstWrote) {
  TempDir dir;
  auto g = SmallCnn();
  const fs::path pb = dir.path() / "m.pb";
  tf::GraphDefFile from_pb;
  tf::TfWriterOptions first;
  first.graphdef_written = &from_pb;
  ASSERT_TRUE(tf::WriteFrozenGraph(*g, pb.string(), first).ok());
  EXPECT_EQ(from_pb.path, pb.string());
  EXPECT_EQ(from_pb.offset, 0u);
  EXPECT_EQ(from_pb.size, fs::file_size(pb));
  ASSERT_TRUE(tf::WriteSavedModel(*g, (dir.path() / "alone").string() + "/", {}).ok());
  const std::string alone = ReadFile(dir.path() / "alone" / "saved_model.pb");

  tf::TfWriterOptions copy;
  copy.copy_graphdef_from = from_pb;
  tf::GraphDefFile from_saved;
  copy.graphdef_written = &from_saved;
  ASSERT_TRUE(tf::WriteSavedModel(*g, (dir.path() / "copied").string() + "/", copy).ok());
  EXPECT_EQ(ReadFile(dir.path() / "copied" / "saved_model.pb"), alone);
  EXPECT_EQ(from_saved.size, from_pb.size);
  EXPECT_EQ(from_saved.offset + from_saved.size, alone.size());

  // The bytes really come from the recorded file: a same-size file with one byte changed
  // shows up in the output.
  std::string changed = ReadFile(pb);
  changed[changed.size() / 2] ^= 0x5a;
  const fs::path fake = dir.path() / "fake.pb";
  std::ofstream(fake, std::ios::binary) << changed;
  copy.copy_graphdef_from =
      tf::GraphDefFile{fake.string(), 0, from_pb.size, tf::FileIdentity(fake.string())};
  copy.graphdef_written = nullptr;
  ASSERT_TRUE(tf::WriteSavedModel(*g, (dir.path() / "fake").string() + "/", copy).ok());
  const std::string got = ReadFile(dir.path() / "fake" / "saved_model.pb");
  EXPECT_EQ(got.substr(got.size() - from_pb.size), changed);

  // The other way round: a .pb from the SavedModel's range.
  copy.copy_graphdef_from = from_saved;
  ASSERT_TRUE(tf::WriteFrozenGraph(*g, (dir.path() / "again.pb").string(), copy).ok());
  EXPECT_EQ(ReadFile(dir.path() / "again.pb"), ReadFile(pb));

  // A range of another size, a file replaced since it was recorded (another inode, as when a
  // later output rewrote it), or a file that is gone: streamed, same bytes.
  const tf::GraphDefFile recorded{fake.string(), 0, from_pb.size, tf::FileIdentity(fake.string())};
  copy.copy_graphdef_from = recorded;
  copy.copy_graphdef_from->size -= 1;
  ASSERT_TRUE(tf::WriteFrozenGraph(*g, (dir.path() / "short.pb").string(), copy).ok());
  EXPECT_EQ(ReadFile(dir.path() / "short.pb"), ReadFile(pb));
  const fs::path replacement = dir.path() / "replacement.pb";
  std::ofstream(replacement, std::ios::binary) << changed;
  fs::rename(replacement, fake);
  copy.copy_graphdef_from = recorded;
  ASSERT_TRUE(tf::WriteFrozenGraph(*g, (dir.path() / "replaced.pb").string(), copy).ok());
  EXPECT_EQ(ReadFile(dir.path() / "replaced.pb"), ReadFile(pb));
  copy.copy_graphdef_from =
      tf::GraphDefFile{(dir.path() / "gone.pb").string(), 0, from_pb.size, "0:0:0:0.0"};
  ASSERT_TRUE(tf::WriteFrozenGraph(*g, (dir.path() / "gone_copy.pb").string(), copy).ok());
  EXPECT_EQ(ReadFile(dir.path() / "gone_copy.pb"), ReadFile(pb));
}

TEST(TfWriter, OversizedGraphIsRefusedAndNothingWritten) {
  TempDir dir;
  auto g = SmallCnn();
  tf::TfWriterOptions options;
  options.max_graph_bytes = 100;
  Status s = tf::WriteFrozenGraph(*g, dir.path() / "big.pb", options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("2 GiB"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("big.pb"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("SavedModel"), std::string::npos) << s.message();
  EXPECT_TRUE(dir.Entries().empty());
}

// A Gemm with 10 KB of weights: over the 1 KiB a Const needs to become a variable.
std::unique_ptr<ir::Graph> WideFc() {
  auto g = std::make_unique<ir::Graph>();
  ir::Value* x = g->AddInput("input", DType::kFloat32, {1, 512});
  ir::Value* w = g->AddInitializer("fc.weight", Iota({5, 512}, 0.01f));
  ir::Value* b = g->AddInitializer("fc.bias", Iota({5}));
  ir::Value* y = Add(*g, "Gemm", {x, w, b}, {1, 5}, {{"transB", ir::Attribute::Int(1)}}, "fc");
  y->name = "output";
  g->AddOutput(y);
  return g;
}

TEST(TfWriter, SavedModelOverTheLimitMovesWeightsToVariablesUnlessInline) {
  TempDir dir;
  auto g = WideFc();
  tf::TfWriterOptions options;
  options.max_graph_bytes = 4096;  // the graph fits, its 10 KB of weights do not
  options.saved_model_weights = tf::SavedModelWeights::kInline;
  Status s = tf::WriteSavedModel(*g, (dir.path() / "inl").string() + "/", options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--saved-model-weights variables"), std::string::npos) << s.message();
  EXPECT_TRUE(dir.Entries().empty());

  // Auto: over the limit inline, so the weights go to variables/.
  options.saved_model_weights = tf::SavedModelWeights::kAuto;
  ASSERT_TRUE(tf::WriteSavedModel(*g, (dir.path() / "auto").string(), options).ok());
  EXPECT_TRUE(fs::exists(dir.path() / "auto/variables/variables.index"));
  EXPECT_TRUE(fs::exists(dir.path() / "auto/variables/variables.data-00000-of-00001"));
  tensorflow::SavedModel sm;
  std::ifstream in(dir.path() / "auto/saved_model.pb", std::ios::binary);
  ASSERT_TRUE(sm.ParseFromIstream(&in));
  const auto& meta = sm.meta_graphs(0);
  EXPECT_EQ(meta.saver_def().restore_op_name(), "save/restore_all");
  EXPECT_GT(meta.collection_def().at("variables").bytes_list().value_size(), 0);
  for (const auto& node : meta.graph_def().node())
    if (node.op() == "Const")
      EXPECT_LT(node.attr().at("value").tensor().tensor_content().size(), 1024u) << node.name();
}

TEST(TfWriter, UnsupportedOpNamesNodeAndLeavesNothing) {
  TempDir dir;
  ir::Graph g;
  ir::Value* x = g.AddInput("x", DType::kFloat32, {2, 2});
  ir::Value* y = Add(g, "Det", {x}, {}, {}, "my_det");
  g.AddOutput(y);
  Status s = tf::WriteFrozenGraph(g, dir.path() / "d.pb", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kUnsupported);
  EXPECT_NE(s.message().find("Det 'my_det'"), std::string::npos) << s.message();
  s = tf::WriteSavedModel(g, (dir.path() / "d_saved").string() + "/", {});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(TfWriter, RefusesToReplaceForeignDirectory) {
  TempDir dir;
  fs::create_directories(dir.path() / "out");
  std::ofstream(dir.path() / "out" / "keep.txt") << "x";
  auto g = SmallCnn();
  Status s = tf::WriteSavedModel(*g, (dir.path() / "out").string(), {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("keep.txt"), std::string::npos) << s.message();
  EXPECT_TRUE(fs::exists(dir.path() / "out" / "keep.txt"));
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"out"});
}

TEST(FoldBatchNorm, FoldsScaleAndShiftIntoConv) {
  ir::Graph g;
  ir::Value* x = g.AddInput("x", DType::kFloat32, {1, 1, 3, 3});
  ir::Value* w = g.AddInitializer("w", Iota({2, 1, 1, 1}, 1.0f));  // weights 0, 1
  ir::Value* b = g.AddInitializer("b", Iota({2}, 0.5f));           // bias 0, 0.5
  ir::Value* y = Add(g, "Conv", {x, w, b}, {1, 2, 3, 3}, {}, "conv");
  auto vec = [&](const std::string& n, float a, float c) {
    std::vector<std::byte> bytes(8);
    std::memcpy(bytes.data(), &a, 4);
    std::memcpy(bytes.data() + 4, &c, 4);
    return g.AddInitializer(n, Tensor::FromBytes(DType::kFloat32, {2}, std::move(bytes)).value());
  };
  ir::Value* gamma = vec("gamma", 2.0f, 3.0f);
  ir::Value* beta = vec("beta", 0.25f, -1.0f);
  ir::Value* mean = vec("mean", 1.0f, 2.0f);
  ir::Value* var = vec("var", 4.0f, 0.25f);
  ir::Value* z = Add(g, "BatchNormalization", {y, gamma, beta, mean, var}, {1, 2, 3, 3},
                     {{"epsilon", ir::Attribute::Float(0.0f)}}, "bn");
  z->name = "out";
  g.AddOutput(z);
  auto folded = passes::FoldBatchNorm(g);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(*folded, 1u);
  ASSERT_EQ(g.nodes().size(), 1u);
  const ir::Node& conv = *g.nodes()[0];
  EXPECT_EQ(conv.op_type, "Conv");
  EXPECT_EQ(conv.outputs[0], z);  // the output keeps its name
  // s = gamma / sqrt(var) = (1, 6); w' = w * s = (0, 6); b' = (b - mean) * s + beta.
  const Tensor& nw = *conv.inputs[1]->constant;
  const Tensor& nb = *conv.inputs[2]->constant;
  EXPECT_FLOAT_EQ(nw.ElementAsDouble(0), 0.0);
  EXPECT_FLOAT_EQ(nw.ElementAsDouble(1), 6.0);
  EXPECT_FLOAT_EQ(nb.ElementAsDouble(0), (0.0 - 1.0) * 1.0 + 0.25);
  EXPECT_FLOAT_EQ(nb.ElementAsDouble(1), (0.5 - 2.0) * 6.0 - 1.0);
}

TEST(FoldBatchNorm, LeavesSharedConvOutputAlone) {
  ir::Graph g;
  ir::Value* x = g.AddInput("x", DType::kFloat32, {1, 1, 2, 2});
  ir::Value* w = g.AddInitializer("w", Iota({1, 1, 1, 1}));
  ir::Value* y = Add(g, "Conv", {x, w}, {1, 1, 2, 2});
  ir::Value* p = g.AddInitializer("p", Iota({1}, 1.0f));
  ir::Value* z = Add(g, "BatchNormalization", {y, p, p, p, p}, {1, 1, 2, 2});
  g.AddOutput(z);
  g.AddOutput(y);  // the conv output is also a graph output: no fold
  auto folded = passes::FoldBatchNorm(g);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(*folded, 0u);
  EXPECT_EQ(g.nodes().size(), 2u);
}

Tensor Int64s(std::vector<int64_t> v) {
  std::vector<std::byte> bytes(v.size() * 8);
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return Tensor::FromBytes(DType::kInt64, {static_cast<int64_t>(v.size())}, std::move(bytes))
      .value();
}

TEST(FoldPadIntoConv, SpatialZeroPadJoinsConvPads) {
  ir::Graph g;
  ir::Value* x = g.AddInput("x", DType::kFloat32, {1, 2, 5, 5});
  ir::Value* pads = g.AddInitializer("pads", Int64s({0, 0, 0, 1, 0, 0, 1, 2}));
  ir::Value* y = Add(g, "Pad", {x, pads}, {1, 2, 6, 8});
  ir::Value* w = g.AddInitializer("w", Iota({3, 2, 3, 3}));
  ir::Value* z =
      Add(g, "Conv", {y, w}, {1, 3, 4, 6}, {{"pads", ir::Attribute::Ints({1, 0, 0, 0})}});
  g.AddOutput(z);
  auto folded = passes::FoldPadIntoConv(g);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(*folded, 1u);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0]->inputs[0], x);
  EXPECT_EQ(g.nodes()[0]->GetInts("pads"), (std::vector<int64_t>{1, 1, 1, 2}));
}

TEST(FoldPadIntoConv, KeepsChannelPadsAndNonZeroValues) {
  ir::Graph g;
  ir::Value* x = g.AddInput("x", DType::kFloat32, {1, 2, 5, 5});
  ir::Value* pads = g.AddInitializer("pads", Int64s({0, 1, 0, 0, 0, 0, 0, 0}));  // pads C
  ir::Value* y = Add(g, "Pad", {x, pads}, {1, 3, 5, 5});
  ir::Value* w = g.AddInitializer("w", Iota({3, 3, 1, 1}));
  g.AddOutput(Add(g, "Conv", {y, w}, {1, 3, 5, 5}));
  auto folded = passes::FoldPadIntoConv(g);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(*folded, 0u);
  EXPECT_EQ(g.nodes().size(), 2u);
}

// An LSTM over `steps` time steps (kUnknownDim: run-time) with outputs Y, Y_h, Y_c.
ir::Node* Lstm(ir::Graph& g, int64_t steps, const std::string& direction,
               ir::AttributeMap extra = {}) {
  const int64_t dirs = direction == "bidirectional" ? 2 : 1, hidden = 3;
  ir::Value* x = g.AddInput("x", DType::kFloat32, {steps, ir::kUnknownDim, 2});
  ir::Value* w = g.AddInitializer("W", Iota({dirs, 4 * hidden, 2}));
  ir::Value* r = g.AddInitializer("R", Iota({dirs, 4 * hidden, hidden}));
  extra["direction"] = ir::Attribute::String(direction);
  extra["hidden_size"] = ir::Attribute::Int(hidden);
  ir::Node* n = g.AddNode("LSTM", {x, w, r}, extra, 3, "lstm");
  n->outputs[0]->name = "y";
  n->outputs[1]->name = "y_h";
  n->outputs[2]->name = "y_c";
  for (ir::Value* out : n->outputs) g.AddOutput(out);
  return n;
}

TEST(RecurrentToLoop, RunTimeSequenceBecomesOneLoopPerDirection) {
  for (passes::StepOutputs mode :
       {passes::StepOutputs::kScanOutputs, passes::StepOutputs::kBuffer}) {
    ir::Graph g;
    Lstm(g, ir::kUnknownDim, "bidirectional");
    ASSERT_TRUE(ir::InferShapes(g).ok());
    auto looped = passes::RecurrentToLoop(g, {mode});
    ASSERT_TRUE(looped.ok()) << looped.status().message();
    EXPECT_EQ(*looped, 1u);
    ASSERT_TRUE(ir::InferShapes(g).ok());
    ASSERT_TRUE(ir::VerifyGraph(g).ok());
    size_t loops = 0;
    for (const auto& n : g.nodes()) {
      EXPECT_NE(n->op_type, "LSTM");
      if (n->op_type != "Loop") continue;
      ++loops;
      // h, c carried; Y a scan output or a carried buffer.
      EXPECT_EQ(n->outputs.size(), 3u);
      EXPECT_EQ(n->FindSubgraph("body")->outputs().size(), 4u);
    }
    EXPECT_EQ(loops, 2u);
    // The interface keeps its names, and the shapes follow ONNX's layout.
    ASSERT_EQ(g.outputs().size(), 3u);
    EXPECT_EQ(g.outputs()[0]->name, "y");
    EXPECT_EQ(g.outputs()[2]->name, "y_c");
    EXPECT_EQ(g.outputs()[0]->shape, (ir::Dims{ir::kUnknownDim, 2, ir::kUnknownDim, 3}));
    EXPECT_EQ(g.outputs()[1]->shape, (ir::Dims{2, ir::kUnknownDim, 3}));
  }
}

TEST(RecurrentToLoop, StaticSequencesUnrollUpToTheLimit) {
  ir::Graph short_seq, long_seq;
  Lstm(short_seq, 16, "bidirectional");
  Lstm(long_seq, passes::kMaxUnrolledSteps / 2 + 1, "bidirectional");
  for (ir::Graph* g : {&short_seq, &long_seq}) ASSERT_TRUE(ir::InferShapes(*g).ok());
  EXPECT_EQ(*passes::RecurrentToLoop(short_seq, {}), 0u);
  EXPECT_EQ(*passes::RecurrentToLoop(long_seq, {}), 1u);
}

TEST(RecurrentToLoop, UnknownActivationIsRefusedWithTheNode) {
  ir::Graph g;
  Lstm(g, ir::kUnknownDim, "forward",
       {{"activations", ir::Attribute::Strings({"Sigmoid", "Gelu", "Tanh"})}});
  ASSERT_TRUE(ir::InferShapes(g).ok());
  auto looped = passes::RecurrentToLoop(g, {});
  ASSERT_FALSE(looped.ok());
  EXPECT_NE(looped.status().message().find("LSTM 'lstm'"), std::string::npos);
  EXPECT_NE(looped.status().message().find("activation 'Gelu'"), std::string::npos);
}

}  // namespace
}  // namespace pt2tf
