// The zip reader on hand-made archives: stored, deflate, ZIP64, and archives that lie.
#include "pt2tf/io/zip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "alloc_counter.h"
#include "test_bytes.h"

namespace pt2tf {
namespace {

using testing_bytes::Bytes;
using testing_bytes::WriteTemp;

struct FileSpec {
  std::string name;
  std::string data;  // as stored (compressed when deflate)
  uint32_t crc = 0;
  uint64_t uncompressed = 0;
  uint16_t method = 0;
};

FileSpec Stored(std::string name, std::string data) {
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), data.size());
  uint64_t n = data.size();
  return {std::move(name), std::move(data), crc, n, 0};
}

FileSpec Deflated(std::string name, const std::string& plain) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, plain.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = plain.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(plain.data()), plain.size());
  return {std::move(name), out, crc, plain.size(), 8};
}

struct ZipOptions {
  bool zip64 = false;           // sizes/offsets in zip64 extra fields + zip64 end records
  int64_t entries_delta = 0;    // lie about the entry count
  int64_t cd_offset_delta = 0;  // lie about the central directory offset
  uint64_t zip64_entries = 0;   // when set, the zip64 record claims this many entries
};

// Builds an archive: local headers (with a padding extra field, like torch) + data, the central
// directory, (zip64 end record + locator), end record.
std::string BuildZip(const std::vector<FileSpec>& files, const ZipOptions& o = {}) {
  Bytes b;
  std::vector<uint64_t> offsets;
  for (const FileSpec& f : files) {
    offsets.push_back(b.size());
    std::string pad(7, '\0');
    b.u32(0x04034b50).u16(45).u16(0).u16(f.method).u32(0).u32(f.crc);
    b.u32(0).u32(0);  // streamed: sizes only in the central directory
    b.u16(f.name.size()).u16(4 + pad.size()).str(f.name);
    b.u16(0x4246).u16(pad.size()).str(pad);  // "FB" padding field
    b.str(f.data);
  }
  uint64_t cd_start = b.size();
  for (size_t i = 0; i < files.size(); ++i) {
    const FileSpec& f = files[i];
    Bytes extra;
    if (o.zip64) extra.u16(1).u16(24).u64(f.uncompressed).u64(f.data.size()).u64(offsets[i]);
    b.u32(0x02014b50).u16(45).u16(45).u16(0).u16(f.method).u32(0).u32(f.crc);
    b.u32(o.zip64 ? 0xffffffffu : f.data.size()).u32(o.zip64 ? 0xffffffffu : f.uncompressed);
    b.u16(f.name.size()).u16(extra.size()).u16(0).u16(0).u16(0).u32(0);
    b.u32(o.zip64 ? 0xffffffffu : offsets[i]).str(f.name).str(extra.s);
  }
  uint64_t cd_size = b.size() - cd_start;
  uint64_t count = files.size() + o.entries_delta;
  uint64_t cd_offset = cd_start + o.cd_offset_delta;
  if (o.zip64) {
    uint64_t z64 = b.size();
    b.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0);
    uint64_t n = o.zip64_entries ? o.zip64_entries : count;
    b.u64(n).u64(n).u64(cd_size).u64(cd_offset);
    b.u32(0x07064b50).u32(0).u64(z64).u32(1);
    b.u32(0x06054b50).u16(0).u16(0).u16(0xffff).u16(0xffff).u32(0xffffffffu).u32(0xffffffffu);
  } else {
    b.u32(0x06054b50).u16(0).u16(0).u16(count).u16(count).u32(cd_size).u32(cd_offset);
  }
  b.u16(0);
  return b.s;
}

Result<ZipArchive> OpenBytes(const std::string& name, const std::string& bytes) {
  auto file = MappedFile::Open(WriteTemp(name, bytes));
  if (!file.ok()) return file.status();
  return ZipArchive::Open(*file);
}

std::string Text(const Storage& s) {
  return {reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size()};
}

TEST(Zip, StoredAndDeflatedEntries) {
  std::string code(5000, 'x');
  for (size_t i = 0; i < code.size(); i += 7) code[i] = 'a' + i % 26;
  for (bool zip64 : {false, true}) {
    auto zip = OpenBytes("ok.zip", BuildZip({Stored("my_model/data.pkl", "PICKLE"),
                                             Stored("my_model/data/0", std::string(64, '\1')),
                                             Deflated("my_model/code/m.py", code)},
                                            {.zip64 = zip64}));
    ASSERT_TRUE(zip.ok()) << zip.status().message();
    EXPECT_EQ(zip->top_folder(), "my_model");
    ASSERT_EQ(zip->entries().size(), 3u);
    const ZipEntry* pkl = zip->FindInTop("data.pkl");
    ASSERT_NE(pkl, nullptr);
    auto data = zip->Read(*pkl);
    ASSERT_TRUE(data.ok()) << data.status().message();
    EXPECT_EQ(Text(**data), "PICKLE");
    auto inflated = zip->Read(*zip->FindInTop("code/m.py"));
    ASSERT_TRUE(inflated.ok()) << inflated.status().message();
    EXPECT_EQ(Text(**inflated), code);
    EXPECT_EQ(zip->FindInTop("missing"), nullptr);
  }
}

