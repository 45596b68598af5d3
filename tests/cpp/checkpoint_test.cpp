// LoadCheckpoint on hand-made files: safetensors, torch pickles with lying tensors, legacy
// streams with lying storages. Real torch files are covered by tests/python.
#include "pt2tf/io/checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>

#include "alloc_counter.h"
#include "test_bytes.h"

namespace pt2tf {
namespace {

using testing_bytes::Bytes;
using testing_bytes::Pickle;
using testing_bytes::WriteTemp;

std::string Safetensors(const std::string& header, const std::string& data) {
  Bytes b;
  b.u64(header.size()).str(header).str(data);
  return b.s;
}

Result<Checkpoint> Load(const std::string& name, const std::string& bytes) {
  return LoadCheckpoint(WriteTemp(name, bytes));
}

// Every hostile file here is under 64 KB and claims sizes of gigabytes or more: a reader that
// believed a claim would ask for far more than these caps before noticing the lie.
constexpr uint64_t kMaxRequest = 1 << 20;
constexpr uint64_t kMaxTotal = 16 << 20;

void ExpectError(const std::string& name, const std::string& bytes, const std::string& what) {
  const std::string path = WriteTemp(name, bytes);
  testing_alloc::AllocStats used;
  Result<Checkpoint> c = InvalidInput("not run");
  {
    testing_alloc::CountAllocations count;
    c = LoadCheckpoint(path);
    used = count.stats();
  }
  ASSERT_FALSE(c.ok()) << name;
  const std::string& m = c.status().message();
  EXPECT_NE(m.find(what), std::string::npos) << m;
  EXPECT_NE(m.find(name), std::string::npos) << "error must name the file: " << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_LE(used.largest, kMaxRequest) << name;
  EXPECT_LE(used.bytes, kMaxTotal) << name;
}

TEST(Safetensors, ReadsTensorsInDataOrder) {
  float f[3] = {1, 2, 3};
  std::string data(reinterpret_cast<const char*>(f), 12);
  data += std::string("\x01\x00", 2);
  auto c = Load("ok.safetensors",
                Safetensors(R"({"b":{"dtype":"BOOL","shape":[2],"data_offsets":[12,14]},)"
                            R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                            R"("__metadata__":{"format":"pt"}})",
                            data));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->format, CheckpointFormat::kSafetensors);
  ASSERT_EQ(c->tensors.size(), 2u);
  EXPECT_EQ(c->tensors[0].name, "a");
  EXPECT_EQ(c->tensors[0].tensor.ElementAsDouble(2), 3.0);
  EXPECT_EQ(c->tensors[1].tensor.dtype(), DType::kBool);
  EXPECT_EQ(c->metadata["format"], "pt");
}

TEST(Safetensors, HostileHeaders) {
  const std::string t = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  Bytes huge;
  huge.u64(1ULL << 60).str("{}");
  ExpectError("len.safetensors", huge.s, "exceeds the file size");
  ExpectError("hole.safetensors",
              Safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                          std::string(8, '\0')),
              "tile");
  ExpectError("overlap.safetensors",
              Safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          std::string(12, '\0')),
              "tile");
  ExpectError("short.safetensors", Safetensors(t, std::string(4, '\0')), "cover 8 bytes");
  ExpectError("extra.safetensors", Safetensors(t, std::string(12, '\0')), "cover");
  ExpectError("overflow.safetensors",
              Safetensors(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],)"
                          R"("data_offsets":[0,0]}})",
                          ""),
              "overflow");
  ExpectError("past.safetensors",
              Safetensors(R"({"a":{"dtype":"F32","shape":[2],)"
                          R"("data_offsets":[0,18446744073709551615]}})",
                          std::string(8, '\0')),
              "do not hold");
  ExpectError("dtype.safetensors",
              Safetensors(R"({"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}})",
                          std::string(8, '\0')),
              "F99");
  ExpectError("json.safetensors", Safetensors("{not json", ""), "JSON");
  ExpectError("deep.safetensors",
              Safetensors("{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}", ""),
              "deeply");
}

// A zip torch checkpoint around `pickle` with storages data/0 (and more).
std::string TorchZip(const std::string& pickle, const std::vector<std::string>& storages) {
  std::vector<std::pair<std::string, std::string>> files = {{"archive/data.pkl", pickle}};
  for (size_t i = 0; i < storages.size(); ++i)
    files.push_back({"archive/data/" + std::to_string(i), storages[i]});
  Bytes b;
  std::vector<uint64_t> offsets;
  for (const auto& [name, data] : files) {
    offsets.push_back(b.size());
    b.u32(0x04034b50).u16(20).u16(0).u16(0).u32(0).u32(0).u32(data.size()).u32(data.size());
    b.u16(name.size()).u16(0).str(name).str(data);
  }
  uint64_t cd = b.size();
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [name, data] = files[i];
    b.u32(0x02014b50).u16(20).u16(20).u16(0).u16(0).u32(0).u32(0).u32(data.size());
    b.u32(data.size()).u16(name.size()).u16(0).u16(0).u16(0).u16(0).u32(0).u32(offsets[i]);
    b.str(name);
  }
  uint64_t cd_size = b.size() - cd;
  b.u32(0x06054b50).u16(0).u16(0).u16(files.size()).u16(files.size()).u32(cd_size).u32(cd).u16(0);
  return b.s;
}

