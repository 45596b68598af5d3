// An output directory (SavedModel) built under a temporary name next to its final path and
// renamed into place only when complete; on failure (or when destroyed uncommitted) the
// temporary directory is removed, so no partial output is ever left. Files inside it are
// written with pt2tf::OutputFile (include/pt2tf/io/output_file.h).
#pragma once

#include <memory>
#include <string>

#include "pt2tf/status.h"

namespace pt2tf::tf {

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
