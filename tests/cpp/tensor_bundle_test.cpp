// The pieces of a SavedModel's variables/ bundle: crc32c against published check values, the
// LevelDB-style table read back by a small independent reader in this file (block trailers'
// checksums, restart arrays, index block, footer), and the bundle's entries. TensorFlow itself
// reading our bundles is tests/python/test_saved_model_variables.py.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "pt2tf/crc32c.h"
#include "tensorflow/tensor_bundle.pb.h"
#include "tf/table_writer.h"
#include "tf/tensor_bundle.h"

namespace pt2tf {
namespace {

namespace fs = std::filesystem;

std::span<const std::byte> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

TEST(Crc32c, KnownVectors) {
  // "123456789" is the standard check value; the 32-byte vectors are RFC 3720's (iSCSI).
  std::string ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  for (int i = 0; i < 32; ++i) descending[i] = static_cast<char>(31 - i);
  const std::vector<std::pair<std::string, uint32_t>> cases = {
      {"", 0u},
      {"123456789", 0xe3069283u},
      {std::string(32, '\0'), 0x8a9136aau},
      {std::string(32, '\xff'), 0x62a8ab43u},
      {ascending, 0x46dd794eu},
      {descending, 0x113fdb5cu},
  };
  for (const auto& [data, crc] : cases) {
    EXPECT_EQ(Crc32c(data), crc) << data.size();
    EXPECT_EQ(Crc32cExtendPortable(0, Bytes(data)), crc) << data.size();
  }
}

TEST(Crc32c, ExtendEqualsWholeAtEverySplitAndPathsAgree) {
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131 + 7) & 0xff);
  const uint32_t whole = Crc32c(data);
  EXPECT_EQ(Crc32cExtendPortable(0, Bytes(data)), whole);
  for (size_t split = 0; split <= data.size(); split += 37) {
    const std::string a = data.substr(0, split), b = data.substr(split);
    EXPECT_EQ(Crc32cExtend(Crc32c(a), b), whole) << split;
    EXPECT_EQ(Crc32cExtendPortable(Crc32cExtendPortable(0, Bytes(a)), Bytes(b)), whole) << split;
  }
}

TEST(Crc32c, MaskIsTensorFlowsAndUnmasks) {
  // mask(c) = rotate_right(c, 15) + 0xa282ead8
  EXPECT_EQ(Crc32cMask(0), 0xa282ead8u);
  EXPECT_EQ(Crc32cMask(0x8000u), 1u + 0xa282ead8u);
  for (uint32_t c : {0u, 1u, 0xe3069283u, 0xffffffffu}) EXPECT_EQ(Crc32cUnmask(Crc32cMask(c)), c);
}

// --- an independent reader of the table format -------------------------------------------

uint64_t Varint(const std::string& s, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(s.at(pos++));
    v |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return v;
  }
}

uint32_t Fixed32(const std::string& s, size_t pos) {
  uint32_t v;
  std::memcpy(&v, s.data() + pos, 4);
  return v;
}

// The entries of the block at [offset, offset + size), checking its trailer's checksum.
std::vector<std::pair<std::string, std::string>> ReadBlock(const std::string& file, uint64_t offset,
                                                           uint64_t size) {
  EXPECT_LE(offset + size + 5, file.size());
  const std::string block = file.substr(offset, size);
  EXPECT_EQ(file[offset + size], '\0');  // no compression
  EXPECT_EQ(Crc32cUnmask(Fixed32(file, offset + size + 1)), Crc32c(file.substr(offset, size + 1)));
  const uint32_t restarts = Fixed32(block, block.size() - 4);
  const size_t end = block.size() - 4 - 4 * restarts;
  EXPECT_EQ(Fixed32(block, end), 0u);  // the first restart is the first entry
  std::vector<std::pair<std::string, std::string>> entries;
  std::string key;
  for (size_t pos = 0; pos < end;) {
    const uint64_t shared = Varint(block, pos), unshared = Varint(block, pos),
                   value = Varint(block, pos);
    key = key.substr(0, shared) + block.substr(pos, unshared);
    pos += unshared;
    entries.emplace_back(key, block.substr(pos, value));
    pos += value;
  }
  return entries;
}