// {"w": _rebuild_tensor_v2(storage('0', FloatStorage, numel), offset, size, stride, False, {})}
std::string TensorPickle(uint64_t numel, int64_t offset, std::vector<int64_t> size,
                         std::vector<int64_t> stride) {
  Pickle p;
  p.op('}').str("w").global("torch._utils", "_rebuild_tensor_v2").mark();
  p.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu");
  p.i64(static_cast<int64_t>(numel)).tuple().op('Q');
  p.i64(offset).mark();
  for (int64_t s : size) p.i64(s);
  p.tuple().mark();
  for (int64_t s : stride) p.i64(s);
  p.tuple().op('\x89').op('}').tuple().reduce().op('s').stop();
  return p.bytes();
}

TEST(TorchZip, ReadsAHandMadeCheckpoint) {
  float f[6] = {0, 1, 2, 3, 4, 5};
  auto c = Load("ok.pth", TorchZip(TensorPickle(6, 0, {3, 2}, {1, 3}),
                                   {std::string(reinterpret_cast<const char*>(f), 24)}));
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->tensors.size(), 1u);
  const Tensor& t = c->tensors[0].tensor;
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.ElementAsDouble(1), 3.0);  // transposed view of a 2x3
}

TEST(TorchZip, LyingTensors) {
  std::string storage(24, '\0');
  ExpectError("numel.pth", TorchZip(TensorPickle(1ULL << 60, 0, {2}, {1}), {storage}),
              "said to hold");
  ExpectError("extent.pth", TorchZip(TensorPickle(6, 0, {7}, {1}), {storage}), "needs");
  ExpectError("offset.pth", TorchZip(TensorPickle(6, 5, {2}, {1}), {storage}), "needs");
  ExpectError("overflow.pth",
              TorchZip(TensorPickle(6, 0, {1LL << 62, 1LL << 62}, {1, 1}), {storage}), "overflows");
  ExpectError("negative.pth", TorchZip(TensorPickle(6, 0, {-1}, {1}), {storage}), "negative");
  ExpectError("missing.pth", TorchZip(TensorPickle(6, 0, {2}, {1}), {}), "data/0");
}

TEST(TorchZip, RefusesDangerousReduce) {
  Pickle p;
  p.global("os", "system").mark().str("touch /tmp/pt2tf_should_not_exist").tuple().reduce().stop();
  ExpectError("evil.pth", TorchZip(p.bytes(), {}), "refusing to call os.system");
}

std::string LegacyHeader() {
  Pickle magic;
  magic.b.u8(0x8a).u8(10).u64(0xa86a20f9469cfc6cULL).u16(0x1950);
  magic.stop();
  Pickle protocol;
  protocol.i(1001).stop();
  Pickle sys_info;
  sys_info.op('}').str("little_endian").op('\x88').op('s').stop();
  return magic.bytes() + protocol.bytes() + sys_info.bytes();
}

TEST(TorchLegacy, HostileStorageCounts) {
  Pickle keys;
  keys.op(']').str("0").op('a').stop();
  std::string body = LegacyHeader() + TensorPickle(2, 0, {2}, {1}) + keys.bytes();
  Bytes ok;
  ok.str(body).u64(2).str(std::string(8, '\0'));
  auto c = Load("legacy.pth", ok.s);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->format, CheckpointFormat::kTorchLegacy);
  ASSERT_EQ(c->tensors.size(), 1u);

  Bytes huge;
  huge.str(body).u64(1ULL << 60).str(std::string(8, '\0'));
  ExpectError("legacy_huge.pth", huge.s, "more than the file holds");
  Bytes wrap;  // count * 4 wraps around 2^64
  wrap.str(body).u64(0x4000000000000001ULL).str(std::string(8, '\0'));
  ExpectError("legacy_wrap.pth", wrap.s, "more than the file holds");
  ExpectError("legacy_cut.pth", body, "past the end");
  std::string bad = LegacyHeader();
  bad[5] ^= 1;
  ExpectError("legacy_magic.pth", bad, "magic");
}

TEST(Checkpoint, UnknownFormats) {
  ExpectError("empty.bin", "", "empty file");
  ExpectError("text.bin", "hello world", "not a PyTorch checkpoint");
}

}  // namespace
}  // namespace pt2tf
