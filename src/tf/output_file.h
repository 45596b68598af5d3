// Atomic outputs: a file or directory is built under a temporary name next to its final
// path and renamed into place only when complete; on failure (or when the object is
// destroyed uncommitted) the temporary is removed, so no partial output is ever left.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"

namespace pt2tf::tf {

// Where serialised bytes go.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(ByteSpan bytes) = 0;
  Status Write(const std::string& s) {
    return Write(ByteSpan(reinterpret_cast<const std::byte*>(s.data()), s.size()));
  }
};

class AtomicFile : public ByteSink {
 public:
  // Opens "<dir of path>/.<name>.tmp-XXXXXX" for writing.
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& path);
  ~AtomicFile() override;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  using ByteSink::Write;
  Status Write(ByteSpan bytes) override;
  // Flushes, closes and renames to the final path.
  Status Commit();
  uint64_t bytes_written() const { return written_; }

 private:
  AtomicFile(std::string path, std::string temp, std::FILE* file)
      : path_(std::move(path)), temp_(std::move(temp)), file_(file) {}
  std::string path_, temp_;
  std::FILE* file_ = nullptr;
  uint64_t written_ = 0;
  bool committed_ = false;
};

class AtomicDirectory {
 public:
  // Creates an empty temporary directory next to `path`. `path` itself may exist only as
  // an empty directory or a previous SavedModel (checked here, replaced at Commit).
  static Result<std::unique_ptr<AtomicDirectory>> Create(const std::string& path);
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  // The temporary directory to fill.
  const std::string& temp_path() const { return temp_; }
  // Moves the temporary directory to the final path (replacing an old one).
  Status Commit();

 private:
  AtomicDirectory(std::string path, std::string temp)
      : path_(std::move(path)), temp_(std::move(temp)) {}
  std::string path_, temp_;
  bool committed_ = false;
};

}  // namespace pt2tf::tf
