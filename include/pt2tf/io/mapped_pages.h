// Streaming bytes of a mapped input file without the whole file staying in RSS.
//
// Every page of a MappedFile that was read counts in the process's RSS until it is unmapped,
// so after streaming a checkpoint's weights to the outputs the whole checkpoint would sit in
// RSS. Tensor::ForEachChunk therefore calls Prefault on a chunk of a weight before a writer
// reads it (one kernel call maps its pages: several times cheaper than a page fault per page
// during write()) and Release after (the pages leave this process; they stay in the page
// cache). Both act only on a range that lies inside a live MappedFile mapping, looked up in
// a registry MappedFile keeps, and do nothing for any other memory (heap, anonymous: where
// dropping pages would zero them). For a MappedFile, releasing is content-preserving: the
// mapping is read-only and private, so none of its pages was ever written, and a later read
// (another writer of the same weight) faults the same bytes in again from the page cache.
#pragma once

#include "pt2tf/io/mapped_file.h"

namespace pt2tf::mapped_pages {

// Both round `range` out to whole pages, clamped to its mapping. Best effort: the reader
// faults pages itself if the kernel lacks MADV_POPULATE_READ.
void Prefault(ByteSpan range);
void Release(ByteSpan range);

}  // namespace pt2tf::mapped_pages
