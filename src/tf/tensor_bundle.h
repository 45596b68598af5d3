// TensorBundleWriter: writes a TensorFlow tensor bundle (the V2 checkpoint format RestoreV2
// reads): "<prefix>.data-00000-of-00001" holds the tensors' raw little-endian bytes back to
// back, "<prefix>.index" is a table (tf/table_writer.h) whose "" key holds a
// BundleHeaderProto and every other key (a tensor name) a BundleEntryProto with dtype, shape,
// offset, size and the masked crc32c TensorFlow checks when it reads the tensor.
// Tensors are streamed chunk by chunk from their (memory-mapped) views into the data file,
// checksummed on the way; neither file appears under its final name before Finish().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "pt2tf/io/output_file.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf::tf {

class TensorBundleWriter {
 public:
  static Result<std::unique_ptr<TensorBundleWriter>> Create(const std::string& prefix);

  // Appends `tensor` (C order of the view) under `key`, declared with `shape` (same element
  // count). Keys must be unique and non-empty. `on_bytes` (may be empty) hears each chunk.
  Status Add(const std::string& key, const Tensor& tensor, const ir::Dims& shape,
             const std::function<void(uint64_t)>& on_bytes = {});
  // Writes the index and commits both files.
  Status Finish();

  static std::string DataPath(const std::string& prefix);
  static std::string IndexPath(const std::string& prefix);

 private:
  TensorBundleWriter(std::string prefix, std::unique_ptr<OutputFile> data)
      : prefix_(std::move(prefix)), data_(std::move(data)) {}
  std::string prefix_;
  std::unique_ptr<OutputFile> data_;
  std::map<std::string, std::string> entries_;  // key -> serialised BundleEntryProto (sorted)
};

}  // namespace pt2tf::tf
