// Benchmark: load a checkpoint with LoadCheckpoint and touch every tensor byte (a uint64 sum
// of the C-order bytes), then print the elapsed seconds. Used by bench/bench_read.py.
//   read_checkpoint FILE
#include <chrono>
#include <cstdio>
#include <cstring>

#include "pt2tf/io/checkpoint.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: read_checkpoint FILE\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  auto ckpt = pt2tf::LoadCheckpoint(argv[1]);
  if (!ckpt.ok()) {
    std::fprintf(stderr, "read_checkpoint: error: %s\n", ckpt.status().message().c_str());
    return 1;
  }
  uint64_t sum = 0, bytes = 0;
  for (const pt2tf::NamedTensor& nt : ckpt->tensors) {
    nt.tensor.ForEachChunk([&](pt2tf::ByteSpan chunk) {
      const std::byte* p = chunk.data();
      size_t n = chunk.size(), i = 0;
      for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        sum += w;
      }
      for (; i < n; ++i) sum += static_cast<uint8_t>(p[i]);
      bytes += n;
    });
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("tensors=%zu bytes=%llu sum=%llu seconds=%.6f\n", ckpt->tensors.size(),
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(sum),
              seconds);
  return 0;
}
