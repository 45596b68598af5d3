#include "pt2tf/io/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

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

Status OutputFile::AppendFileRange(const std::string& source, uint64_t offset, uint64_t length) {
  if (!file_) return InternalError(path_ + ": write after close");
  if (std::fflush(file_) != 0) return Fail("write failed", errno);
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return IoError(source + ": cannot open: " + std::strerror(errno));
  const int out = ::fileno(file_);
  loff_t at = static_cast<loff_t>(offset);
  uint64_t left = length;
  bool kernel_copy = true;
  std::vector<char> buffer;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, uint64_t{1} << 30));
    ssize_t n = -1;
    if (kernel_copy) {
      n = ::copy_file_range(in, &at, out, nullptr, want, 0);
      // Filesystems (or kernels) that cannot copy between these files: plain reads.
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
                    errno == EPERM)) {
        kernel_copy = false;
        continue;
      }
    } else {
      buffer.resize(1 << 20);
      n = ::pread(in, buffer.data(), std::min(want, buffer.size()), at);
      if (n > 0 &&
          std::fwrite(buffer.data(), 1, static_cast<size_t>(n), file_) != static_cast<size_t>(n)) {
        ::close(in);
        return Fail("write failed", errno);
      }
      if (n > 0) at += n;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      ::close(in);
      if (err == 0) return IoError(source + ": ended before the bytes to copy");
      return Fail("copy from " + source + " failed", err);
    }
    left -= static_cast<uint64_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  ::close(in);
  return OkStatus();
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
