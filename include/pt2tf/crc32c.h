// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum TensorFlow's tensor
// bundles and LevelDB-style tables store, in the "masked" form they write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace pt2tf {

// Continues a CRC-32C over `bytes`: Crc32cExtend(Crc32cExtend(0, a), b) == Crc32c(a + b).
uint32_t Crc32cExtend(uint32_t crc, std::span<const std::byte> bytes);
inline uint32_t Crc32cExtend(uint32_t crc, std::string_view bytes) {
  return Crc32cExtend(crc, {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()});
}
inline uint32_t Crc32c(std::string_view bytes) { return Crc32cExtend(0, bytes); }
// The table-driven path Crc32cExtend takes on CPUs without SSE4.2 (public for tests).
uint32_t Crc32cExtendPortable(uint32_t crc, std::span<const std::byte> bytes);

// TensorFlow/LevelDB store CRCs rotated and offset ("masked") so that a CRC of data that
// itself contains CRCs stays well distributed.
constexpr uint32_t Crc32cMask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
constexpr uint32_t Crc32cUnmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace pt2tf
