// torch.save zip archives and torch.jit.save archives: data.pkl + data/<key> storages.
#include <algorithm>

#include "io/loaders.h"
#include "io/pickle.h"
#include "io/state_dict.h"
#include "io/torch_pickle.h"
#include "io/torch_script.h"
#include "pt2tf/io/zip.h"

namespace pt2tf {
namespace {

std::string_view AsText(const Storage& s) {
  return {reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size()};
}

// Storages of a big-endian archive are copied once and swapped to little-endian, `unit`
// bytes at a time.
std::shared_ptr<const Storage> SwapToLittleEndian(const Storage& s, int unit) {
  std::vector<std::byte> bytes(s.bytes.begin(), s.bytes.end());
  for (size_t i = 0; i + unit <= bytes.size(); i += unit)
    std::reverse(bytes.begin() + i, bytes.begin() + i + unit);
  return Storage::Own(std::move(bytes));
}

}  // namespace

Status LoadTorchZip(const std::shared_ptr<const MappedFile>& file, const LoadOptions& options,
                    Checkpoint& out) {
  PT2TF_ASSIGN_OR_RETURN(ZipArchive zip, ZipArchive::Open(file));
  const bool script = zip.FindInTop("constants.pkl") != nullptr;
  out.format = script ? CheckpointFormat::kTorchScript : CheckpointFormat::kTorchZip;
  const ZipEntry* pkl = zip.FindInTop("data.pkl");
  if (pkl == nullptr)
    return InvalidInput("zip archive has no " +
                        (zip.top_folder().empty() ? "" : zip.top_folder() + "/") +
                        "data.pkl (not a PyTorch checkpoint)");
  bool big_endian = false;
  if (const ZipEntry* order = zip.FindInTop("byteorder")) {
    PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> text, zip.Read(*order));
    if (AsText(*text) == "big")
      big_endian = true;
    else if (AsText(*text) != "little")
      return InvalidInput("byteorder entry is neither 'little' nor 'big'");
  }
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> pickle_bytes, zip.Read(*pkl));

  pickle::Arena arena(pickle::Budget(options.pickle_budget_base, options.pickle_budget_per_byte));
  TorchHooks hooks;
  pickle::Limits limits{options.max_pickle_depth};
  Result<pickle::Value*> root = pickle::Load(pickle_bytes->bytes, arena, hooks, limits);
  if (!root.ok()) return root.status().WithContext("data.pkl");

  TensorBinder binder(
      [&](const pickle::StorageRef& ref) -> Result<std::shared_ptr<const Storage>> {
        const ZipEntry* entry = zip.FindInTop("data/" + ref.key);
        if (entry == nullptr) return InvalidInput("archive has no entry data/" + ref.key);
        PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> s, zip.Read(*entry));
        // Complex numbers swap per component, as torch does.
        int unit = ElementSize(ref.dtype);
        if (ref.dtype == DType::kComplex64 || ref.dtype == DType::kComplex128) unit /= 2;
        if (big_endian && unit > 1) return SwapToLittleEndian(*s, unit);
        return s;
      },
      file->size());
  if (script) {
    PT2TF_ASSIGN_OR_RETURN(ScriptClasses classes, ReadScriptClasses(zip));
    return ExtractTorchScript(**root, classes, binder, options.max_pickle_depth, arena.budget(),
                              out);
  }
  return ExtractTorchObject(**root, binder, options.max_pickle_depth, arena.budget(), out);
}

}  // namespace pt2tf
