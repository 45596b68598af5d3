// The zip reader alone: central directory, ZIP64 records, local headers, stored and deflated
// entries (with their size-ratio bound and CRC check).
#include "fuzz_support.h"
#include "pt2tf/io/zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = pt2tf::fuzz::WriteScratch("input.zip", data, size);
  auto file = pt2tf::MappedFile::Open(path);
  if (!file.ok()) return 0;
  auto zip = pt2tf::ZipArchive::Open(*file);
  if (!zip.ok()) return 0;
  for (const pt2tf::ZipEntry& e : zip->entries()) {
    auto bytes = zip->Read(e);
    if (bytes.ok() && !(*bytes)->bytes.empty()) {
      volatile std::byte sink = (*bytes)->bytes.back();  // touch the last byte read
      (void)sink;
    }
    (void)zip->FindInTop(e.name);
  }
  return 0;
}
