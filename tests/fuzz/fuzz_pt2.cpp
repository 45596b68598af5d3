// A torch.export archive (.pt2): `pt2tf inspect --json` (the zip, the ExportedProgram JSON,
// the weights), and when that succeeds the importer too, `convert -o model.onnx` (graph
// nodes, ATen targets, signature and constants as the file states them).
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = pt2tf::fuzz::WriteScratch("model.pt2", data, size);
  if (pt2tf::fuzz::RunCli({"inspect", path, "--json"}) != 0) return 0;
  std::string out = pt2tf::fuzz::ScratchDir() + "/out.onnx";
  pt2tf::fuzz::RunCli({"convert", "-i", path, "-o", out, "-q"});
  return 0;
}
