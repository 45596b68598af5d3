#include "pt2tf/tensor.h"

#include <cstring>

namespace pt2tf {
namespace {

float HalfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename T>
T Load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

std::shared_ptr<const Storage> Storage::View(std::shared_ptr<const void> owner, ByteSpan bytes) {
  return std::make_shared<const Storage>(Storage{std::move(owner), bytes});
}

std::shared_ptr<const Storage> Storage::Own(std::vector<std::byte> bytes) {
  auto holder = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  ByteSpan span(holder->data(), holder->size());
  return std::make_shared<const Storage>(Storage{holder, span});
}

Result<Tensor> Tensor::Make(DType dtype, std::vector<int64_t> shape, std::vector<int64_t> strides,
                            int64_t offset, std::shared_ptr<const Storage> storage) {
  if (shape.size() != strides.size())
    return InvalidInput("tensor has " + std::to_string(shape.size()) + " dims but " +
                        std::to_string(strides.size()) + " strides");
  if (offset < 0) return InvalidInput("negative storage offset");
  if (!storage) return InvalidInput("tensor has no storage");
  const int64_t esize = ElementSize(dtype);
  if (esize == 0) return Unsupported("tensors of dtype string have no fixed layout");
  // Highest element index addressed; any zero-size dim means no element is addressed.
  int64_t last = offset;
  bool empty = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) return InvalidInput("negative dimension in shape " + ShapeToString(shape));
    if (strides[i] < 0) return InvalidInput("negative stride");
    if (shape[i] == 0) empty = true;
  }
  if (!empty) {
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t span;
      if (__builtin_mul_overflow(shape[i] - 1, strides[i], &span) ||
          __builtin_add_overflow(last, span, &last))
        return InvalidInput("tensor extent overflows (shape " + ShapeToString(shape) + ")");
    }
    int64_t end_bytes;
    if (__builtin_add_overflow(last, 1, &end_bytes) ||
        __builtin_mul_overflow(end_bytes, esize, &end_bytes))
      return InvalidInput("tensor extent overflows (shape " + ShapeToString(shape) + ")");
    if (static_cast<uint64_t>(end_bytes) > storage->bytes.size())
      return InvalidInput("tensor of shape " + ShapeToString(shape) + " at offset " +
                          std::to_string(offset) + " needs " + std::to_string(end_bytes) +
                          " bytes but its storage has " + std::to_string(storage->bytes.size()));
  }
  // numel must fit in int64 too (checked above only for non-empty tensors via extent).
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.offset_ = offset;
  t.storage_ = std::move(storage);
  return t;
}

Result<Tensor> Tensor::Contiguous(DType dtype, std::vector<int64_t> shape,
                                  std::shared_ptr<const Storage> storage) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    if (shape[i] < 0) return InvalidInput("negative dimension in shape " + ShapeToString(shape));
    if (shape[i] > 0 && __builtin_mul_overflow(s, shape[i], &s))
      return InvalidInput("element count overflows (shape " + ShapeToString(shape) + ")");
  }
  return Make(dtype, std::move(shape), std::move(strides), 0, std::move(storage));
}

Result<Tensor> Tensor::FromBytes(DType dtype, std::vector<int64_t> shape,
                                 std::vector<std::byte> bytes) {
  // Contiguous() checks the shape against the storage, so the bytes must be in it already.
  const size_t size = bytes.size();
  auto result = Contiguous(dtype, shape, Storage::Own(std::move(bytes)));
  if (!result.ok() || result->nbytes() != size)
    return InternalError("FromBytes: " + std::to_string(size) + " bytes for shape " +
                         ShapeToString(shape));
  return result;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 0) return true;
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

ByteSpan Tensor::contiguous_bytes() const {
  if (!storage_ || !is_contiguous()) return {};
  const size_t esize = ElementSize(dtype_);
  return storage_->bytes.subspan(static_cast<size_t>(offset_) * esize, nbytes());
}

