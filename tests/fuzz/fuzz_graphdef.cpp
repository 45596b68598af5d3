// `pt2tf inspect` on a frozen TensorFlow GraphDef (.pb), text and JSON.
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = pt2tf::fuzz::WriteScratch("graph.pb", data, size);
  if (pt2tf::fuzz::RunCli({"inspect", path, "--json"}) == 0) pt2tf::fuzz::RunCli({"inspect", path});
  return 0;
}
