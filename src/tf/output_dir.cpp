#include "tf/output_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace pt2tf::tf {
namespace fs = std::filesystem;
namespace {

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// "<dir>/.<name>.<tag>-XXXXXX" for mkstemp/mkdtemp.
std::string TempTemplate(const std::string& path, const std::string& tag) {
  fs::path p(path);
  fs::path dir = p.parent_path();
  std::string name = "." + p.filename().string() + "." + tag + "-XXXXXX";
  return dir.empty() ? name : (dir / name).string();
}

std::string OsError() { return std::strerror(errno); }

// Entries a SavedModel directory may hold; anything else means it is not ours to replace.
bool IsSavedModelEntry(const std::string& name) {
  return name == "saved_model.pb" || name == "saved_model.pbtxt" || name == "variables" ||
         name == "assets" || name == "fingerprint.pb" || name == "keras_metadata.pb";
}

}  // namespace

namespace {
Status CheckReplaceableDirectory(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return OkStatus();
  if (!fs::is_directory(path, ec)) return UsageError(path + ": exists and is not a directory");
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    std::string name = entry.path().filename().string();
    if (!IsSavedModelEntry(name))
      return UsageError(path + ": directory exists and holds '" + name +
                        "', which is not part of a SavedModel; refusing to replace it");
  }
  if (ec) return IoError(path + ": cannot list: " + ec.message());
  return OkStatus();
}
}  // namespace

Result<std::unique_ptr<AtomicDirectory>> AtomicDirectory::Create(const std::string& path_in) {
  std::string path = StripTrailingSlashes(path_in);
  PT2TF_RETURN_IF_ERROR(CheckReplaceableDirectory(path));
  std::string temp = TempTemplate(path, "tmp");
  if (!mkdtemp(temp.data()))
    return IoError(path + ": cannot create a directory next to it: " + OsError());
  chmod(temp.c_str(), 0755);
  return std::unique_ptr<AtomicDirectory>(new AtomicDirectory(path, temp));
}

AtomicDirectory::~AtomicDirectory() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);  // our own temporary: safe to remove whole
}

Status AtomicDirectory::Commit() {
  PT2TF_RETURN_IF_ERROR(CheckReplaceableDirectory(path_));
  std::error_code ec;
  std::string old;
  if (fs::exists(path_, ec)) {
    old = TempTemplate(path_, "old");
    if (!mkdtemp(old.data())) return IoError(path_ + ": cannot replace: " + OsError());
    fs::remove(old, ec);
    if (std::rename(path_.c_str(), old.c_str()) != 0)
      return IoError(path_ + ": cannot move the old directory aside: " + OsError());
  }
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    std::string reason = OsError();
    if (!old.empty()) std::rename(old.c_str(), path_.c_str());
    return IoError(path_ + ": cannot rename the finished output into place: " + reason);
  }
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
  return OkStatus();
}

}  // namespace pt2tf::tf
