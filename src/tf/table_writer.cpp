#include "tf/table_writer.h"

#include "pt2tf/crc32c.h"
#include "tf/graphdef_stream.h"

namespace pt2tf::tf {
namespace {

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kBlockHandleMaxBytes = 20;  // two varint64s
constexpr size_t kFooterBytes = 2 * kBlockHandleMaxBytes + 8;
constexpr char kNoCompression = 0;

void AppendFixed32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

size_t SharedPrefix(std::string_view a, std::string_view b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

void TableBuilder::AddToBlock(Block& block, std::string_view key, std::string_view value,
                              int restart_interval) {
  size_t shared = 0;
  if (block.since_restart < restart_interval) {
    shared = block.entries ? SharedPrefix(block.last_key, key) : 0;
  } else {
    block.restarts.push_back(static_cast<uint32_t>(block.bytes.size()));
    block.since_restart = 0;
  }
  AppendVarint(block.bytes, shared);
  AppendVarint(block.bytes, key.size() - shared);
  AppendVarint(block.bytes, value.size());
  block.bytes.append(key.substr(shared));
  block.bytes.append(value);
  block.last_key.assign(key);
  ++block.since_restart;
  ++block.entries;
}

Status TableBuilder::Add(std::string_view key, std::string_view value) {
  if (any_key_ && key <= std::string_view(last_key_))
    return InternalError("table keys out of order at '" + std::string(key) + "'");
  AddToBlock(data_, key, value, options_.restart_interval);
  last_key_.assign(key);
  any_key_ = true;
  if (data_.bytes.size() >= options_.block_size) CloseDataBlock();
  return OkStatus();
}

std::string TableBuilder::FlushBlock(Block& block) {
  for (uint32_t r : block.restarts) AppendFixed32(block.bytes, r);
  AppendFixed32(block.bytes, static_cast<uint32_t>(block.restarts.size()));
  std::string handle;
  AppendVarint(handle, out_.size());
  AppendVarint(handle, block.bytes.size());
  out_ += block.bytes;
  out_.push_back(kNoCompression);
  const uint32_t crc = Crc32cExtend(Crc32c(block.bytes), std::string_view(&kNoCompression, 1));
  AppendFixed32(out_, Crc32cMask(crc));
  block = Block{};
  return handle;
}

void TableBuilder::CloseDataBlock() {
  if (data_.entries == 0) return;
  // The block's last key separates it from the next block (any key >= it and < the next
  // block's first key would do; the key itself is the simplest).
  const std::string last = data_.last_key;
  const std::string handle = FlushBlock(data_);
  AddToBlock(index_, last, handle, /*restart_interval=*/1);
}

std::string TableBuilder::Finish() {
  CloseDataBlock();
  Block metaindex;
  const std::string metaindex_handle = FlushBlock(metaindex);
  const std::string index_handle = FlushBlock(index_);
  std::string footer = metaindex_handle + index_handle;
  footer.resize(2 * kBlockHandleMaxBytes, '\0');
  AppendFixed32(footer, static_cast<uint32_t>(kTableMagic & 0xffffffffu));
  AppendFixed32(footer, static_cast<uint32_t>(kTableMagic >> 32));
  out_ += footer;
  static_assert(kFooterBytes == 48);
  return std::move(out_);
}

}  // namespace pt2tf::tf
