// The ONNX reader (with external data next to the model: the scratch directory holds a
// 4 KiB "weights.bin" that seeds refer to), then `pt2tf inspect --json` on the same file.
#include <vector>

#include "fuzz_support.h"
#include "pt2tf/onnx/onnx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool weights = [] {
    std::vector<uint8_t> w(4096);
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint8_t>(i * 37);
    pt2tf::fuzz::WriteScratch("weights.bin", w.data(), w.size());
    return true;
  }();
  (void)weights;
  std::string path = pt2tf::fuzz::WriteScratch("model.onnx", data, size);
  (void)pt2tf::onnx::ReadOnnx(path);
  pt2tf::fuzz::RunCli({"inspect", path, "--json"});
  return 0;
}
