// Reading zip archives (PyTorch >= 1.6 checkpoints, TorchScript archives) from a mapping.
// Everything comes from the central directory (and the ZIP64 records); local headers are
// read only for their name/extra lengths. Every offset and size is checked against the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf {

enum class ZipMethod : uint16_t { kStored = 0, kDeflate = 8 };

struct ZipEntry {
  std::string name;
  uint64_t local_header_offset = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint16_t method = 0;  // compare with ZipMethod; other values are refused on Read
  uint32_t crc32 = 0;
};

class ZipArchive {
 public:
  // Parses the central directory. Errors say what is wrong ("central directory offset past
  // end of file", ...); callers prefix the path.
  static Result<ZipArchive> Open(std::shared_ptr<const MappedFile> file);
  // True when the bytes start like a zip (local header or empty-archive end record).
  static bool LooksLikeZip(ByteSpan bytes);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The top folder every torch entry sits under ("archive", "resnet18", ...), from the
  // first entry's name; "" if the first entry has no '/'.
  const std::string& top_folder() const { return top_folder_; }
  // Exact-name lookup; nullptr if absent.
  const ZipEntry* Find(const std::string& name) const;
  // Lookup of "<top_folder>/<relative>".
  const ZipEntry* FindInTop(const std::string& relative) const;
  // The entry's bytes: a zero-copy view for stored entries, an inflated buffer for deflate
  // (output bounded by the declared size, itself bounded by a maximum ratio to the
  // compressed size). CRC is checked for deflated entries. All Reads of one archive together
  // inflate at most kMaxInflatedBase + kMaxInflatedPerFileByte * file size bytes: entries
  // may share (overlap) their compressed data, so per-entry ratios alone bound nothing.
  Result<std::shared_ptr<const Storage>> Read(const ZipEntry& entry) const;

  const std::shared_ptr<const MappedFile>& file() const { return file_; }

  static constexpr uint64_t kMaxInflatedBase = 64ull << 20;
  static constexpr uint64_t kMaxInflatedPerFileByte = 64;

 private:
  // The entry's raw (possibly compressed) bytes, located through its local header.
  Result<ByteSpan> RawData(const ZipEntry& entry) const;

  std::shared_ptr<const MappedFile> file_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in entries_
  std::string top_folder_;
  mutable uint64_t inflated_ = 0;  // bytes all Reads have inflated so far
};

}  // namespace pt2tf
