#include "pt2tf/tensor.h"

#include "pt2tf/deferred.h"
#include "pt2tf/io/mapped_pages.h"

#include "core/row_transpose.h"
#include "core/scratch.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

namespace pt2tf {
namespace {

template <typename T>
T Load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

uint64_t Storage::size() const { return deferred ? deferred->source.nbytes() : bytes.size(); }

std::shared_ptr<const Storage> Storage::View(std::shared_ptr<const void> owner, ByteSpan bytes) {
  return std::make_shared<const Storage>(Storage{std::move(owner), bytes});
}

std::shared_ptr<const Storage> Storage::Own(std::vector<std::byte> bytes) {
  auto holder = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  ByteSpan span(holder->data(), holder->size());
  return std::make_shared<const Storage>(Storage{holder, span});
}

Result<int64_t> CheckedNumel(const std::vector<int64_t>& shape, int64_t element_size) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidInput("negative dimension in shape " + ShapeToString(shape));
    if (__builtin_mul_overflow(n, d, &n))
      return InvalidInput("element count of shape " + ShapeToString(shape) + " overflows");
  }
  int64_t bytes;
  if (__builtin_mul_overflow(n, element_size, &bytes))
    return InvalidInput("byte size of shape " + ShapeToString(shape) + " overflows");
  return n;
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
  // Zero strides address few bytes, so the extent check below does not bound the count.
  PT2TF_RETURN_IF_ERROR(CheckedNumel(shape, esize).status());
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
    if (static_cast<uint64_t>(end_bytes) > storage->size())
      return InvalidInput("tensor of shape " + ShapeToString(shape) + " at offset " +
                          std::to_string(offset) + " needs " + std::to_string(end_bytes) +
                          " bytes but its storage has " + std::to_string(storage->size()));
  }
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
  if (!storage_ || storage_->deferred || !is_contiguous()) return {};
  const size_t esize = ElementSize(dtype_);
  return storage_->bytes.subspan(static_cast<size_t>(offset_) * esize, nbytes());
}

