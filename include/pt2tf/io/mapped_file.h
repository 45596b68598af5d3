// A read-only memory mapping of a whole file: the one way pt2tf reads input bytes.
// Tensors read from a checkpoint are views into it and keep it alive through a shared_ptr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "pt2tf/status.h"

namespace pt2tf {

using ByteSpan = std::span<const std::byte>;

class MappedFile {
 public:
  // Maps `path` read-only. Errors name the path and the OS reason.
  static Result<std::shared_ptr<const MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  ByteSpan bytes() const { return {data_, static_cast<size_t>(size_)}; }

  // Starts reading the whole file into the page cache (MADV_WILLNEED), for callers about to
  // read every byte (convert). It maps no page, so it adds nothing to RSS: weights are mapped
  // in and dropped again chunk by chunk as they stream (pt2tf/io/mapped_pages.h).
  void WillReadAll() const;

  // The sub-range [offset, offset+length), or an error if it does not lie inside the file.
  Result<ByteSpan> Slice(uint64_t offset, uint64_t length) const;

 private:
  MappedFile(std::string path, const std::byte* data, uint64_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace pt2tf
