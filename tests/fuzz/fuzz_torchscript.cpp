// torchscript checkpoints through `pt2tf inspect --json --hash` and `pt2tf inspect` (the format is
// sniffed from the bytes, so this target differs from its siblings by its seeds and dictionary).
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pt2tf::fuzz::FuzzCheckpoint(data, size, "input.pt");
  return 0;
}