void Tensor::ForEachChunk(const std::function<void(ByteSpan)>& sink) const {
  if (numel() == 0) return;
  if (is_contiguous()) {
    sink(contiguous_bytes());
    return;
  }
  // Merge trailing dims that are contiguous among themselves into one run.
  const size_t esize = ElementSize(dtype_);
  size_t inner = shape_.size();
  int64_t run = 1;
  while (inner > 0 && (shape_[inner - 1] == 1 || strides_[inner - 1] == run)) {
    run *= shape_[inner - 1];
    --inner;
  }
  const std::byte* base = storage_->bytes.data();
  const size_t run_bytes = static_cast<size_t>(run) * esize;
  const size_t kBufferBytes = 1 << 16;
  if (run_bytes >= kBufferBytes) {  // big runs go to the sink as they are
    std::vector<int64_t> index(inner, 0);
    while (true) {
      int64_t elem = offset_;
      for (size_t i = 0; i < inner; ++i) elem += index[i] * strides_[i];
      sink(ByteSpan(base + elem * esize, run_bytes));
      size_t d = inner;
      while (d > 0) {
        if (++index[d - 1] < shape_[d - 1]) break;
        index[d - 1] = 0;
        --d;
      }
      if (d == 0) return;
    }
  }
  // Small runs (a permuted weight is runs of one element) are gathered into a buffer,
  // walking the innermost remaining dim in a tight loop so the sink sees large chunks.
  const size_t last = inner - 1;
  const int64_t last_count = shape_[last];
  const int64_t last_step = strides_[last] * static_cast<int64_t>(esize);
  std::vector<int64_t> index(last, 0);
  std::vector<std::byte> buffer(kBufferBytes * 16);
  size_t used = 0;
  auto copy_run = [run_bytes](std::byte* dst, const std::byte* src) {
    switch (run_bytes) {  // fixed sizes compile to single moves
      case 1:
        *dst = *src;
        break;
      case 2:
        std::memcpy(dst, src, 2);
        break;
      case 4:
        std::memcpy(dst, src, 4);
        break;
      case 8:
        std::memcpy(dst, src, 8);
        break;
      default:
        std::memcpy(dst, src, run_bytes);
    }
  };
  while (true) {
    int64_t elem = offset_;
    for (size_t i = 0; i < last; ++i) elem += index[i] * strides_[i];
    const std::byte* src = base + elem * esize;
    for (int64_t j = 0; j < last_count; ++j, src += last_step) {
      if (used + run_bytes > buffer.size()) {
        sink(ByteSpan(buffer.data(), used));
        used = 0;
      }
      copy_run(buffer.data() + used, src);
      used += run_bytes;
    }
    size_t d = last;
    while (d > 0) {
      if (++index[d - 1] < shape_[d - 1]) break;
      index[d - 1] = 0;
      --d;
    }
    if (d == 0) break;
  }
  if (used) sink(ByteSpan(buffer.data(), used));
}

Tensor Tensor::ToContiguous() const {
  if (is_contiguous() && offset_ == 0) return *this;
  std::vector<std::byte> bytes;
  bytes.reserve(nbytes());
  ForEachChunk([&](ByteSpan c) { bytes.insert(bytes.end(), c.begin(), c.end()); });
  auto result = FromBytes(dtype_, shape_, std::move(bytes));
  return result.ok() ? std::move(result).value() : *this;
}

namespace {
int64_t FlatToStorageIndex(const Tensor& t, int64_t flat) {
  int64_t elem = t.offset();
  for (size_t i = t.shape().size(); i-- > 0;) {
    int64_t d = t.shape()[i];
    elem += (flat % d) * t.strides()[i];
    flat /= d;
  }
  return elem;
}
}  // namespace

namespace {

// One element of `dtype` at `p`, converted to T. Integers go straight to T so int64 values
// past 2^53 survive ElementAsInt; dtypes with no real value (complex, float8) give 0.
template <typename T>
T LoadElementAs(const std::byte* p, DType dtype) {
  switch (dtype) {
    case DType::kFloat64:
      return static_cast<T>(Load<double>(p));
    case DType::kFloat32:
      return static_cast<T>(Load<float>(p));
    case DType::kFloat16:
      return static_cast<T>(HalfToFloat(Load<uint16_t>(p)));
    case DType::kBFloat16: {
      uint32_t bits = static_cast<uint32_t>(Load<uint16_t>(p)) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return static_cast<T>(f);
    }
    case DType::kInt64:
      return static_cast<T>(Load<int64_t>(p));
    case DType::kInt32:
      return static_cast<T>(Load<int32_t>(p));
    case DType::kInt16:
      return static_cast<T>(Load<int16_t>(p));
    case DType::kInt8:
      return static_cast<T>(Load<int8_t>(p));
    case DType::kUInt8:
      return static_cast<T>(Load<uint8_t>(p));
    case DType::kUInt16:
      return static_cast<T>(Load<uint16_t>(p));
    case DType::kUInt32:
      return static_cast<T>(Load<uint32_t>(p));
    case DType::kUInt64:
      return static_cast<T>(Load<uint64_t>(p));
    case DType::kBool:
      return static_cast<T>(Load<uint8_t>(p) != 0);
    default:
      return T{0};
  }
}

}  // namespace

double Tensor::ElementAsDouble(int64_t flat_index) const {
  return LoadElementAs<double>(
      storage_->bytes.data() + FlatToStorageIndex(*this, flat_index) * ElementSize(dtype_), dtype_);
}

int64_t Tensor::ElementAsInt(int64_t flat_index) const {
  return LoadElementAs<int64_t>(
      storage_->bytes.data() + FlatToStorageIndex(*this, flat_index) * ElementSize(dtype_), dtype_);
}

std::string ShapeToString(const std::vector<int64_t>& shape) {
  if (shape.empty()) return "[]";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += "x";
    s += std::to_string(shape[i]);
  }
  return s;
}

}  // namespace pt2tf
