// `pt2tf inspect model.tflite --json`, then without --json: the FlatBuffer reader of
// src/tflite (every offset, vector length and table reference comes from the file).
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = pt2tf::fuzz::WriteScratch("model.tflite", data, size);
  if (pt2tf::fuzz::RunCli({"inspect", path, "--json"}) == 0) pt2tf::fuzz::RunCli({"inspect", path});
  return 0;
}
