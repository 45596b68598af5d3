// Shared helpers of the libFuzzer targets (tests/fuzz/README.md). Readers take paths, so each
// input is written to a per-process scratch directory (in /dev/shm when it exists) and the
// reader, or the real `pt2tf` command line, runs on that file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pt2tf::fuzz {

// The scratch directory of this process (created on first use).
const std::string& ScratchDir();
// Writes `data` to ScratchDir()/name (replacing it) and returns the path.
std::string WriteScratch(const std::string& name, const uint8_t* data, size_t size);
// The checkpoint targets: what `pt2tf inspect --json --hash` does with the file, through
// the library (LoadCheckpoint, every tensor hashed, every name and attribute rendered with
// JsonDump and TerminalText), so these targets need only src/core and src/io.
void FuzzCheckpoint(const uint8_t* data, size_t size, const std::string& file_name);
// Runs the pt2tf command line (as main() would, e.g. {"inspect", path, "--json"}) with its
// stdout sent to /dev/null; returns the exit code, and aborts (a finding) on any other than
// 0, 1, 2. Only in targets linked with the whole tool (fuzz_support_cli.cpp).
int RunCli(const std::vector<std::string>& args);

}  // namespace pt2tf::fuzz