TEST(Zip, DeflateCrcAndSizeAreChecked) {
  FileSpec bad_crc = Deflated("a/code.py", std::string(1000, 'q'));
  bad_crc.crc ^= 1;
  auto zip = OpenBytes("crc.zip", BuildZip({bad_crc}));
  ASSERT_TRUE(zip.ok());
  auto r = zip->Read(zip->entries()[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("CRC"), std::string::npos) << r.status().message();

  FileSpec too_small = Deflated("a/code.py", std::string(1000, 'q'));
  too_small.uncompressed = 999;  // inflates to more than declared
  zip = OpenBytes("small.zip", BuildZip({too_small}));
  ASSERT_TRUE(zip.ok());
  EXPECT_FALSE(zip->Read(zip->entries()[0]).ok());

  FileSpec bomb = Deflated("a/code.py", std::string(1000, 'q'));
  bomb.uncompressed = 1ULL << 50;  // an impossible ratio: refused before any allocation
  zip = OpenBytes("bomb.zip", BuildZip({bomb}, {.zip64 = true}));
  ASSERT_TRUE(zip.ok()) << zip.status().message();
  {
    testing_alloc::CountAllocations count;
    r = zip->Read(zip->entries()[0]);
    EXPECT_LE(count.stats().largest, 1u << 20) << "the claimed 2^50 bytes must not be requested";
  }
  ASSERT_FALSE(r.ok());

  FileSpec garbage = Stored("a/code.py", "this is not deflate data at all");
  garbage.method = 8;
  garbage.uncompressed = 100;
  zip = OpenBytes("garbage.zip", BuildZip({garbage}));
  ASSERT_TRUE(zip.ok());
  EXPECT_FALSE(zip->Read(zip->entries()[0]).ok());
}

TEST(Zip, LyingCentralDirectory) {
  std::vector<FileSpec> files = {Stored("a/data.pkl", "PICKLE"), Stored("a/data/0", "12345678")};
  // Claims more entries than its directory holds.
  EXPECT_FALSE(OpenBytes("count.zip", BuildZip(files, {.entries_delta = 5})).ok());
  // Directory offset shifted / past EOF.
  EXPECT_FALSE(OpenBytes("off1.zip", BuildZip(files, {.cd_offset_delta = 3})).ok());
  EXPECT_FALSE(OpenBytes("off2.zip", BuildZip(files, {.cd_offset_delta = 1 << 20})).ok());
  // zip64 record claiming 2^60 entries: refused without reserving room for them.
  auto file = MappedFile::Open(
      WriteTemp("z64.zip", BuildZip(files, {.zip64 = true, .zip64_entries = 1ULL << 60})));
  ASSERT_TRUE(file.ok()) << file.status().message();
  Result<ZipArchive> zip = InvalidInput("not run");
  testing_alloc::AllocStats used;
  {
    testing_alloc::CountAllocations count;
    zip = ZipArchive::Open(*file);
    used = count.stats();
  }
  ASSERT_FALSE(zip.ok());
  EXPECT_NE(zip.status().message().find("1152921504606846976"), std::string::npos)
      << zip.status().message();
  EXPECT_LE(used.largest, 1u << 20) << "no room reserved for the claimed entries";
}

TEST(Zip, LocalHeaderAndDataChecks) {
  // A central directory entry whose local header offset or size points past the file.
  FileSpec big = Stored("a/data/0", "12345678");
  std::string bytes = BuildZip({big}, {.zip64 = true});
  // Patch the zip64 extra's compressed size (second u64 of the extra) to 2^60.
  size_t extra = bytes.find(std::string("\x01\x00\x18\x00", 4));
  ASSERT_NE(extra, std::string::npos);
  std::string patched = bytes;
  for (int i = 0; i < 8; ++i) patched[extra + 4 + 8 + i] = i == 7 ? 0x10 : 0;
  auto zip = OpenBytes("size.zip", patched);
  ASSERT_TRUE(zip.ok());
  auto r = zip->Read(zip->entries()[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("past the end"), std::string::npos) << r.status().message();
  // Local header offset (third u64) past the end.
  patched = bytes;
  for (int i = 0; i < 8; ++i) patched[extra + 4 + 16 + i] = i == 5 ? 0x7f : 0;
  zip = OpenBytes("lho.zip", patched);
  ASSERT_TRUE(zip.ok());
  EXPECT_FALSE(zip->Read(zip->entries()[0]).ok());
  // A local header naming another entry.
  patched = bytes;
  patched[30] = 'b';
  zip = OpenBytes("name.zip", patched);
  ASSERT_TRUE(zip.ok());
  EXPECT_FALSE(zip->Read(zip->entries()[0]).ok());
}

TEST(Zip, DuplicateNamesAreRefused) {
  EXPECT_FALSE(OpenBytes("dup.zip", BuildZip({Stored("a/x", "1"), Stored("a/x", "2")})).ok());
}

TEST(Zip, EveryTruncationFailsCleanly) {
  std::string bytes =
      BuildZip({Stored("a/data.pkl", "PICKLE"), Deflated("a/c.py", "code code")}, {.zip64 = true});
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto zip = OpenBytes("trunc.zip", bytes.substr(0, n));
    if (!zip.ok()) continue;
    for (const ZipEntry& e : zip->entries()) (void)zip->Read(e);  // must not crash
  }
  EXPECT_FALSE(OpenBytes("trunc.zip", bytes.substr(0, bytes.size() - 1)).ok());
}

}  // namespace
}  // namespace pt2tf
