// Tensor: a typed, strided view into a Storage. Checkpoint tensors are zero-copy views into
// the mapped file; tensors computed by passes (folded, permuted) own their bytes. Both are
// the same type so writers stream either without caring where the bytes live.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pt2tf/dtype.h"
#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"

namespace pt2tf {

struct RowScale;  // pt2tf/deferred.h

// A flat run of bytes plus whatever keeps it alive (a MappedFile, a std::vector ...), or, when
// `deferred` is set, bytes computed from another tensor as they are read (a BatchNorm-folded
// weight): then `bytes` is empty and only Tensor's accessors can read the storage.
struct Storage {
  std::shared_ptr<const void> owner;
  ByteSpan bytes;
  std::shared_ptr<const RowScale> deferred;

  uint64_t size() const;

  static std::shared_ptr<const Storage> View(std::shared_ptr<const void> owner, ByteSpan bytes);
  static std::shared_ptr<const Storage> Own(std::vector<std::byte> bytes);
};

class Tensor {
 public:
  Tensor() = default;

  // A view of `storage`. Checks, with overflow-safe arithmetic, that every element the
  // shape/strides/offset address lies inside the storage. `offset` counts elements.
  static Result<Tensor> Make(DType dtype, std::vector<int64_t> shape, std::vector<int64_t> strides,
                             int64_t offset, std::shared_ptr<const Storage> storage);
  // A C-contiguous view starting at byte 0 of `storage`.
  static Result<Tensor> Contiguous(DType dtype, std::vector<int64_t> shape,
                                   std::shared_ptr<const Storage> storage);
  // A new C-contiguous tensor owning `bytes` (size must equal numel * element size).
  static Result<Tensor> FromBytes(DType dtype, std::vector<int64_t> shape,
                                  std::vector<std::byte> bytes);

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  const std::vector<int64_t>& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const;
  uint64_t nbytes() const { return static_cast<uint64_t>(numel()) * ElementSize(dtype_); }
  bool is_contiguous() const;
  const std::shared_ptr<const Storage>& storage() const { return storage_; }
  // True when the bytes are computed as they are read (see pt2tf/deferred.h).
  bool is_deferred() const { return storage_ && storage_->deferred; }

  // The element bytes when the tensor is C-contiguous and not deferred (zero-copy); empty
  // span otherwise.
  ByteSpan contiguous_bytes() const;
  // Calls `sink` with the tensor's bytes in C order, in as few chunks as the layout allows
  // (zero-copy chunks of at most 4 MiB when contiguous). Little-endian, as stored. A deferred
  // tensor's bytes are computed chunk by chunk (each at most a few MiB) from its source. Bytes
  // of a mapped input file are mapped in before the sink reads them and dropped from RSS
  // after (pt2tf/io/mapped_pages.h); a span the sink keeps stays readable.
  void ForEachChunk(const std::function<void(ByteSpan)>& sink) const;
  // A C-contiguous copy that owns its bytes, or this tensor itself when already contiguous
  // and not deferred (a deferred tensor is materialised: use it for small or bounded data).
  Tensor ToContiguous() const;
  // Element i (C order) converted to double / int64 (for small constants, not bulk data).
  double ElementAsDouble(int64_t flat_index) const;
  int64_t ElementAsInt(int64_t flat_index) const;

 private:
  DType dtype_ = DType::kFloat32;
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
  int64_t offset_ = 0;
  std::shared_ptr<const Storage> storage_;
};

// The element count of `shape`, or an error when a dim is negative or the count, or its
// size in bytes at `element_size`, does not fit in int64. Shapes read from a file become
// counts through this (Tensor::Make calls it, so a Tensor's numel() and nbytes() are exact).
Result<int64_t> CheckedNumel(const std::vector<int64_t>& shape, int64_t element_size = 1);

// "2x3x4" style rendering for messages.
std::string ShapeToString(const std::vector<int64_t>& shape);

// A 0-d tensor of `dtype` (floating, integer or bool) holding `v` converted to it.
Result<Tensor> ScalarTensor(DType dtype, double v);
// A 1-D int64 tensor holding `values`.
Result<Tensor> Int64Tensor(const std::vector<int64_t>& values);

}  // namespace pt2tf
