#include "pt2/archive.h"

#include <nlohmann/json.hpp>

#include "pt2/program_json.h"
#include "pt2tf/io/zip.h"

namespace pt2tf::pt2 {
namespace {

constexpr uint64_t kMaxJsonBytes = 1ull << 30;  // a program's JSON is text; 1 GiB is plenty
constexpr int kMaxJsonDepth = 64;

std::string AsText(const Storage& s) {
  return {reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size()};
}

Result<nlohmann::json> ParseJsonEntry(const ZipArchive& zip, const ZipEntry& entry) {
  if (entry.uncompressed_size > kMaxJsonBytes)
    return InvalidInput(entry.name + " is larger than 1 GiB");
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> bytes, zip.Read(entry));
  const char* text = reinterpret_cast<const char*>(bytes->bytes.data());
  bool too_deep = false;
  nlohmann::json j = nlohmann::json::parse(
      text, text + bytes->bytes.size(),
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth) too_deep = true;
        return !too_deep;
      },
      /*allow_exceptions=*/false);
  if (too_deep) return InvalidInput(entry.name + ": JSON nests too deeply");
  if (j.is_discarded() || !j.is_object()) return InvalidInput(entry.name + ": not a JSON object");
  return j;
}

// A payload file name from a config: one plain path component, so a hostile config cannot
// point outside its directory ("../models/model.json", "/etc/passwd").
bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

// Tensors of one payload directory (data/weights or data/constants) by config name.
Status ReadPayloads(const ZipArchive& zip, const std::string& dir, const std::string& config_name,
                    std::map<std::string, Tensor>& out) {
  const ZipEntry* config_entry = zip.FindInTop(dir + "/" + config_name);
  if (config_entry == nullptr) return OkStatus();  // nothing of this kind
  PT2TF_ASSIGN_OR_RETURN(nlohmann::json config_json, ParseJsonEntry(zip, *config_entry));
  Result<PayloadConfig> config = ParsePayloadConfig(config_json);
  if (!config.ok()) return config.status().WithContext(config_entry->name);
  std::map<std::string, std::shared_ptr<const Storage>> storages;  // shared files read once
  for (const auto& [name, meta] : *config) {
    const std::string what = dir + "/" + config_name + ": " + name;
    if (!IsPlainName(meta.path_name))
      return InvalidInput(what + ": payload path '" + meta.path_name +
                          "' is not a plain file name");
    if (meta.use_pickle)
      return Unsupported(what +
                         ": pickled payloads (custom objects, tensor subclasses) are "
                         "not supported; nothing in them is run");
    if (!meta.tensor_meta) return InvalidInput(what + ": no tensor_meta");
    const TensorMeta& tm = *meta.tensor_meta;
    auto& storage = storages[meta.path_name];
    if (!storage) {
      const ZipEntry* entry = zip.FindInTop(dir + "/" + meta.path_name);
      if (entry == nullptr)
        return InvalidInput(what + ": archive has no " + dir + "/" + meta.path_name);
      PT2TF_ASSIGN_OR_RETURN(storage, zip.Read(*entry));
    }
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, StaticSizes(tm, what));
    std::vector<int64_t> strides;
    for (const SymDim& d : tm.strides) {
      if (d.symbolic()) return InvalidInput(what + ": symbolic stride");
      strides.push_back(d.value);
    }
    if (tm.storage_offset.symbolic() || tm.storage_offset.value < 0)
      return InvalidInput(what + ": bad storage offset");
    Result<Tensor> t = Tensor::Make(tm.dtype, sizes, strides, tm.storage_offset.value, storage);
    if (!t.ok()) return t.status().WithContext(what);
    out.emplace(name, std::move(*t));
  }
  return OkStatus();
}

Result<Pt2File> ReadUnprefixed(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  if (!ZipArchive::LooksLikeZip(file->bytes()))
    return InvalidInput("not a torch.export archive (not a zip file)");
  PT2TF_ASSIGN_OR_RETURN(ZipArchive zip, ZipArchive::Open(file));
  Pt2File out;
  out.path = path;
  const ZipEntry* format = zip.FindInTop("archive_format");
  if (format == nullptr) return InvalidInput("not a torch.export archive (no archive_format)");
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> format_text, zip.Read(*format));
  if (AsText(*format_text) != "pt2")
    return InvalidInput("archive_format is '" + AsText(*format_text).substr(0, 32) +
                        "', not 'pt2'");
  if (const ZipEntry* version = zip.FindInTop("archive_version")) {
    PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> text, zip.Read(*version));
    out.archive_version = AsText(*text).substr(0, 32);
  }
  if (const ZipEntry* order = zip.FindInTop("byteorder")) {
    PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> text, zip.Read(*order));
    if (AsText(*text) != "little")
      return Unsupported("byteorder '" + AsText(*text).substr(0, 16) +
                         "': only little-endian archives are supported");
  }
  // One exported program per archive: models/model.json (torch.export.save's name), or the
  // only models/*.json there is.
  const std::string models = (zip.top_folder().empty() ? "" : zip.top_folder() + "/") + "models/";
  const ZipEntry* program_entry = zip.FindInTop("models/model.json");
  if (program_entry == nullptr) {
    for (const ZipEntry& e : zip.entries()) {
      if (e.name.rfind(models, 0) != 0 || e.name.size() <= models.size() + 5 ||
          e.name.compare(e.name.size() - 5, 5, ".json") != 0 ||
          e.name.find('/', models.size()) != std::string::npos)
        continue;
      if (program_entry != nullptr)
        return Unsupported("archive holds several programs (" + program_entry->name + ", " +
                           e.name + "); pt2tf converts one");
      program_entry = &e;
    }
  }
  if (program_entry == nullptr) return InvalidInput("archive has no models/model.json");
  out.model_name =
      program_entry->name.substr(models.size(), program_entry->name.size() - models.size() - 5);
  if (!IsPlainName(out.model_name)) return InvalidInput("bad program name " + program_entry->name);
  PT2TF_ASSIGN_OR_RETURN(nlohmann::json program_json, ParseJsonEntry(zip, *program_entry));
  Result<Program> program = ParseProgram(program_json);
  if (!program.ok()) return program.status().WithContext(program_entry->name);
  out.program = std::move(*program);
  PT2TF_RETURN_IF_ERROR(
      ReadPayloads(zip, "data/weights", out.model_name + "_weights_config.json", out.weights));
  PT2TF_RETURN_IF_ERROR(ReadPayloads(zip, "data/constants",
                                     out.model_name + "_constants_config.json", out.constants));
  return out;
}

}  // namespace

Result<std::vector<int64_t>> StaticSizes(const TensorMeta& meta, const std::string& what) {
  std::vector<int64_t> sizes;
  for (const SymDim& d : meta.sizes) {
    if (d.symbolic()) return InvalidInput(what + ": symbolic size " + d.expr);
    sizes.push_back(d.value);
  }
  return sizes;
}

Result<Pt2File> ReadPt2File(const std::string& path) {
  Result<Pt2File> f = ReadUnprefixed(path);
  if (!f.ok() && f.status().message().rfind(path, 0) != 0) return f.status().WithContext(path);
  return f;
}

}  // namespace pt2tf::pt2
