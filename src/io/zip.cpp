#include "pt2tf/io/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "io/byte_reader.h"

namespace pt2tf {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kEndSize = 22;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kZip64EndSize = 56;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint16_t kZip64ExtraId = 0x0001;
// deflate cannot expand more than ~1032:1; a larger claim is a lie.
constexpr uint64_t kMaxDeflateRatio = 1032;

// The end-of-central-directory record sits in the last 22 + 65535 bytes.
Result<uint64_t> FindEndRecord(ByteSpan file) {
  if (file.size() < kEndSize) return InvalidInput("not a zip archive: file too small");
  uint64_t lowest = file.size() > kEndSize + 0xffff ? file.size() - kEndSize - 0xffff : 0;
  for (uint64_t pos = file.size() - kEndSize + 1; pos-- > lowest;) {
    if (LoadLE<uint32_t>(file.data() + pos) != kEndSig) continue;
    uint16_t comment = LoadLE<uint16_t>(file.data() + pos + 20);
    if (pos + kEndSize + comment == file.size()) return pos;
  }
  return InvalidInput("not a zip archive: no end of central directory record");
}

struct Directory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

Result<Directory> ReadDirectoryLocation(ByteSpan file, uint64_t end_pos) {
  const std::byte* end = file.data() + end_pos;
  Directory dir;
  dir.entries = LoadLE<uint16_t>(end + 10);
  dir.size = LoadLE<uint32_t>(end + 12);
  dir.offset = LoadLE<uint32_t>(end + 16);
  bool needs_zip64 = dir.entries == 0xffff || dir.size == 0xffffffff || dir.offset == 0xffffffff;
  if (end_pos >= kZip64LocatorSize &&
      LoadLE<uint32_t>(end - kZip64LocatorSize) == kZip64LocatorSig) {
    uint64_t z64_pos = LoadLE<uint64_t>(end - kZip64LocatorSize + 8);
    if (z64_pos > end_pos - kZip64LocatorSize ||
        end_pos - kZip64LocatorSize - z64_pos < kZip64EndSize)
      return InvalidInput("zip64 end record offset " + std::to_string(z64_pos) +
                          " lies outside the file");
    const std::byte* z64 = file.data() + z64_pos;
    if (LoadLE<uint32_t>(z64) != kZip64EndSig)
      return InvalidInput("zip64 end record has a bad signature");
    dir.entries = LoadLE<uint64_t>(z64 + 32);
    dir.size = LoadLE<uint64_t>(z64 + 40);
    dir.offset = LoadLE<uint64_t>(z64 + 48);
  } else if (needs_zip64) {
    return InvalidInput("zip end record needs a zip64 record, which is missing");
  }
  if (dir.offset > end_pos || dir.size > end_pos - dir.offset)
    return InvalidInput("central directory [" + std::to_string(dir.offset) + ", +" +
                        std::to_string(dir.size) + ") lies past its end record");
  if (dir.entries > dir.size / kCentralHeaderSize)
    return InvalidInput("central directory claims " + std::to_string(dir.entries) +
                        " entries but has room for " +
                        std::to_string(dir.size / kCentralHeaderSize));
  return dir;
}

// Applies the zip64 extra field: each 0xffffffff field is replaced, in a fixed order.
Status ApplyZip64Extra(ByteSpan extra, ZipEntry& e) {
  ByteReader r(extra);
  while (r.remaining() >= 4) {
    uint16_t id = r.U16(), size = r.U16();
    if (size > r.remaining()) return InvalidInput("extra field of " + e.name + " is truncated");
    ByteReader field(r.Take(size));
    if (id != kZip64ExtraId) continue;
    auto next = [&](uint64_t& v) -> Status {
      if (field.remaining() < 8)
        return InvalidInput("zip64 extra field of " + e.name + " is short");
      v = field.U64();
      return OkStatus();
    };
    if (e.uncompressed_size == 0xffffffff) PT2TF_RETURN_IF_ERROR(next(e.uncompressed_size));
    if (e.compressed_size == 0xffffffff) PT2TF_RETURN_IF_ERROR(next(e.compressed_size));
    if (e.local_header_offset == 0xffffffff) PT2TF_RETURN_IF_ERROR(next(e.local_header_offset));
  }
  return OkStatus();
}

}  // namespace

