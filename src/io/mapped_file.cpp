#include "pt2tf/io/mapped_file.h"

#include "pt2tf/io/mapped_pages.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace pt2tf {
namespace {

// The live mappings of MappedFile, by start address: what mapped_pages may act on. Held
// locked while madvise runs, so a mapping cannot be unmapped (and its addresses reused)
// between the lookup and the call. Never destroyed: a MappedFile may outlive static
// destruction.
std::mutex& RegistryMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::map<const std::byte*, uint64_t>& Registry() {
  static auto* live = new std::map<const std::byte*, uint64_t>;
  return *live;
}

// Calls madvise(advice) on the whole `align`-sized blocks covering `range` when it lies inside
// one live mapping (which starts on a page boundary, as mmap returns it). `align` is a
// multiple of the page size.
void AdviseMapped(ByteSpan range, int advice, uint64_t align) {
  if (range.empty()) return;
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().upper_bound(range.data());
  if (it == Registry().begin()) return;
  --it;
  const std::byte* data = it->first;
  const uint64_t size = it->second;
  const uint64_t at = static_cast<uint64_t>(range.data() - data);
  if (at > size || range.size() > size - at) return;
  const uint64_t begin = at / align * align;
  const uint64_t end = std::min<uint64_t>((at + range.size() + align - 1) / align * align, size);
  ::madvise(const_cast<std::byte*>(data) + begin, static_cast<size_t>(end - begin), advice);
}

}  // namespace

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
    std::lock_guard<std::mutex> lock(RegistryMutex());
    Registry()[data] = size;
  }
  ::close(fd);  // the mapping stays valid
  return std::shared_ptr<const MappedFile>(new MappedFile(path, data, size));
}

MappedFile::~MappedFile() {
  if (data_ == nullptr) return;
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry().erase(data_);
  ::munmap(const_cast<std::byte*>(data_), size_);
}

void MappedFile::WillReadAll() const {
  if (data_ == nullptr) return;
  ::madvise(const_cast<std::byte*>(data_), size_, MADV_WILLNEED);
}

namespace mapped_pages {

uint64_t PageSize() {
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

void Prefault(ByteSpan range) {
#ifdef MADV_POPULATE_READ
  AdviseMapped(range, MADV_POPULATE_READ, PageSize());
#else
  (void)range;
#endif
}

// The page cache may hold the file in large folios (ext4 and xfs do), and a fault or populate
// then maps the whole folio, beyond the pages asked for. So Release drops the aligned blocks
// of the largest folio size (2 MiB, a PMD) around the range: the neighbours it also drops are
// still readable, as any released page is, and are mapped again by their own Prefault.
void Release(ByteSpan range) {
  AdviseMapped(range, MADV_DONTNEED, std::max<uint64_t>(PageSize(), 2 << 20));
}

}  // namespace mapped_pages

Result<ByteSpan> MappedFile::Slice(uint64_t offset, uint64_t length) const {
  if (offset > size_ || length > size_ - offset) {
    return InvalidInput("range [" + std::to_string(offset) + ", +" + std::to_string(length) +
                        ") lies past the end of the file (" + std::to_string(size_) + " bytes)");
  }
  return ByteSpan(data_ + offset, static_cast<size_t>(length));
}

}  // namespace pt2tf
