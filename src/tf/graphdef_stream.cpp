#include "tf/graphdef_stream.h"

#include <sys/stat.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "tensorflow/attr_value.pb.h"
#include "tensorflow/function.pb.h"
#include "tensorflow/graph.pb.h"
#include "tensorflow/tensor.pb.h"
#include "tf/emit_context.h"

namespace pt2tf::tf {

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

int VarintSize(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendLengthDelimitedHeader(std::string& out, int field, uint64_t length) {
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | 2);
  AppendVarint(out, length);
}

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
  }
  return out;
}

namespace {

// Field numbers (tensorflow/*.proto).
constexpr int kGraphDefNode = 1, kGraphDefLibrary = 2, kGraphDefVersions = 4;
constexpr int kLibraryFunction = 1, kFunctionDefNode = 3;
constexpr int kNodeDefAttr = 5;
constexpr int kMapKey = 1, kMapValue = 2;
constexpr int kAttrValueTensor = 8;
constexpr int kTensorProtoContent = 4;

uint64_t HeaderSize(int field, uint64_t length) {
  return VarintSize((static_cast<uint64_t>(field) << 3) | 2) + VarintSize(length);
}

}  // namespace

Result<uint64_t> GraphDefStream::AddNode(const TfNode& node, int field) {
  node.def.ByteSizeLong();  // caches sizes for SerializeWithCachedSizes
  std::string meta = SerializeDeterministic(node.def);
  Piece piece;
  if (!node.payload) {
    AppendLengthDelimitedHeader(piece.head, field, meta.size());
    piece.head += meta;
    const uint64_t size = piece.head.size();
    pieces_.push_back(std::move(piece));
    return size;
  }
  const Tensor& t = *node.payload;
  tensorflow::TensorProto header;
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType dtype, TfType(t.dtype()));
  header.set_dtype(dtype);
  for (int64_t d : node.payload_shape ? *node.payload_shape : t.shape())
    header.mutable_tensor_shape()->add_dim()->set_size(d);
  header.ByteSizeLong();
  const std::string tensor_head = SerializeDeterministic(header);
  const uint64_t content = t.nbytes();
  const uint64_t tensor_len =
      tensor_head.size() + HeaderSize(kTensorProtoContent, content) + content;
  const uint64_t attr_len = HeaderSize(kAttrValueTensor, tensor_len) + tensor_len;
  const std::string key = "value";
  const uint64_t entry_len =
      HeaderSize(kMapKey, key.size()) + key.size() + HeaderSize(kMapValue, attr_len) + attr_len;
  const uint64_t node_len = meta.size() + HeaderSize(kNodeDefAttr, entry_len) + entry_len;

  AppendLengthDelimitedHeader(piece.head, field, node_len);
  piece.head += meta;
  AppendLengthDelimitedHeader(piece.head, kNodeDefAttr, entry_len);
  AppendLengthDelimitedHeader(piece.head, kMapKey, key.size());
  piece.head += key;
  AppendLengthDelimitedHeader(piece.head, kMapValue, attr_len);
  AppendLengthDelimitedHeader(piece.head, kAttrValueTensor, tensor_len);
  piece.head += tensor_head;
  AppendLengthDelimitedHeader(piece.head, kTensorProtoContent, content);
  piece.payload = &t;
  payload_bytes_ += content;
  const uint64_t size = piece.head.size() + content;
  pieces_.push_back(std::move(piece));
  return size;
}

// The library: GraphDef.library { function* { signature, ret, node_def* } }. Each function's
// metadata is serialised whole; its Const payloads are streamed like the graph's, so the
// length prefixes of the library and of each function are computed from the pieces.
Status GraphDefStream::AddLibrary(const std::vector<TfFunction>& functions) {
  const size_t library_piece = pieces_.size();
  pieces_.emplace_back();  // the library header, filled in below
  uint64_t library_len = 0;
  for (const TfFunction& fn : functions) {
    tensorflow::FunctionDef meta;
    *meta.mutable_signature() = fn.signature;
    for (const auto& [arg, tensor] : fn.ret) (*meta.mutable_ret())[arg] = tensor;
    meta.ByteSizeLong();
    const std::string head = SerializeDeterministic(meta);
    const size_t function_piece = pieces_.size();
    pieces_.emplace_back();
    uint64_t function_len = head.size();
    for (const TfNode& node : fn.nodes) {
      PT2TF_ASSIGN_OR_RETURN(uint64_t n, AddNode(node, kFunctionDefNode));
      function_len += n;
    }
    Piece& p = pieces_[function_piece];
    AppendLengthDelimitedHeader(p.head, kLibraryFunction, function_len);
    p.head += head;
    library_len += HeaderSize(kLibraryFunction, function_len) + function_len;
  }
  AppendLengthDelimitedHeader(pieces_[library_piece].head, kGraphDefLibrary, library_len);
  size_ += pieces_[library_piece].head.size() + library_len;
  return OkStatus();
}

Result<GraphDefStream> GraphDefStream::Build(const TfGraph& graph) {
  GraphDefStream s;
  s.pieces_.reserve(graph.nodes.size() + 1);
  for (const TfNode& node : graph.nodes) {
    PT2TF_ASSIGN_OR_RETURN(uint64_t n, s.AddNode(node, kGraphDefNode));
    s.size_ += n;
  }
  if (!graph.functions.empty()) PT2TF_RETURN_IF_ERROR(s.AddLibrary(graph.functions));
  tensorflow::VersionDef versions;
  versions.set_producer(kGraphDefProducer);
  versions.ByteSizeLong();
  std::string v = SerializeDeterministic(versions);
  Piece tail;
  AppendLengthDelimitedHeader(tail.head, kGraphDefVersions, v.size());
  tail.head += v;
  s.size_ += tail.head.size();
  s.pieces_.push_back(std::move(tail));
  return s;
}

Status GraphDefStream::WriteTo(OutputFile& sink,
                               const std::function<void(uint64_t)>& on_payload_bytes) const {
  for (const Piece& piece : pieces_) {
    PT2TF_RETURN_IF_ERROR(sink.Write(piece.head));
    if (!piece.payload) continue;
    Status status;
    piece.payload->ForEachChunk([&](ByteSpan chunk) {
      if (status.ok()) status = sink.Write(chunk);
      if (on_payload_bytes) on_payload_bytes(chunk.size());
    });
    PT2TF_RETURN_IF_ERROR(status);
  }
  return OkStatus();
}

std::string FileIdentity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

Status GraphDefStream::WriteOrCopy(OutputFile& sink, const TfWriterOptions& options) const {
  const std::optional<GraphDefFile>& from = options.copy_graphdef_from;
  if (!from || from->size != size_ || from->identity.empty() ||
      FileIdentity(from->path) != from->identity)
    return WriteTo(sink, options.on_weight_bytes);
  PT2TF_RETURN_IF_ERROR(sink.AppendFileRange(from->path, from->offset, from->size));
  if (options.on_weight_bytes) options.on_weight_bytes(payload_bytes_);
  return OkStatus();
}

}  // namespace pt2tf::tf