bool ZipArchive::LooksLikeZip(ByteSpan bytes) {
  if (bytes.size() < 4) return false;
  uint32_t sig = LoadLE<uint32_t>(bytes.data());
  return sig == kLocalHeaderSig || sig == kEndSig;
}

Result<ZipArchive> ZipArchive::Open(std::shared_ptr<const MappedFile> file) {
  ByteSpan bytes = file->bytes();
  PT2TF_ASSIGN_OR_RETURN(uint64_t end_pos, FindEndRecord(bytes));
  PT2TF_ASSIGN_OR_RETURN(Directory dir, ReadDirectoryLocation(bytes, end_pos));
  ZipArchive zip;
  zip.file_ = file;
  zip.entries_.reserve(dir.entries);
  ByteReader r(bytes.subspan(dir.offset, dir.size));
  std::unordered_set<std::string> names;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    if (r.remaining() < kCentralHeaderSize || r.U32() != kCentralHeaderSig)
      return InvalidInput("central directory entry " + std::to_string(i) + " is malformed");
    ZipEntry e;
    r.Skip(4);  // versions
    uint16_t flags = r.U16();
    e.method = r.U16();
    r.Skip(4);  // time, date
    e.crc32 = r.U32();
    e.compressed_size = r.U32();
    e.uncompressed_size = r.U32();
    uint16_t name_len = r.U16(), extra_len = r.U16(), comment_len = r.U16();
    r.Skip(8);  // disk, attributes
    e.local_header_offset = r.U32();
    if (r.remaining() < uint64_t{name_len} + extra_len + comment_len)
      return InvalidInput("central directory entry " + std::to_string(i) + " is truncated");
    ByteSpan name = r.Take(name_len);
    e.name.assign(reinterpret_cast<const char*>(name.data()), name.size());
    PT2TF_RETURN_IF_ERROR(ApplyZip64Extra(r.Take(extra_len), e));
    r.Skip(comment_len);
    if (flags & 0x1) return Unsupported("zip entry " + e.name + " is encrypted");
    if (!names.insert(e.name).second) return InvalidInput("duplicate zip entry " + e.name);
    zip.entries_.push_back(std::move(e));
  }
  if (!zip.entries_.empty()) {
    const std::string& first = zip.entries_[0].name;
    size_t slash = first.find('/');
    if (slash != std::string::npos) zip.top_folder_ = first.substr(0, slash);
  }
  for (size_t i = 0; i < zip.entries_.size(); ++i) zip.index_[zip.entries_[i].name] = i;
  return zip;
}

const ZipEntry* ZipArchive::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const ZipEntry* ZipArchive::FindInTop(const std::string& relative) const {
  return Find(top_folder_.empty() ? relative : top_folder_ + "/" + relative);
}

Result<ByteSpan> ZipArchive::RawData(const ZipEntry& e) const {
  ByteSpan bytes = file_->bytes();
  if (e.local_header_offset > bytes.size() ||
      bytes.size() - e.local_header_offset < kLocalHeaderSize)
    return InvalidInput("local header of " + e.name + " lies past the end of the file");
  const std::byte* local = bytes.data() + e.local_header_offset;
  if (LoadLE<uint32_t>(local) != kLocalHeaderSig)
    return InvalidInput("local header of " + e.name + " has a bad signature");
  uint64_t name_len = LoadLE<uint16_t>(local + 26), extra_len = LoadLE<uint16_t>(local + 28);
  uint64_t start = e.local_header_offset + kLocalHeaderSize;
  if (bytes.size() - start < name_len ||
      std::memcmp(bytes.data() + start, e.name.data(),
                  std::min<uint64_t>(name_len, e.name.size())) != 0 ||
      name_len != e.name.size())
    return InvalidInput("local header of " + e.name + " names a different entry");
  start += name_len + extra_len;
  if (start > bytes.size() || e.compressed_size > bytes.size() - start)
    return InvalidInput("data of " + e.name + " (" + std::to_string(e.compressed_size) +
                        " bytes at " + std::to_string(start) + ") lies past the end of the file");
  return bytes.subspan(start, e.compressed_size);
}

