// safetensors: u64 header length N, N bytes of JSON, then the data. Each tensor's
// data_offsets are relative to the data start; together they must tile it without holes.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "io/byte_reader.h"
#include "io/loaders.h"

namespace pt2tf {
namespace {

constexpr uint64_t kMaxHeader = 100u << 20;  // the format's own limit
constexpr int kMaxJsonDepth = 16;

Result<uint64_t> NonNegative(const nlohmann::json& j, const std::string& what) {
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<int64_t>() >= 0))
    return InvalidInput(what + " is not a non-negative integer");
  return j.get<uint64_t>();
}

struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

Result<Entry> ParseEntry(const std::string& name, const nlohmann::json& info) {
  if (!info.is_object()) return InvalidInput("tensor " + name + ": entry is not an object");
  Entry e{name, DType::kFloat32, {}, 0, 0};
  auto dtype = info.find("dtype");
  if (dtype == info.end() || !dtype->is_string())
    return InvalidInput("tensor " + name + ": no dtype");
  std::optional<DType> d = DTypeFromSafetensors(dtype->get<std::string>());
  if (!d) return Unsupported("tensor " + name + ": dtype " + dtype->get<std::string>());
  e.dtype = *d;
  auto shape = info.find("shape");
  if (shape == info.end() || !shape->is_array())
    return InvalidInput("tensor " + name + ": no shape");
  uint64_t numel = 1;
  for (const auto& dim : *shape) {
    PT2TF_ASSIGN_OR_RETURN(uint64_t n, NonNegative(dim, "tensor " + name + ": dimension"));
    if (n > INT64_MAX || __builtin_mul_overflow(numel, n, &numel))
      return InvalidInput("tensor " + name + ": element count overflows");
    e.shape.push_back(static_cast<int64_t>(n));
  }
  auto offsets = info.find("data_offsets");
  if (offsets == info.end() || !offsets->is_array() || offsets->size() != 2)
    return InvalidInput("tensor " + name + ": no data_offsets pair");
  PT2TF_ASSIGN_OR_RETURN(e.begin, NonNegative((*offsets)[0], "tensor " + name + ": offset"));
  PT2TF_ASSIGN_OR_RETURN(e.end, NonNegative((*offsets)[1], "tensor " + name + ": offset"));
  uint64_t nbytes;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(ElementSize(e.dtype)), &nbytes))
    return InvalidInput("tensor " + name + ": byte size overflows");
  if (e.end < e.begin || e.end - e.begin != nbytes)
    return InvalidInput("tensor " + name + ": data_offsets [" + std::to_string(e.begin) + ", " +
                        std::to_string(e.end) + ") do not hold " + std::to_string(nbytes) +
                        " bytes");
  return e;
}

}  // namespace

bool LooksLikeSafetensors(ByteSpan bytes) {
  // The length is checked by the loader, so that a lying one gets a precise error.
  return bytes.size() >= 9 && static_cast<char>(bytes[8]) == '{';
}

Status LoadSafetensors(const std::shared_ptr<const MappedFile>& file, Checkpoint& out) {
  ByteSpan bytes = file->bytes();
  if (bytes.size() < 8) return InvalidInput("safetensors file is shorter than its header");
  uint64_t n = LoadLE<uint64_t>(bytes.data());
  if (n > bytes.size() - 8)
    return InvalidInput("safetensors header length " + std::to_string(n) +
                        " exceeds the file size");
  if (n > kMaxHeader) return InvalidInput("safetensors header is larger than 100 MB");
  const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
  bool too_deep = false;
  nlohmann::json header = nlohmann::json::parse(
      text, text + n,
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth) too_deep = true;
        return !too_deep;
      },
      /*allow_exceptions=*/false);
  if (too_deep) return InvalidInput("safetensors header nests too deeply");
  if (header.is_discarded() || !header.is_object())
    return InvalidInput("safetensors header is not a JSON object");
  ByteSpan data = bytes.subspan(8 + n);
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (info.is_object())
        for (const auto& [k, v] : info.items()) out.metadata[k] = v;
      continue;
    }
    PT2TF_ASSIGN_OR_RETURN(Entry e, ParseEntry(name, info));
    entries.push_back(std::move(e));
  }
  // Report tensors in data order (the JSON object does not keep one), then check the tiling.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  uint64_t expected = 0;
  for (const Entry& e : entries) {
    if (e.begin != expected)
      return InvalidInput("tensor " + e.name + " starts at " + std::to_string(e.begin) +
                          " but the previous one ends at " + std::to_string(expected) +
                          " (data_offsets must tile the data)");
    expected = e.end;
  }
  if (expected != data.size())
    return InvalidInput("tensors cover " + std::to_string(expected) + " bytes but the data holds " +
                        std::to_string(data.size()));
  for (Entry& e : entries) {
    auto storage = Storage::View(file, data.subspan(e.begin, e.end - e.begin));
    PT2TF_ASSIGN_OR_RETURN(Tensor t, Tensor::Contiguous(e.dtype, std::move(e.shape), storage));
    out.tensors.push_back({e.name, std::move(t)});
  }
  return OkStatus();
}

}  // namespace pt2tf
