// TableBuilder: an immutable sorted key/value table in the LevelDB file format, as TensorFlow
// reads it for a tensor bundle's `.index` (tensorflow/core/lib/io/table*): data blocks of
// prefix-compressed entries with restart points, each followed by a 5-byte trailer
// (compression type 0 = none, masked crc32c of block + type, which TF verifies), an empty
// metaindex block, an index block mapping each data block's last key to its BlockHandle, and
// a 48-byte footer ending in the table magic number. The table is built in memory: a bundle
// index holds one small entry per tensor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pt2tf/status.h"

namespace pt2tf::tf {

struct TableOptions {
  size_t block_size = 256 * 1024;  // a data block is closed once it reaches this size
  int restart_interval = 16;       // entries between full (not prefix-compressed) keys
};

class TableBuilder {
 public:
  explicit TableBuilder(TableOptions options = {}) : options_(options) {}

  // Keys must be added in strictly increasing bytewise order.
  Status Add(std::string_view key, std::string_view value);
  // The whole table file; the builder is spent afterwards.
  std::string Finish();

 private:
  // One block being filled: entries, then the restart array at Finish.
  struct Block {
    std::string bytes;
    std::string last_key;
    std::vector<uint32_t> restarts{0};
    int since_restart = 0;
    int entries = 0;
  };
  static void AddToBlock(Block& block, std::string_view key, std::string_view value,
                         int restart_interval);
  // Appends `block` (with its restart array and trailer) to out_; returns its encoded handle.
  std::string FlushBlock(Block& block);
  void CloseDataBlock();

  TableOptions options_;
  std::string out_;
  Block data_, index_;
  std::string last_key_;
  bool any_key_ = false;
};

}  // namespace pt2tf::tf
