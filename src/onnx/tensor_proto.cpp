#include "onnx/tensor_proto.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <type_traits>

namespace pt2tf::onnx {
namespace {

namespace pb = ::pt2tf::onnx_proto;

template <typename T>
void StoreAs(std::byte* dst, T v) {
  std::memcpy(dst, &v, sizeof v);
}

// Copies `count` typed-field values into little-endian element bytes of `dtype`.
template <typename Field>
std::vector<std::byte> Narrow(const Field& field, DType dtype) {
  const size_t esize = ElementSize(dtype);
  std::vector<std::byte> bytes(field.size() * esize);
  for (int i = 0; i < field.size(); ++i) {
    std::byte* dst = bytes.data() + i * esize;
    const auto v = field.Get(i);
    switch (esize) {
      case 1:
        StoreAs<uint8_t>(dst, static_cast<uint8_t>(v));
        break;
      case 2:
        StoreAs<uint16_t>(dst, static_cast<uint16_t>(v));
        break;
      case 4:
        StoreAs(
            dst,
            static_cast<std::conditional_t<std::is_floating_point_v<decltype(v)>, float, uint32_t>>(
                v));
        break;
      default:
        StoreAs(dst, v);
        break;
    }
  }
  return bytes;
}

Result<uint64_t> ParseUint(const std::string& s, const std::string& what) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
    return InvalidInput(what + ": external data value '" + s + "' is not a number");
  return std::stoull(s);
}

}  // namespace

Result<Tensor> TensorDecoder::Decode(const pb::TensorProto& proto, const std::string& what,
                                     std::optional<ByteSpan> raw_in_file) {
  std::optional<DType> dtype = DTypeFromOnnx(proto.data_type());
  if (!dtype)
    return Unsupported(what + ": ONNX data type " + std::to_string(proto.data_type()) +
                       " is not supported");
  if (*dtype == DType::kString) return Unsupported(what + ": string tensors are not supported");
  if (proto.has_segment()) return Unsupported(what + ": segmented tensors are not supported");
  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  uint64_t numel = 1;
  for (int64_t d : dims) {
    if (d < 0) return InvalidInput(what + ": negative dimension in " + ShapeToString(dims));
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel) || numel > (1ull << 62))
      return InvalidInput(what + ": element count overflows (" + ShapeToString(dims) + ")");
  }
  uint64_t nbytes;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(ElementSize(*dtype)), &nbytes))
    return InvalidInput(what + ": byte size overflows (" + ShapeToString(dims) + ")");

  if (proto.data_location() == pb::TensorProto::EXTERNAL)
    return DecodeExternal(proto, *dtype, dims, nbytes, what);
  if (proto.has_raw_data()) {
    ByteSpan raw = raw_in_file
                       ? *raw_in_file
                       : ByteSpan(reinterpret_cast<const std::byte*>(proto.raw_data().data()),
                                  proto.raw_data().size());
    if (raw.size() != nbytes)
      return InvalidInput(what + ": raw_data has " + std::to_string(raw.size()) + " bytes, " +
                          ShapeToString(dims) + " " + std::string(TorchName(*dtype)) + " needs " +
                          std::to_string(nbytes));
    std::shared_ptr<const void> owner = raw_in_file ? std::shared_ptr<const void>(file_) : owner_;
    return Tensor::Contiguous(*dtype, dims, Storage::View(std::move(owner), raw));
  }
  // Typed fields: which one holds the data depends on the element type.
  auto count_error = [&](int64_t have) {
    return InvalidInput(what + ": has " + std::to_string(have) + " values for shape " +
                        ShapeToString(dims));
  };
  const uint64_t want =
      numel * ((*dtype == DType::kComplex64 || *dtype == DType::kComplex128) ? 2 : 1);
  std::vector<std::byte> bytes;
  switch (*dtype) {
    case DType::kFloat32:
    case DType::kComplex64:
      if (static_cast<uint64_t>(proto.float_data_size()) != want)
        return count_error(proto.float_data_size());
      bytes = Narrow(proto.float_data(), DType::kFloat32);
      break;
    case DType::kFloat64:
    case DType::kComplex128:
      if (static_cast<uint64_t>(proto.double_data_size()) != want)
        return count_error(proto.double_data_size());
      bytes = Narrow(proto.double_data(), DType::kFloat64);
      break;
    case DType::kInt64:
      if (static_cast<uint64_t>(proto.int64_data_size()) != want)
        return count_error(proto.int64_data_size());
      bytes = Narrow(proto.int64_data(), DType::kInt64);
      break;
    case DType::kUInt32:
    case DType::kUInt64:
      if (static_cast<uint64_t>(proto.uint64_data_size()) != want)
        return count_error(proto.uint64_data_size());
      bytes = Narrow(proto.uint64_data(), *dtype);
      break;
    default:  // int32, int16, int8, uint8, uint16, bool, float16/bfloat16/float8 bit patterns
      if (static_cast<uint64_t>(proto.int32_data_size()) != want)
        return count_error(proto.int32_data_size());
      bytes = Narrow(proto.int32_data(), *dtype);
      break;
  }
  return Tensor::FromBytes(*dtype, dims, std::move(bytes));
}

Result<Tensor> TensorDecoder::DecodeExternal(const pb::TensorProto& proto, DType dtype,
                                             const std::vector<int64_t>& dims, uint64_t nbytes,
                                             const std::string& what) {
  std::string location;
  uint64_t offset = 0, length = nbytes;
  bool has_length = false;
  for (const pb::StringStringEntryProto& e : proto.external_data()) {
    if (e.key() == "location") {
      location = e.value();
    } else if (e.key() == "offset") {
      PT2TF_ASSIGN_OR_RETURN(offset, ParseUint(e.value(), what));
    } else if (e.key() == "length") {
      PT2TF_ASSIGN_OR_RETURN(length, ParseUint(e.value(), what));
      has_length = true;
    }
  }
  if (location.empty()) return InvalidInput(what + ": external data without a location");
  if (has_length && length != nbytes)
    return InvalidInput(what + ": external data length " + std::to_string(length) + " but " +
                        ShapeToString(dims) + " " + std::string(TorchName(dtype)) + " needs " +
                        std::to_string(nbytes));
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, OpenExternal(location, what));
  Result<ByteSpan> span = file->Slice(offset, nbytes);
  if (!span.ok()) return span.status().WithContext(what + ": external data '" + location + "'");
  auto storage = Storage::View(file, *span);
  return Tensor::Contiguous(dtype, dims, storage);
}

Result<std::shared_ptr<const MappedFile>> TensorDecoder::OpenExternal(const std::string& location,
                                                                      const std::string& what) {
  auto cached = external_files_.find(location);
  if (cached != external_files_.end()) return cached->second;
  namespace fs = std::filesystem;
  const fs::path rel(location);
  bool escapes = rel.is_absolute() || location.find('\0') != std::string::npos;
  for (const fs::path& part : rel)
    if (part == "..") escapes = true;
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(fs::path(model_dir_.empty() ? "." : model_dir_), ec);
  const fs::path full = fs::weakly_canonical(dir / rel, ec);
  if (!escapes && !ec) {
    // Symlinks may still lead outside the model's directory.
    auto [dir_end, full_it] = std::mismatch(dir.begin(), dir.end(), full.begin(), full.end());
    escapes = dir_end != dir.end();
  }
  if (escapes || ec)
    return InvalidInput(what + ": external data location '" + location +
                        "' lies outside the model's directory");
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(full.string()));
  external_files_[location] = file;
  return file;
}

}  // namespace pt2tf::onnx
