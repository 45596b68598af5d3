// The wire form of a TfGraph's GraphDef (nodes, then the function library, then versions),
// laid out before writing: NodeDef metadata is
// serialised with libprotobuf; each Const's tensor_content is spliced in by hand as
// length-prefixed raw bytes streamed from the source tensor (protobuf accepts fields in any
// order, so the "value" attr entry simply follows the serialised NodeDef fields).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <google/protobuf/message_lite.h>

#include "pt2tf/io/output_file.h"
#include "pt2tf/status.h"
#include "pt2tf/tf/tf_writer.h"
#include "tf/tf_graph.h"

namespace pt2tf::tf {

// GraphDef version stamp written to every graph: TF 2.x era, below every TF release that
// has the ops and attrs we emit (EXPLICIT padding, FusedBatchNormV3 ...).
constexpr int kGraphDefProducer = 1286;

class GraphDefStream {
 public:
  static Result<GraphDefStream> Build(const TfGraph& graph);
  // Bytes of the serialised GraphDef message (without any enclosing tag).
  uint64_t size() const { return size_; }
  // `on_payload_bytes` (may be empty) is told the size of each tensor chunk written.
  Status WriteTo(OutputFile& sink,
                 const std::function<void(uint64_t)>& on_payload_bytes = {}) const;
  // WriteTo, or (when `options.copy_graphdef_from` names a range of exactly this size that is
  // still on disk) a kernel copy of those bytes, with one progress call for the weights.
  Status WriteOrCopy(OutputFile& sink, const TfWriterOptions& options) const;

 private:
  struct Piece {
    std::string head;  // tag, lengths, metadata; payload bytes follow
    const Tensor* payload = nullptr;
  };
  // Appends one NodeDef (as field `field` of the enclosing message); returns its bytes.
  Result<uint64_t> AddNode(const TfNode& node, int field);
  Status AddLibrary(const std::vector<TfFunction>& functions);

  std::vector<Piece> pieces_;
  uint64_t size_ = 0;
  uint64_t payload_bytes_ = 0;
};

// Refuses outputs over `max_bytes` (protobuf's 2 GiB limit), naming `path` and ending with
// `hint` (what to do instead; may be empty).
Status CheckGraphSize(const std::string& path, uint64_t bytes, uint64_t max_bytes,
                      const std::string& hint = "");

// Protobuf wire helpers shared by the writers.
void AppendVarint(std::string& out, uint64_t v);
int VarintSize(uint64_t v);
// Tag byte(s) + length for a length-delimited field.
void AppendLengthDelimitedHeader(std::string& out, int field, uint64_t length);
// Deterministic serialisation (sorted map entries) of a message.
std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

}  // namespace pt2tf::tf