Result<std::shared_ptr<const Storage>> ZipArchive::Read(const ZipEntry& e) const {
  PT2TF_ASSIGN_OR_RETURN(ByteSpan raw, RawData(e));
  if (e.method == static_cast<uint16_t>(ZipMethod::kStored)) {
    if (e.compressed_size != e.uncompressed_size)
      return InvalidInput("stored zip entry " + e.name + " has differing sizes");
    return Storage::View(file_, raw);
  }
  if (e.method != static_cast<uint16_t>(ZipMethod::kDeflate))
    return Unsupported("zip entry " + e.name + " uses compression method " +
                       std::to_string(e.method));
  if (e.uncompressed_size / kMaxDeflateRatio > e.compressed_size + 1)
    return InvalidInput("zip entry " + e.name + " claims an impossible compression ratio");
  const uint64_t file_size = file_->size();
  const uint64_t max_inflated =
      file_size > (UINT64_MAX - kMaxInflatedBase) / kMaxInflatedPerFileByte
          ? UINT64_MAX
          : kMaxInflatedBase + kMaxInflatedPerFileByte * file_size;
  if (e.uncompressed_size > max_inflated - std::min(inflated_, max_inflated))
    return InvalidInput("zip entry " + e.name + " would inflate the archive's entries past " +
                        std::to_string(max_inflated) +
                        " bytes in all (overlapping entries, a zip bomb?)");
  inflated_ += e.uncompressed_size;
  // Grow the output as data really arrives, never to more than the declared size.
  std::vector<std::byte> out(std::min<uint64_t>(e.uncompressed_size, 4 * raw.size() + 4096));
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return InternalError("zlib inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(raw.data()));
  zs.avail_in = static_cast<uInt>(std::min<uint64_t>(raw.size(), UINT32_MAX));
  uint64_t in_left = raw.size() - zs.avail_in;
  std::string error;
  while (error.empty()) {
    if (zs.total_out == out.size() && out.size() == e.uncompressed_size) {
      // Full: the stream must end here, without a single byte more.
      std::byte probe;
      zs.next_out = reinterpret_cast<Bytef*>(&probe);
      zs.avail_out = 1;
      if (inflate(&zs, Z_NO_FLUSH) != Z_STREAM_END || zs.total_out != e.uncompressed_size)
        error = "inflates to more than the declared " + std::to_string(e.uncompressed_size) +
                " bytes, or is corrupt";
      break;
    }
    if (zs.total_out == out.size())
      out.resize(std::min<uint64_t>(e.uncompressed_size, 2 * out.size() + 4096));
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(std::min<uint64_t>(out.size() - zs.total_out, UINT32_MAX));
    if (zs.avail_in == 0 && in_left > 0) {
      zs.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, UINT32_MAX));
      in_left -= zs.avail_in;
    }
    int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK) error = "has a corrupt or truncated deflate stream";
  }
  uint64_t produced = zs.total_out;
  inflateEnd(&zs);
  if (!error.empty()) return InvalidInput("zip entry " + e.name + " " + error);
  if (produced != e.uncompressed_size)
    return InvalidInput("zip entry " + e.name + " inflates to " + std::to_string(produced) +
                        " bytes, not the declared " + std::to_string(e.uncompressed_size));
  out.resize(produced);
  uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(out.data()), out.size());
  if (static_cast<uint32_t>(crc) != e.crc32)
    return InvalidInput("zip entry " + e.name + " fails its CRC check");
  return Storage::Own(std::move(out));
}

}  // namespace pt2tf
