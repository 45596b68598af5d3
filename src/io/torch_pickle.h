// What torch's pickles mean: the known constructors a checkpoint pickle may call (tensor
// rebuilds, OrderedDict, torch.Size, sets, _codecs.encode ...), storages named by persistent
// ids, and binding rebuilt tensors to the bytes of their storages.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "io/pickle.h"
#include "pt2tf/tensor.h"

namespace pt2tf {

// Hooks for torch.save / torch.jit.save pickles. Nothing named by the pickle is called:
// known constructors are interpreted here, everything else stays an inert record.
class TorchHooks : public pickle::Hooks {
 public:
  Result<pickle::Value*> PersistentLoad(pickle::Arena& arena, pickle::Value* pid) override;
  Result<pickle::Value*> Call(pickle::Arena& arena, const pickle::Value& callable,
                              pickle::Value* args) override;
  // Storage key -> dtype of the storage class, from the first persistent id naming it.
  const std::map<std::string, DType>& storage_dtypes() const { return storage_dtypes_; }

 private:
  std::map<std::string, DType> storage_dtypes_;
};

// Returns the bytes of a storage (a zip entry, a slice of the legacy data area ...).
using StorageSource =
    std::function<Result<std::shared_ptr<const Storage>>(const pickle::StorageRef&)>;

// Turns kTensor values into zero-copy Tensors; each storage is fetched once.
// Views may overlap (shared storages, zero-stride expanded tensors), so the bytes the
// tensors address can exceed the file's; their total is capped at
// kViewBytesBase + kViewBytesPerFileByte * file size, so that a few bytes of pickle cannot
// make `inspect --hash` or a writer stream gigabytes.
class TensorBinder {
 public:
  static constexpr uint64_t kViewBytesBase = 64ull << 20;
  static constexpr uint64_t kViewBytesPerFileByte = 16;
  TensorBinder(StorageSource source, uint64_t file_bytes);
  Result<Tensor> Bind(const pickle::Value& value);

 private:
  StorageSource source_;
  std::map<std::string, std::shared_ptr<const Storage>> cache_;
  uint64_t max_view_bytes_;
  uint64_t view_bytes_ = 0;
};

// The dtype a global like `torch.float32` names, if it names one.
std::optional<DType> DTypeOfGlobal(const pickle::Value& v);

}  // namespace pt2tf