std::map<std::string, std::string> ReadTable(const std::string& file) {
  EXPECT_GE(file.size(), 48u);
  EXPECT_EQ(Fixed32(file, file.size() - 8), 0x8b80fb57u);
  EXPECT_EQ(Fixed32(file, file.size() - 4), 0xdb477524u);
  size_t pos = file.size() - 48;
  Varint(file, pos);  // metaindex offset
  const uint64_t meta_size = Varint(file, pos);
  EXPECT_EQ(meta_size, 8u);  // empty: one restart + count
  const uint64_t index_offset = Varint(file, pos), index_size = Varint(file, pos);
  std::map<std::string, std::string> table;
  for (const auto& [last_key, handle] : ReadBlock(file, index_offset, index_size)) {
    size_t h = 0;
    const uint64_t off = Varint(handle, h), size = Varint(handle, h);
    auto entries = ReadBlock(file, off, size);
    EXPECT_FALSE(entries.empty());
    EXPECT_EQ(entries.back().first, last_key);
    for (auto& [k, v] : entries) EXPECT_TRUE(table.emplace(k, v).second) << k;
  }
  return table;
}

TEST(TableWriter, RoundTripsAcrossManyBlocksAndRestarts) {
  tf::TableBuilder builder(tf::TableOptions{.block_size = 300, .restart_interval = 4});
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 500; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "layer%04d/weight", i);
    expected[key] = std::string(i % 23, static_cast<char>('a' + i % 26));
  }
  expected[""] = "header";
  for (const auto& [k, v] : expected) ASSERT_TRUE(builder.Add(k, v).ok());
  const std::string file = builder.Finish();
  EXPECT_EQ(ReadTable(file), expected);
}

TEST(TableWriter, RefusesKeysOutOfOrder) {
  tf::TableBuilder builder;
  ASSERT_TRUE(builder.Add("b", "1").ok());
  EXPECT_FALSE(builder.Add("a", "2").ok());
  EXPECT_FALSE(builder.Add("b", "3").ok());
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TensorBundle, EntriesPointAtTheBytesWithTheirCrc) {
  const fs::path dir = fs::temp_directory_path() / ("pt2tf_bundle_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::vector<std::byte> a(24), b(6);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>(100 + i);
  Tensor ta = Tensor::FromBytes(DType::kFloat32, {2, 3}, a).value();
  Tensor tb = Tensor::FromBytes(DType::kInt16, {3}, b).value();
  const std::string prefix = (dir / "variables").string();
  {
    auto w = tf::TensorBundleWriter::Create(prefix);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Add("zeta", ta, {3, 2}).ok());
    ASSERT_TRUE((*w)->Add("alpha", tb, {3}).ok());
    EXPECT_FALSE((*w)->Add("alpha", tb, {3}).ok());
    EXPECT_FALSE((*w)->Add("bad", tb, {4}).ok());
    ASSERT_TRUE((*w)->Finish().ok());
  }
  const std::string data = ReadFile(prefix + ".data-00000-of-00001");
  ASSERT_EQ(data.size(), 30u);
  auto table = ReadTable(ReadFile(prefix + ".index"));
  ASSERT_EQ(table.size(), 3u);
  tensorflow::BundleHeaderProto header;
  ASSERT_TRUE(header.ParseFromString(table.at("")));
  EXPECT_EQ(header.num_shards(), 1);
  EXPECT_EQ(header.version().producer(), 1);
  tensorflow::BundleEntryProto za, al;
  ASSERT_TRUE(za.ParseFromString(table.at("zeta")));
  ASSERT_TRUE(al.ParseFromString(table.at("alpha")));
  EXPECT_EQ(za.dtype(), tensorflow::DT_FLOAT);
  EXPECT_EQ(al.dtype(), tensorflow::DT_INT16);
  ASSERT_EQ(za.shape().dim_size(), 2);
  EXPECT_EQ(za.shape().dim(0).size(), 3);
  EXPECT_EQ(za.offset(), 0);
  EXPECT_EQ(za.size(), 24);
  EXPECT_EQ(al.offset(), 24);
  EXPECT_EQ(al.size(), 6);
  EXPECT_EQ(Crc32cUnmask(za.crc32c()), Crc32c(data.substr(0, 24)));
  EXPECT_EQ(Crc32cUnmask(al.crc32c()), Crc32c(data.substr(24, 6)));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pt2tf
