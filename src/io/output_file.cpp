#include "pt2tf/io/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace pt2tf {

Result<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return IoError(path + ": cannot write: is a directory");
  static std::atomic<int> counter{0};
  const std::string temp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return IoError(path + ": cannot create: " + std::strerror(errno));
  std::FILE* file = ::fdopen(fd, "wb");
  if (!file) {
    int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return IoError(path + ": cannot create: " + std::strerror(err));
  }
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<OutputFile>(new OutputFile(path, temp, file));
}

OutputFile::~OutputFile() {
  if (file_) std::fclose(file_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

Status OutputFile::Fail(const std::string& what, int err) {
  return IoError(path_ + ": " + what + ": " + std::strerror(err));
}

Status OutputFile::Write(ByteSpan bytes) {
  if (!file_) return InternalError(path_ + ": write after close");
  if (bytes.empty()) return OkStatus();
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    return Fail("write failed", errno);
  written_ += bytes.size();
  return OkStatus();
}

Status OutputFile::Write(std::string_view bytes) {
  return Write(ByteSpan(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
}

Status OutputFile::Commit() {
  if (!file_) return InternalError(path_ + ": commit after close");
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fflush(file) != 0) {
    int err = errno;
    std::fclose(file);
    return Fail("write failed", err);
  }
  if (std::fclose(file) != 0) return Fail("close failed", errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0)
    return Fail("cannot rename into place", errno);
  committed_ = true;
  return OkStatus();
}

}  // namespace pt2tf
