// Writing an output file atomically: bytes go to a temporary file beside the destination,
// which is renamed over it only when everything was written. Whatever goes wrong, no
// partial output is left behind under either name.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"

namespace pt2tf {

class OutputFile {
 public:
  // Creates the temporary file "<path>.tmp.<pid>.<n>". Errors name `path` and the OS reason
  // (e.g. the directory does not exist, or `path` is a directory).
  static Result<std::unique_ptr<OutputFile>> Create(const std::string& path);
  ~OutputFile();  // removes the temporary file unless Commit() succeeded
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Status Write(ByteSpan bytes);
  Status Write(std::string_view bytes);
  // Appends bytes [offset, offset + length) of the file at `source`, copied by the kernel
  // (copy_file_range; read/write where the filesystem cannot): for bytes this run already
  // wrote to another output, so they are neither computed nor passed through user space again.
  // The caller checks that `source` holds that range.
  Status AppendFileRange(const std::string& source, uint64_t offset, uint64_t length);
  uint64_t bytes_written() const { return written_; }
  // Flushes, closes and renames the temporary file to the destination.
  Status Commit();

  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, std::string temp_path, std::FILE* file)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), file_(file) {}
  Status Fail(const std::string& what, int err);

  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  uint64_t written_ = 0;
  bool committed_ = false;
};

}  // namespace pt2tf
