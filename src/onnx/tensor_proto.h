// Decoding ONNX TensorProto messages (initializers, Constant values, tensor attributes)
// into Tensors, including weights stored in external data files.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "onnx/onnx.pb.h"
#include "pt2tf/io/mapped_file.h"
#include "pt2tf/tensor.h"

namespace pt2tf::onnx {

class TensorDecoder {
 public:
  // `proto_owner` keeps the parsed model (whose raw_data strings tensors view) alive,
  // `file` the mapped model file; `model_dir` is the directory external data locations are
  // relative to.
  TensorDecoder(std::shared_ptr<const void> proto_owner, std::shared_ptr<const MappedFile> file,
                std::string model_dir)
      : owner_(std::move(proto_owner)), file_(std::move(file)), model_dir_(std::move(model_dir)) {}

  // raw_data and external data become zero-copy views; typed fields (float_data,
  // int32_data, ...) are decoded into owned bytes. Counts and sizes are checked against
  // dims before anything is allocated. Errors name the tensor. `raw_in_file`, when given,
  // is the tensor's raw_data inside the mapped file (the proto's own raw_data was stripped).
  Result<Tensor> Decode(const onnx_proto::TensorProto& proto, const std::string& what,
                        std::optional<ByteSpan> raw_in_file = std::nullopt);

 private:
  Result<Tensor> DecodeExternal(const onnx_proto::TensorProto& proto, DType dtype,
                                const std::vector<int64_t>& dims, uint64_t nbytes,
                                const std::string& what);
  Result<std::shared_ptr<const MappedFile>> OpenExternal(const std::string& location,
                                                         const std::string& what);

  std::shared_ptr<const void> owner_;
  std::shared_ptr<const MappedFile> file_;
  std::string model_dir_;
  std::map<std::string, std::shared_ptr<const MappedFile>> external_files_;
};

}  // namespace pt2tf::onnx
