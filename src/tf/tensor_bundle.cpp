#include "tf/tensor_bundle.h"

#include "pt2tf/crc32c.h"
#include "tensorflow/tensor_bundle.pb.h"
#include "tf/emit_context.h"
#include "tf/graphdef_stream.h"
#include "tf/table_writer.h"

namespace pt2tf::tf {
namespace {
// The bundle format version TF writes and accepts (kTensorBundleVersion).
constexpr int kBundleVersion = 1;
}  // namespace

std::string TensorBundleWriter::DataPath(const std::string& prefix) {
  return prefix + ".data-00000-of-00001";
}
std::string TensorBundleWriter::IndexPath(const std::string& prefix) { return prefix + ".index"; }

Result<std::unique_ptr<TensorBundleWriter>> TensorBundleWriter::Create(const std::string& prefix) {
  PT2TF_ASSIGN_OR_RETURN(auto data, OutputFile::Create(DataPath(prefix)));
  return std::unique_ptr<TensorBundleWriter>(new TensorBundleWriter(prefix, std::move(data)));
}

Status TensorBundleWriter::Add(const std::string& key, const Tensor& tensor, const ir::Dims& shape,
                               const std::function<void(uint64_t)>& on_bytes) {
  if (key.empty() || entries_.count(key))
    return InternalError(IndexPath(prefix_) + ": tensor key '" + key + "' empty or repeated");
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  if (n != tensor.numel())
    return InternalError(IndexPath(prefix_) + ": '" + key + "' shape does not match its data");
  tensorflow::BundleEntryProto entry;
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType dtype, TfType(tensor.dtype()));
  entry.set_dtype(dtype);
  for (int64_t d : shape) entry.mutable_shape()->add_dim()->set_size(d);
  entry.set_offset(static_cast<int64_t>(data_->bytes_written()));
  entry.set_size(static_cast<int64_t>(tensor.nbytes()));
  uint32_t crc = 0;
  Status status;
  tensor.ForEachChunk([&](ByteSpan chunk) {
    if (!status.ok()) return;
    crc = Crc32cExtend(crc, chunk);
    status = data_->Write(chunk);
    if (on_bytes) on_bytes(chunk.size());
  });
  PT2TF_RETURN_IF_ERROR(status);
  if (data_->bytes_written() - static_cast<uint64_t>(entry.offset()) != tensor.nbytes())
    return InternalError(DataPath(prefix_) + ": '" + key + "' wrote the wrong byte count");
  entry.set_crc32c(Crc32cMask(crc));
  entry.ByteSizeLong();
  entries_[key] = SerializeDeterministic(entry);
  return OkStatus();
}

Status TensorBundleWriter::Finish() {
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.set_endianness(tensorflow::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(kBundleVersion);
  header.ByteSizeLong();
  TableBuilder table;
  PT2TF_RETURN_IF_ERROR(table.Add("", SerializeDeterministic(header)));
  for (const auto& [key, entry] : entries_) PT2TF_RETURN_IF_ERROR(table.Add(key, entry));
  PT2TF_ASSIGN_OR_RETURN(auto index, OutputFile::Create(IndexPath(prefix_)));
  PT2TF_RETURN_IF_ERROR(index->Write(table.Finish()));
  PT2TF_RETURN_IF_ERROR(data_->Commit());
  return index->Commit();
}

}  // namespace pt2tf::tf
