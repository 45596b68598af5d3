// The per-format loaders behind LoadCheckpoint (checkpoint.cpp picks one by the file's first
// bytes). Each fills a Checkpoint whose tensors view `file`; errors do not yet name the path.
#pragma once

#include <memory>

#include "pt2tf/io/checkpoint.h"
#include "pt2tf/io/mapped_file.h"

namespace pt2tf {

// torch.save zip archives, and torch.jit.save archives (they hold constants.pkl).
Status LoadTorchZip(const std::shared_ptr<const MappedFile>& file, const LoadOptions& options,
                    Checkpoint& out);
// torch.save(..., _use_new_zipfile_serialization=False).
Status LoadTorchLegacy(const std::shared_ptr<const MappedFile>& file, const LoadOptions& options,
                       Checkpoint& out);
Status LoadSafetensors(const std::shared_ptr<const MappedFile>& file, Checkpoint& out);
// Whether the first bytes look like a safetensors header.
bool LooksLikeSafetensors(ByteSpan bytes);

}  // namespace pt2tf
