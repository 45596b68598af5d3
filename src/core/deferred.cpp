#include "pt2tf/deferred.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <span>

#include "core/row_transpose.h"
#include "core/scratch.h"

namespace pt2tf {
namespace {

// Which row (of the deferred storage) output element p of a view reads, as a counter:
//   row(p) = row0 + ((p + phase) / inner) % count.
// Contiguous views walk rows in order (count unbounded); permuted views of [rows, ...]
// (HWIO, OHWI, depthwise [H, W, C, M], an FC transpose) have their row axes as one block of
// consecutive view axes in C order, so the row advances every `inner` elements and wraps.
struct RowWalk {
  int64_t row0 = 0;
  int64_t inner = 1;
  int64_t count = 1;
  int64_t phase = 0;
};

std::optional<RowWalk> FindRowWalk(const Tensor& view, int64_t row_elems) {
  const int64_t o = view.offset();
  if (view.is_contiguous())
    return RowWalk{o / row_elems, row_elems, std::numeric_limits<int64_t>::max(), o % row_elems};
  const std::vector<int64_t>& n = view.shape();
  const std::vector<int64_t>& s = view.strides();
  // Axes of extent > 1: a row axis moves by whole rows, any other must stay inside one row.
  std::vector<size_t> row_axes;
  int64_t reach = o % row_elems;  // furthest element inside a row the other axes reach
  int64_t inner = 1;
  for (size_t d = 0; d < n.size(); ++d) {
    if (n[d] == 1) continue;
    if (s[d] != 0 && s[d] % row_elems == 0) {
      if (!row_axes.empty() && inner != 1) return std::nullopt;  // row axes not one block
      row_axes.push_back(d);
    } else {
      reach += (n[d] - 1) * s[d];
      if (!row_axes.empty()) inner *= n[d];
    }
  }
  if (reach >= row_elems) return std::nullopt;
  RowWalk walk{o / row_elems, inner, 1, 0};
  if (row_axes.empty()) {
    walk.inner = std::max<int64_t>(view.numel(), 1);
    return walk;
  }
  for (size_t k = row_axes.size(); k-- > 0;) {  // row = C-order index over the block
    const size_t d = row_axes[k];
    if (s[d] / row_elems != walk.count) return std::nullopt;
    walk.count *= n[d];
  }
  return walk;
}

// `view` over the deferred storage's source: the same strides, since the source is
// C-contiguous and element e of the deferred storage is element e of the source.
Result<Tensor> SourceView(const Tensor& view, const RowScale& rows) {
  return Tensor::Make(DType::kFloat32, view.shape(), view.strides(),
                      view.offset() + rows.source.offset(), rows.source.storage());
}

// The whole deferred storage computed into memory, then `view` of that copy (the fallback).
void StreamMaterialised(const Tensor& view, const RowScale& rows,
                        const std::function<void(ByteSpan)>& sink) {
  auto all = Tensor::Contiguous(DType::kFloat32, {rows.source.numel()}, view.storage());
  if (!all.ok()) return;
  const Tensor copy = all->ToContiguous();
  auto again =
      Tensor::Make(DType::kFloat32, view.shape(), view.strides(), view.offset(), copy.storage());
  if (again.ok()) again->ForEachChunk(sink);
}

}  // namespace

Result<Tensor> ScaleRows(const Tensor& source, std::vector<double> scale) {
  if (source.dtype() != DType::kFloat32 || source.rank() < 1)
    return InternalError("ScaleRows: needs a float32 tensor of rank >= 1, got " +
                         std::string(TorchName(source.dtype())) + " " +
                         ShapeToString(source.shape()));
  if (static_cast<int64_t>(scale.size()) != source.shape()[0])
    return InternalError("ScaleRows: " + std::to_string(scale.size()) + " scales for shape " +
                         ShapeToString(source.shape()));
  auto rows = std::make_shared<RowScale>();
  rows->source = source.is_contiguous() ? source : source.ToContiguous();
  rows->row_elems = source.shape()[0] ? source.numel() / source.shape()[0] : 0;
  rows->scale = std::move(scale);
  auto storage = std::make_shared<const Storage>(Storage{nullptr, {}, std::move(rows)});
  return Tensor::Contiguous(DType::kFloat32, source.shape(), std::move(storage));
}

namespace deferred {

double Element(const RowScale& rows, int64_t index) {
  const double x = rows.source.ElementAsDouble(index);
  return static_cast<float>(x * rows.scale[static_cast<size_t>(index / rows.row_elems)]);
}

void ForEachChunk(const Tensor& view, const std::function<void(ByteSpan)>& sink) {
  const RowScale& rows = *view.storage()->deferred;
  if (view.numel() == 0 || rows.row_elems == 0) return;
  const std::optional<RowWalk> walk = FindRowWalk(view, rows.row_elems);
  Result<Tensor> source = SourceView(view, rows);
  if (!walk || !source.ok()) {
    StreamMaterialised(view, rows, sink);
    return;
  }
  // A transposed view of whole rows (HWIO, OHWI, an FC transpose): scaled while transposed,
  // in one pass, handed on in chunks of at most kChunkBytes.
  if (walk->inner == 1 && view.offset() % rows.row_elems == 0 &&
      StreamScaledRowTranspose(*source, rows.row_elems, rows.scale.data() + walk->row0,
                               [&](ByteSpan all) {
                                 for (size_t at = 0; at < all.size(); at += kChunkBytes)
                                   sink(all.subspan(at, std::min(kChunkBytes, all.size() - at)));
                               }))
    return;
  // Counters of RowWalk at the current output element, carried across chunks.
  int64_t r = walk->phase, q = 0;
  const ScratchLease scratch(kChunkBytes);
  source->ForEachChunk([&](ByteSpan chunk) {
    for (size_t done = 0; done < chunk.size();) {
      const size_t bytes = std::min(chunk.size() - done, kChunkBytes);
      const std::span<float> out(reinterpret_cast<float*>(scratch.data()), bytes / sizeof(float));
      std::memcpy(out.data(), chunk.data() + done, bytes);
      size_t k = 0;
      if (walk->inner == 1) {
        // The row moves every element (HWIO, OHWI): element k of a cycle takes scale k, so
        // whole stretches of the cycle are one vectorisable loop (q in a local: the
        // captured counter would be stored on every element).
        const double* scale = rows.scale.data() + walk->row0;
        int64_t row = q;
        while (k < out.size()) {
          const size_t len =
              static_cast<size_t>(std::min<int64_t>(walk->count - row, out.size() - k));
          float* o = out.data() + k;
          const double* sc = scale + row;
          for (size_t j = 0; j < len; ++j) o[j] = static_cast<float>(o[j] * sc[j]);
          k += len;
          row += static_cast<int64_t>(len);
          if (row == walk->count) row = 0;
        }
        q = row;
      }
      while (k < out.size()) {
        // A run of elements of one row: the same expression as an eager fold,
        // float(double(w) * scale), element by element.
        const size_t run = static_cast<size_t>(
            std::min<int64_t>(walk->inner - r, static_cast<int64_t>(out.size() - k)));
        const double sc = rows.scale[static_cast<size_t>(walk->row0 + q)];
        for (size_t j = k; j < k + run; ++j) out[j] = static_cast<float>(out[j] * sc);
        k += run;
        r += static_cast<int64_t>(run);
        if (r == walk->inner) {
          r = 0;
          if (++q == walk->count) q = 0;
        }
      }
      sink(ByteSpan(reinterpret_cast<const std::byte*>(out.data()), bytes));
      done += bytes;
    }
  });
}

}  // namespace deferred
}  // namespace pt2tf
