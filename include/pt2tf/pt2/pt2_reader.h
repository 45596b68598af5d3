// torch.export archives (.pt2, written by torch.export.save) as IR graphs, natively: the
// program's ATen graph is imported op by op (src/pt2/op_table.cpp lists what is covered);
// nothing in the archive is executed or unpickled.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::pt2 {

// True when `path` names a .pt2 file (by extension).
bool IsPt2Path(const std::string& path);

// Reads and imports `path`. Parameters, buffers and lifted constants become initializers
// named by their state_dict names; user inputs become graph inputs (symbolic dims are
// kUnknownDim); user outputs become graph outputs. Errors are one line naming the file and,
// for graph problems, the ATen op and node.
Result<std::unique_ptr<ir::Graph>> ReadPt2(const std::string& path);

struct Pt2Io {
  std::string name;
  std::string dtype;                          // torch spelling
  std::optional<std::vector<int64_t>> shape;  // -1: symbolic
  std::vector<std::string> symbols;           // per dim: "" or the symbol ("s0")
};

// What `pt2tf inspect` shows of an archive, without importing the graph.
struct Pt2Summary {
  std::string path;
  std::string torch_version;
  std::string schema_version;  // "8.20"
  size_t node_count = 0;
  std::map<std::string, size_t> ops;     // target ("aten.conv2d.default") -> count
  std::vector<std::string> unsupported;  // targets with no builder
  std::vector<Pt2Io> inputs, outputs;
  size_t weight_count = 0;
  uint64_t weight_bytes = 0;
  std::map<std::string, std::string> range_constraints;  // symbol -> "[2, 64]"
};
Result<Pt2Summary> SummarizePt2(const std::string& path);

}  // namespace pt2tf::pt2
