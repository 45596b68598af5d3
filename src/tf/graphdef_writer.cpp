// WriteFrozenGraph: (IR →) TfGraph → GraphDef streamed into "<path>" (atomically).
#include "pt2tf/io/output_file.h"
#include "pt2tf/tf/tf_writer.h"
#include "tf/graphdef_stream.h"
#include "tf/lower.h"

namespace pt2tf::tf {

Status CheckGraphSize(const std::string& path, uint64_t bytes, uint64_t max_bytes,
                      const std::string& hint) {
  if (bytes <= max_bytes) return OkStatus();
  return Unsupported(path + ": the graph would take " + std::to_string(bytes) +
                     " bytes, over protobuf's 2 GiB message limit" +
                     (hint.empty() ? "" : "; " + hint));
}

Status WriteFrozenGraph(const ir::Graph& graph, const std::string& path,
                        const TfWriterOptions& options) {
  auto lowered = LowerToTf(graph, options);
  if (!lowered.ok()) return lowered.status().WithContext(path);
  return WriteFrozenGraph(*lowered, path, options);
}

Status WriteFrozenGraph(const TfGraph& lowered, const std::string& path,
                        const TfWriterOptions& options) {
  auto stream = GraphDefStream::Build(lowered);
  if (!stream.ok()) return stream.status().WithContext(path);
  PT2TF_RETURN_IF_ERROR(CheckGraphSize(path, stream->size(), options.max_graph_bytes,
                                       "write a SavedModel instead (-o DIR/), which keeps the "
                                       "weights in variables/"));
  PT2TF_ASSIGN_OR_RETURN(auto file, OutputFile::Create(path));
  PT2TF_RETURN_IF_ERROR(stream->WriteOrCopy(*file, options));
  if (file->bytes_written() != stream->size())
    return InternalError(path + ": wrote " + std::to_string(file->bytes_written()) +
                         " bytes, expected " + std::to_string(stream->size()));
  PT2TF_RETURN_IF_ERROR(file->Commit());
  if (options.graphdef_written)
    *options.graphdef_written = {path, 0, stream->size(), FileIdentity(path)};
  return OkStatus();
}

}  // namespace pt2tf::tf
