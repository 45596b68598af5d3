// Little helpers for reading untrusted bytes: unaligned little-endian loads, and a cursor
// that never reads past its span (reads past the end return zeros and mark it failed).
#pragma once

#include <cstdint>
#include <cstring>

#include "pt2tf/io/mapped_file.h"

namespace pt2tf {

// Caller guarantees sizeof(T) readable bytes at p.
template <typename T>
T LoadLE(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;  // pt2tf targets little-endian hosts only
}

class ByteReader {
 public:
  explicit ByteReader(ByteSpan bytes) : bytes_(bytes) {}
  uint64_t remaining() const { return bytes_.size() - pos_; }
  uint64_t position() const { return pos_; }
  bool failed() const { return failed_; }

  uint16_t U16() { return Load<uint16_t>(); }
  uint32_t U32() { return Load<uint32_t>(); }
  uint64_t U64() { return Load<uint64_t>(); }
  ByteSpan Rest() const { return bytes_.subspan(pos_); }
  void Skip(uint64_t n) { (void)Take(n); }
  // The next n bytes, or an empty span (and failed()) if fewer remain.
  ByteSpan Take(uint64_t n) {
    if (n > remaining()) {
      failed_ = true;
      pos_ = bytes_.size();
      return {};
    }
    ByteSpan s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  template <typename T>
  T Load() {
    ByteSpan s = Take(sizeof(T));
    return s.empty() ? T{0} : LoadLE<T>(s.data());
  }
  ByteSpan bytes_;
  uint64_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace pt2tf
