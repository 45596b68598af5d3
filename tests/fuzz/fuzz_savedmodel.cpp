// `pt2tf inspect` on a SavedModel directory whose saved_model.pb is the input, text and JSON.
#include <filesystem>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    std::string d = pt2tf::fuzz::ScratchDir() + "/saved_model";
    std::filesystem::create_directories(d);
    return d;
  }();
  pt2tf::fuzz::WriteScratch("saved_model/saved_model.pb", data, size);
  if (pt2tf::fuzz::RunCli({"inspect", dir, "--json"}) == 0) pt2tf::fuzz::RunCli({"inspect", dir});
  return 0;
}