namespace {

// Copies one run of `n` bytes; the common element sizes compile to single moves.
inline void CopyRun(std::byte* dst, const std::byte* src, size_t n) {
  switch (n) {
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
      std::memcpy(dst, src, n);
  }
}

// Walks dims [0, inner) of a strided tensor in C order, copying each run of `run_bytes` into
// `buffer` and handing the buffer to `sink` whenever the next run would not fit.
void GatherInOutputOrder(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                         size_t inner, const std::byte* base, size_t esize, size_t run_bytes,
                         const ScratchLease& buffer, const std::function<void(ByteSpan)>& sink) {
  std::vector<int64_t> index(inner, 0);
  size_t used = 0;
  while (true) {
    const std::byte* src = base;
    for (size_t i = 0; i < inner; ++i) src += index[i] * strides[i] * static_cast<int64_t>(esize);
    if (used + run_bytes > buffer.size()) {
      sink(ByteSpan(buffer.data(), used));
      used = 0;
    }
    CopyRun(buffer.data() + used, src, run_bytes);
    used += run_bytes;
    size_t d = inner;
    while (d > 0) {
      if (++index[d - 1] < shape[d - 1]) break;
      index[d - 1] = 0;
      --d;
    }
    if (d == 0) break;
  }
  if (used) sink(ByteSpan(buffer.data(), used));
}

// One block's two tiled dims: `rows` along the output's fastest dim, `cols` along the
// source's; byte steps of each in the source and in the block.
struct TileWalk {
  int64_t rows, cols, src_row, src_col, dst_row, dst_col;
};

// Copies a block in kTile x kTile tiles. N is the run size when fixed (the compiler then turns
// each copy into one load and store), 0 for any other size given in `run_bytes`.
template <size_t N>
void CopyTiles(const TileWalk& w, std::byte* dst, const std::byte* src, size_t run_bytes = N) {
  constexpr int64_t kTile = 16;
  for (int64_t i0 = 0; i0 < w.rows; i0 += kTile) {
    const int64_t i1 = std::min(w.rows, i0 + kTile);
    for (int64_t j0 = 0; j0 < w.cols; j0 += kTile) {
      const int64_t j1 = std::min(w.cols, j0 + kTile);
      // Inner loop along the output: each tile writes whole output cache lines in order and
      // reads the source's columns (2-4x faster than the other nesting on an OIHW -> HWIO
      // transpose with power-of-two channel counts, where the strided writes thrash).
      for (int64_t j = j0; j < j1; ++j) {
        std::byte* d = dst + j * w.dst_col;
        const std::byte* s = src + j * w.src_col;
        for (int64_t i = i0; i < i1; ++i) {
          if constexpr (N > 0)
            std::memcpy(d + i * w.dst_row, s + i * w.src_row, N);
          else
            std::memcpy(d + i * w.dst_row, s + i * w.src_row, run_bytes);
        }
      }
    }
  }
}

// Small runs (a permuted weight is runs of one element) are gathered into a buffer block by
// block. A block is the trailing dims [first, inner) for one index of the leading ones, where
// `first` reaches back to the dim the source walks contiguously. Inside a block that dim and
// the output's last dim are copied in small square tiles, so reads and writes both stay in a
// few cache lines; walking in output order instead touches a new cache line on every element
// of an OIHW -> HWIO transpose (~4x slower). A block past kMaxBlockBytes falls back to that.
void GatherInBlocks(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                    size_t inner, const std::byte* base, size_t esize, size_t run_bytes,
                    const std::function<void(ByteSpan)>& sink) {
  constexpr size_t kBufferBytes = 1 << 20, kMaxBlockBytes = 1 << 25;
  size_t a = inner - 1;  // the dim with the smallest source stride
  for (size_t d = 0; d < inner; ++d)
    if (shape[d] > 1 && std::llabs(strides[d]) < std::llabs(strides[a])) a = d;
  const size_t b = inner - 1;  // the output's fastest dim
  size_t block_bytes = run_bytes;
  for (size_t d = a; d < inner; ++d) block_bytes *= static_cast<size_t>(shape[d]);
  // Never more buffer than the tensor needs (a lease may be a fresh allocation).
  size_t total_bytes = run_bytes;
  for (size_t d = 0; d < inner; ++d) total_bytes *= static_cast<size_t>(shape[d]);
  const size_t buffer_bytes = std::min(kBufferBytes, total_bytes);
  if (a == b || block_bytes > kMaxBlockBytes) {
    const ScratchLease buffer(std::max(buffer_bytes, run_bytes));
    GatherInOutputOrder(shape, strides, inner, base, esize, run_bytes, buffer, sink);
    return;
  }
  const ScratchLease buffer(std::max(buffer_bytes, block_bytes));
  const int64_t es = static_cast<int64_t>(esize);
  std::vector<int64_t> dst_step(inner, 0);  // bytes, within a block
  dst_step[b] = static_cast<int64_t>(run_bytes);
  for (size_t d = b; d-- > a;) dst_step[d] = dst_step[d + 1] * shape[d + 1];
  // Every index of dims [0, inner) but a and b, walked as an odometer around the tiles.
  std::vector<size_t> others;
  for (size_t d = 0; d < inner; ++d)
    if (d != a && d != b) others.push_back(d);
  std::vector<int64_t> index(inner, 0);
  size_t used = 0;
  while (true) {
    const bool new_block =
        std::all_of(others.begin(), others.end(), [&](size_t d) { return d < a || index[d] == 0; });
    if (new_block && used + block_bytes > buffer.size()) {
      sink(ByteSpan(buffer.data(), used));
      used = 0;
    }
    const std::byte* src = base;
    std::byte* dst = buffer.data() + used;
    for (size_t d : others) {
      src += index[d] * strides[d] * es;
      if (d > a) dst += index[d] * dst_step[d];
    }
    const TileWalk walk{shape[b],        shape[a],    strides[b] * es,
                        strides[a] * es, dst_step[b], dst_step[a]};
    switch (run_bytes) {  // a fixed-size copy per element: the switch in CopyRun cost 2x
      case 1:
        CopyTiles<1>(walk, dst, src);
        break;
      case 2:
        CopyTiles<2>(walk, dst, src);
        break;
      case 4:
        CopyTiles<4>(walk, dst, src);
        break;
      case 8:
        CopyTiles<8>(walk, dst, src);
        break;
      default:
        CopyTiles<0>(walk, dst, src, run_bytes);
    }
    size_t k = others.size();
    while (k > 0) {
      const size_t d = others[k - 1];
      if (++index[d] < shape[d]) break;
      index[d] = 0;
      --k;
    }
    // A block ends when every dim inside it has wrapped (or there are none).
    bool block_done = true;
    for (size_t d : others)
      if (d > a && index[d] != 0) block_done = false;
    if (block_done) used += block_bytes;
    if (k == 0) break;
  }
  if (used) sink(ByteSpan(buffer.data(), used));
}

// A permuted weight whose output's fastest dim walks the source's slowest (OIHW -> HWIO,
// OIHW -> OHWI, an FC's [out, in] -> [in, out]) is a transpose of the source matrix [O, K]
// whose output rows (one per k) come in another order: out[row(k) * O + o] = src[o * K + k].
// Done over a buffer of the whole tensor in tiles, a block of source rows at a time (one
// sequential read stream per row), each source and output cache line is touched
// once; the block walk above reads each source line again for every group of output rows (3x
// on a 3x3 kernel). resnet50 -> .pb: 118 -> 110 ms of CPU (perf stat, 20 runs).
struct RowTranspose {
  int64_t o = 0, k = 0;
  std::vector<uint32_t> row_of_k;
};

constexpr size_t kMaxTransposeBytes = size_t{1} << 25;

// The transpose of dims [0, inner) of a view with one-element runs, or nullopt when the view
// is not one (the output's last dim must have the largest stride, and the others must cover
// the K elements below it exactly once, in any order).
std::optional<RowTranspose> FindRowTranspose(const std::vector<int64_t>& shape,
                                             const std::vector<int64_t>& strides, size_t inner,
                                             size_t esize) {
  if (inner < 2) return std::nullopt;
  RowTranspose t;
  t.o = shape[inner - 1];
  t.k = strides[inner - 1];
  if (t.o < 2 || t.k < 2 || t.k > int64_t{1} << 31) return std::nullopt;
  if (static_cast<uint64_t>(t.o) * static_cast<uint64_t>(t.k) * esize > kMaxTransposeBytes)
    return std::nullopt;
  std::vector<size_t> dims;
  for (size_t d = 0; d + 1 < inner; ++d)
    if (shape[d] > 1) dims.push_back(d);
  std::vector<size_t> by_stride = dims;
  std::sort(by_stride.begin(), by_stride.end(),
            [&](size_t x, size_t y) { return strides[x] < strides[y]; });
  int64_t dense = 1;
  for (size_t d : by_stride) {
    if (strides[d] != dense) return std::nullopt;
    dense *= shape[d];
  }
  if (dense != t.k) return std::nullopt;
  // Output row r (C order over `dims`) holds source column k(r).
  t.row_of_k.resize(static_cast<size_t>(t.k));
  std::vector<int64_t> index(dims.size(), 0);
  int64_t k = 0;
  for (uint32_t r = 0; r < static_cast<uint32_t>(t.k); ++r) {
    t.row_of_k[static_cast<size_t>(k)] = r;
    for (size_t j = dims.size(); j-- > 0;) {
      const size_t d = dims[j];
      k += strides[d];
      if (++index[j] < shape[d]) break;
      k -= strides[d] * shape[d];
      index[j] = 0;
    }
  }
  return t;
}

// `scale` (float32 only): element o of each output row is float(double(x) * scale[o]), the
// BatchNorm fold of a deferred weight done in the same pass (deferred.h).
template <size_t N>
void TransposeTiles(const RowTranspose& t, const std::byte* src, std::byte* dst,
                    const double* scale = nullptr) {
  // 32 source rows by 16 columns: each output row gets two whole cache lines per tile, and
  // 32 read streams still prefetch (on a 512 x 4608 weight read from the page cache, 25%
  // less time than 16 x 16; 64 rows or 32 columns are slower).
  constexpr int64_t kRows = 32, kCols = 16;
  const int64_t src_row = t.k * static_cast<int64_t>(N), dst_row = t.o * static_cast<int64_t>(N);
  for (int64_t o0 = 0; o0 < t.o; o0 += kRows) {
    const int64_t o1 = std::min(t.o, o0 + kRows);
    for (int64_t k0 = 0; k0 < t.k; k0 += kCols) {
      const int64_t k1 = std::min(t.k, k0 + kCols);
      for (int64_t k = k0; k < k1; ++k) {
        std::byte* d = dst + t.row_of_k[static_cast<size_t>(k)] * dst_row;
        const std::byte* s = src + k * static_cast<int64_t>(N);
        if constexpr (N == sizeof(float)) {
          if (scale) {
            for (int64_t o = o0; o < o1; ++o) {
              float x;
              std::memcpy(&x, s + o * src_row, N);
              x = static_cast<float>(x * scale[o]);
              std::memcpy(d + o * static_cast<int64_t>(N), &x, N);
            }
            continue;
          }
        }
        for (int64_t o = o0; o < o1; ++o)
          std::memcpy(d + o * static_cast<int64_t>(N), s + o * src_row, N);
      }
    }
  }
}

// Streams the transpose; false (nothing sent) for element sizes it does not handle.
bool StreamRowTranspose(const RowTranspose& t, const std::byte* src, size_t esize,
                        const std::function<void(ByteSpan)>& sink) {
  const size_t bytes = static_cast<size_t>(t.o * t.k) * esize;
  const ScratchLease buffer(bytes);
  switch (esize) {
    case 1:
      TransposeTiles<1>(t, src, buffer.data());
      break;
    case 2:
      TransposeTiles<2>(t, src, buffer.data());
      break;
    case 4:
      TransposeTiles<4>(t, src, buffer.data());
      break;
    case 8:
      TransposeTiles<8>(t, src, buffer.data());
      break;
    default:
      return false;
  }
  sink(ByteSpan(buffer.data(), bytes));
  return true;
}

}  // namespace

