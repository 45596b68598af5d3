// Reading a .tflite file's weight buffers, shared by `inspect` and the evaluator. Untrusted
// input: every place a Buffer names is checked against the bytes that exist.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "flatbuffers/flatbuffers.h"
#include "pt2tf/status.h"
#include "tflite_subset_generated.h"

namespace pt2tf::tflite {

// How many leading bytes of a `file_size`-byte file the FlatBuffer verifier checks: all of
// them, or the first 2 GiB of a larger file (its weights lie after the FlatBuffer, found by
// Buffer.offset/size, and the FlatBuffer's 32-bit offsets cannot reach further).
inline size_t FlatBufferVerifyWindow(uint64_t file_size) {
  return static_cast<size_t>(std::min<uint64_t>(file_size, FLATBUFFERS_MAX_BUFFER_SIZE - 1));
}

struct BufferBytes {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
};

// The bytes of `buffer` inside `file`: inline (`data`), or at `offset` from the file's start
// (offset 0 and 1 mean none, as in LiteRT). An offset buffer that passes the end of the file
// is an error; no data is an empty result.
inline Result<BufferBytes> ReadBuffer(const ::tflite::Buffer* buffer, const uint8_t* file,
                                      uint64_t file_size) {
  if (const auto* data = buffer->data()) return BufferBytes{data->data(), data->size()};
  if (buffer->offset() <= 1) return BufferBytes{};
  if (buffer->offset() > file_size || buffer->size() > file_size - buffer->offset())
    return InvalidInput("corrupt TFLite model (a buffer at offset " +
                        std::to_string(buffer->offset()) + " with " +
                        std::to_string(buffer->size()) + " bytes passes the end of the " +
                        std::to_string(file_size) + "-byte file)");
  return BufferBytes{file + buffer->offset(), buffer->size()};
}

}  // namespace pt2tf::tflite
