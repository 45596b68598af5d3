#include "pt2tf/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pt2tf {

Result<std::shared_ptr<const MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return IoError(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return IoError(path + ": not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  const std::byte* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return IoError(path + ": cannot map: " + std::strerror(err));
    }
    data = static_cast<const std::byte*>(p);
  }
  ::close(fd);  // the mapping stays valid
  return std::shared_ptr<const MappedFile>(new MappedFile(path, data, size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

void MappedFile::WillReadAll() const {
  if (data_ == nullptr) return;
  void* start = const_cast<std::byte*>(data_);
#ifdef MADV_POPULATE_READ
  if (::madvise(start, size_, MADV_POPULATE_READ) == 0) return;
#endif
  ::madvise(start, size_, MADV_WILLNEED);
}

Result<ByteSpan> MappedFile::Slice(uint64_t offset, uint64_t length) const {
  if (offset > size_ || length > size_ - offset) {
    return InvalidInput("range [" + std::to_string(offset) + ", +" + std::to_string(length) +
                        ") lies past the end of the file (" + std::to_string(size_) + " bytes)");
  }
  return ByteSpan(data_ + offset, static_cast<size_t>(length));
}

}  // namespace pt2tf
