// Reading a torch.export archive (torch.export.save, archive_format "pt2"): the program JSON
// and every weight / constant the program's signature names, as zero-copy views into the
// mapped file. Untrusted input: entry names, offsets, sizes and dtypes are all checked.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "pt2/program.h"
#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf::pt2 {

struct Pt2File {
  std::string path;
  std::string archive_version;
  std::string model_name;  // "model": models/<name>.json
  Program program;
  // By the names the weights / constants configs use (state_dict names, constant names).
  std::map<std::string, Tensor> weights;
  std::map<std::string, Tensor> constants;
};

// Opens `path` and reads everything conversion needs. Errors are prefixed with the path.
Result<Pt2File> ReadPt2File(const std::string& path);

// A TensorMeta with concrete sizes as dims; error naming `what` when a size is symbolic.
Result<std::vector<int64_t>> StaticSizes(const TensorMeta& meta, const std::string& what);

}  // namespace pt2tf::pt2
