// The pickle VM with the torch hooks, then the state-dict / module-tree extraction, with
// every storage served as zero bytes of the size its persistent id claims (capped).
#include "fuzz_support.h"
#include "io/pickle.h"
#include "io/state_dict.h"
#include "io/torch_pickle.h"
#include "pt2tf/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pt2tf;
  ByteSpan bytes(reinterpret_cast<const std::byte*>(data), size);
  LoadOptions options;
  pickle::Arena arena(pickle::Budget(options.pickle_budget_base, options.pickle_budget_per_byte));
  TorchHooks hooks;
  pickle::Limits limits{options.max_pickle_depth};
  Result<pickle::Value*> root = pickle::Load(bytes, arena, hooks, limits);
  if (!root.ok()) return 0;
  TensorBinder binder(
      [](const pickle::StorageRef& ref) -> Result<std::shared_ptr<const Storage>> {
        uint64_t n = ref.is_view ? ref.view_numel : ref.numel;
        if (n > (1u << 16)) return InvalidInput("storage too big for the fuzzer");
        return Storage::Own(std::vector<std::byte>(n * ElementSize(ref.dtype)));
      },
      size);
  Checkpoint out;
  if (!ExtractTorchObject(**root, binder, options.max_pickle_depth, arena.budget(), out).ok())
    return 0;
  for (const NamedTensor& t : out.tensors) (void)JsonDump(nlohmann::ordered_json(t.name));
  for (const ModuleInfo& m : out.modules) (void)JsonDump(m.attributes);
  return 0;
}