namespace {

// Chunks ForEachChunk hands out of a contiguous tensor are at most this big: small enough to
// bound the RSS a mapped input adds, large enough that each write() is a big sequential one.
constexpr size_t kStreamChunkBytes = size_t{4} << 20;

// The bytes of its storage a non-empty, non-deferred view addresses (strides are >= 0).
ByteSpan StridedExtent(const Tensor& t) {
  int64_t hi = t.offset();
  for (size_t i = 0; i < t.shape().size(); ++i) hi += (t.shape()[i] - 1) * t.strides()[i];
  const size_t esize = ElementSize(t.dtype());
  return t.storage()->bytes.subspan(static_cast<size_t>(t.offset()) * esize,
                                    static_cast<size_t>(hi - t.offset() + 1) * esize);
}

// ForEachChunk of a non-contiguous, non-deferred view: a gather through the strides.
void GatherChunks(const Tensor& t, const std::function<void(ByteSpan)>& sink) {
  const std::vector<int64_t>& shape_ = t.shape();
  const std::vector<int64_t>& strides_ = t.strides();
  const int64_t offset_ = t.offset();
  // Merge trailing dims that are contiguous among themselves into one run.
  const size_t esize = ElementSize(t.dtype());
  size_t inner = shape_.size();
  int64_t run = 1;
  while (inner > 0 && (shape_[inner - 1] == 1 || strides_[inner - 1] == run)) {
    run *= shape_[inner - 1];
    --inner;
  }
  const std::byte* base = t.storage()->bytes.data();
  const size_t run_bytes = static_cast<size_t>(run) * esize;
  const size_t kBufferBytes = 1 << 16;
  if (run_bytes >= kBufferBytes || inner == 0) {  // big runs go to the sink as they are
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
  if (run_bytes == esize) {
    const std::optional<RowTranspose> rt = FindRowTranspose(shape_, strides_, inner, esize);
    if (rt && StreamRowTranspose(*rt, base + offset_ * esize, esize, sink)) return;
  }
  GatherInBlocks(shape_, strides_, inner, base + offset_ * esize, esize, run_bytes, sink);
}

}  // namespace

void Tensor::ForEachChunk(const std::function<void(ByteSpan)>& sink) const {
  if (numel() == 0) return;
  if (storage_->deferred) {
    deferred::ForEachChunk(*this, sink);
    return;
  }
  if (is_contiguous()) {
    // Bytes of a mapped input file stream in bounded chunks, each mapped in before the sink
    // reads it and dropped from RSS after (pt2tf/io/mapped_pages.h; for other memory both
    // calls do nothing, and a chunk kept by the sink stays readable).
    const ByteSpan all = contiguous_bytes();
    for (size_t at = 0; at < all.size(); at += kStreamChunkBytes) {
      const ByteSpan chunk = all.subspan(at, std::min(kStreamChunkBytes, all.size() - at));
      mapped_pages::Prefault(chunk);
      sink(chunk);
      mapped_pages::Release(chunk);
    }
    return;
  }
  // A strided view (a permuted weight) reads its extent in no useful order: mapped in whole
  // before the gather, dropped after.
  const ByteSpan extent = StridedExtent(*this);
  mapped_pages::Prefault(extent);
  GatherChunks(*this, sink);
  mapped_pages::Release(extent);
}

bool StreamScaledRowTranspose(const Tensor& view, int64_t row_elems, const double* scale,
                              const std::function<void(ByteSpan)>& sink) {
  if (view.dtype() != DType::kFloat32 || view.is_deferred() || view.is_contiguous() ||
      view.numel() == 0)
    return false;
  const std::vector<int64_t>& shape = view.shape();
  size_t inner = shape.size();
  while (inner > 0 && shape[inner - 1] == 1) --inner;
  if (inner == 0 || view.strides()[inner - 1] == 1) return false;
  const std::optional<RowTranspose> t =
      FindRowTranspose(shape, view.strides(), inner, sizeof(float));
  if (!t || t->k != row_elems) return false;
  const ByteSpan extent = StridedExtent(view);
  mapped_pages::Prefault(extent);
  const size_t bytes = static_cast<size_t>(t->o * t->k) * sizeof(float);
  {
    const ScratchLease buffer(bytes);
    TransposeTiles<sizeof(float)>(*t, extent.data(), buffer.data(), scale);
    sink(ByteSpan(buffer.data(), bytes));
  }
  mapped_pages::Release(extent);
  return true;
}

Tensor Tensor::ToContiguous() const {
  if (is_contiguous() && offset_ == 0 && !is_deferred()) return *this;
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
  if (storage_->deferred)
    return deferred::Element(*storage_->deferred, FlatToStorageIndex(*this, flat_index));
  return LoadElementAs<double>(
      storage_->bytes.data() + FlatToStorageIndex(*this, flat_index) * ElementSize(dtype_), dtype_);
}

int64_t Tensor::ElementAsInt(int64_t flat_index) const {
  if (storage_->deferred)
    return static_cast<int64_t>(
        deferred::Element(*storage_->deferred, FlatToStorageIndex(*this, flat_index)));
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

Result<Tensor> ScalarTensor(DType dtype, double v) {
  std::vector<std::byte> bytes(ElementSize(dtype));
  auto put = [&](auto x) { std::memcpy(bytes.data(), &x, sizeof(x)); };
  switch (dtype) {
    case DType::kFloat32:
      put(static_cast<float>(v));
      break;
    case DType::kFloat64:
      put(v);
      break;
    case DType::kFloat16:
      put(FloatToHalf(static_cast<float>(v)));
      break;
    case DType::kBFloat16: {
      float f = static_cast<float>(v);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      bits += 0x7fffu + ((bits >> 16) & 1);  // round to nearest even
      put(static_cast<uint16_t>(bits >> 16));
      break;
    }
    case DType::kInt64:
      put(static_cast<int64_t>(v));
      break;
    case DType::kInt32:
      put(static_cast<int32_t>(v));
      break;
    case DType::kInt16:
      put(static_cast<int16_t>(v));
      break;
    case DType::kInt8:
      put(static_cast<int8_t>(v));
      break;
    case DType::kUInt8:
      put(static_cast<uint8_t>(v));
      break;
    case DType::kBool:
      put(static_cast<uint8_t>(v != 0));
      break;
    default:
      return Unsupported("no scalar constant of type " + std::string(TorchName(dtype)));
  }
  return Tensor::FromBytes(dtype, {}, std::move(bytes));
}

Result<Tensor> Int64Tensor(const std::vector<int64_t>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(int64_t));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return Tensor::FromBytes(DType::kInt64, {static_cast<int64_t>(values.size())}, std::move(bytes));
}

}  // namespace pt2tf
