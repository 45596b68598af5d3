#include "pt2tf/io/checkpoint.h"

#include "io/loaders.h"
#include "pt2tf/io/zip.h"

namespace pt2tf {

std::string_view FormatName(CheckpointFormat f) {
  switch (f) {
    case CheckpointFormat::kTorchZip:
      return "torch-zip";
    case CheckpointFormat::kTorchLegacy:
      return "torch-legacy";
    case CheckpointFormat::kTorchScript:
      return "torchscript";
    case CheckpointFormat::kSafetensors:
      return "safetensors";
  }
  return "unknown";
}

const Tensor* Checkpoint::Find(const std::string& name) const {
  for (const NamedTensor& t : tensors)
    if (t.name == name) return &t.tensor;
  return nullptr;
}

Result<Checkpoint> LoadCheckpoint(const std::string& path, const LoadOptions& options) {
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  Checkpoint ckpt;
  ckpt.path = path;
  ckpt.file = file;
  ByteSpan head = file->bytes();
  Status s;
  if (head.empty()) {
    s = InvalidInput("empty file");
  } else if (ZipArchive::LooksLikeZip(head)) {
    s = LoadTorchZip(file, options, ckpt);
  } else if (static_cast<uint8_t>(head[0]) == 0x80) {  // a pickle PROTO opcode
    ckpt.format = CheckpointFormat::kTorchLegacy;
    s = LoadTorchLegacy(file, options, ckpt);
  } else if (LooksLikeSafetensors(head)) {
    ckpt.format = CheckpointFormat::kSafetensors;
    s = LoadSafetensors(file, ckpt);
  } else if (head.size() > 262 &&
             std::string_view(reinterpret_cast<const char*>(head.data()) + 257, 5) == "ustar") {
    s = Unsupported("tar checkpoints (PyTorch < 0.4) are not supported");
  } else {
    s = InvalidInput("not a PyTorch checkpoint, TorchScript archive or safetensors file");
  }
  if (!s.ok()) return s.WithContext(path);
  return ckpt;
}

}  // namespace pt2tf
