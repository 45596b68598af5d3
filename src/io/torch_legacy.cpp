// torch.save(..., _use_new_zipfile_serialization=False): five pickles and raw storages in one
// stream. Magic number, protocol 1001, sys_info, the object, the storage key list; then per
// key (in list order) an int64 element count and that many little-endian elements.
#include <map>

#include "io/byte_reader.h"
#include "io/loaders.h"
#include "io/pickle.h"
#include "io/state_dict.h"
#include "io/torch_pickle.h"

namespace pt2tf {
namespace {

// 0x1950a86a20f9469cfc6c as LONG1 pickles it: little-endian two's complement.
constexpr unsigned char kMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kProtocolVersion = 1001;

struct Span {
  uint64_t offset = 0;
  uint64_t size = 0;
};

}  // namespace

Status LoadTorchLegacy(const std::shared_ptr<const MappedFile>& file, const LoadOptions& options,
                       Checkpoint& out) {
  ByteSpan bytes = file->bytes();
  pickle::Arena arena(pickle::Budget(options.pickle_budget_base, options.pickle_budget_per_byte));
  TorchHooks hooks;
  pickle::Limits limits{options.max_pickle_depth};
  uint64_t pos = 0;
  auto next = [&](const char* what) -> Result<pickle::Value*> {
    uint64_t used = 0;
    Result<pickle::Value*> v = pickle::Load(bytes.subspan(pos), arena, hooks, limits, &used);
    if (!v.ok()) return v.status().WithContext(what);
    pos += used;
    return v;
  };
  PT2TF_ASSIGN_OR_RETURN(pickle::Value * magic, next("magic number"));
  if (magic->kind != pickle::Kind::kBigInt || magic->text.size() != sizeof kMagic ||
      std::memcmp(magic->text.data(), kMagic, sizeof kMagic) != 0)
    return InvalidInput("bad magic number (not a PyTorch legacy checkpoint)");
  PT2TF_ASSIGN_OR_RETURN(pickle::Value * protocol, next("protocol version"));
  if (protocol->kind != pickle::Kind::kInt || protocol->i != kProtocolVersion)
    return Unsupported("legacy checkpoint protocol version is not 1001");
  PT2TF_ASSIGN_OR_RETURN(pickle::Value * sys_info, next("sys_info"));
  if (const pickle::Value* le = sys_info->Get("little_endian");
      le && le->kind == pickle::Kind::kBool && !le->b)
    return Unsupported("legacy checkpoint written on a big-endian machine");
  PT2TF_ASSIGN_OR_RETURN(pickle::Value * root, next("object pickle"));
  PT2TF_ASSIGN_OR_RETURN(pickle::Value * keys, next("storage key list"));
  if (keys->kind != pickle::Kind::kList) return InvalidInput("storage key list is not a list");

  // Lay out the storages that follow, checking each against the bytes that remain.
  std::map<std::string, Span> storages;
  for (const pickle::Value* key : keys->items) {
    if (!key->IsString()) return InvalidInput("storage key is not a string");
    auto dtype = hooks.storage_dtypes().find(key->text);
    if (dtype == hooks.storage_dtypes().end())
      return InvalidInput("storage " + key->text + " is listed but never used");
    if (bytes.size() - pos < 8)
      return InvalidInput("storage " + key->text + " lies past the end of the file");
    uint64_t count = LoadLE<uint64_t>(bytes.data() + pos);
    pos += 8;
    uint64_t size;
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(ElementSize(dtype->second)), &size) ||
        size > bytes.size() - pos)
      return InvalidInput("storage " + key->text + " claims " + std::to_string(count) +
                          " elements, more than the file holds");
    storages[key->text] = {pos, size};
    pos += size;
  }
  TensorBinder binder(
      [&](const pickle::StorageRef& ref) -> Result<std::shared_ptr<const Storage>> {
        auto it = storages.find(ref.key);
        if (it == storages.end())
          return InvalidInput("storage " + ref.key + " is not in the key list");
        Span s = it->second;
        if (ref.is_view) {
          uint64_t esize = ElementSize(ref.dtype), off, len;
          if (__builtin_mul_overflow(ref.view_offset, esize, &off) ||
              __builtin_mul_overflow(ref.view_numel, esize, &len) || off > s.size ||
              len > s.size - off)
            return InvalidInput("storage view " + ref.view_key + " lies outside storage " +
                                ref.key);
          s = {s.offset + off, len};
        }
        return Storage::View(file, bytes.subspan(s.offset, s.size));
      },
      file->size());
  return ExtractTorchObject(*root, binder, options.max_pickle_depth, arena.budget(), out);
}

}  // namespace pt2tf
