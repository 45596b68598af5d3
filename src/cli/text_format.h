// Number and shape formatting shared by the CLI's human-readable output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace pt2tf::cli {

// printf to stdout (PrintTo: to `out`) through TerminalText: every line of text output
// goes through these, whatever part of it came from the file.
void Print(const char* format, ...) __attribute__((format(printf, 1, 2)));
void PrintTo(std::FILE* out, const char* format, ...) __attribute__((format(printf, 2, 3)));

// 1234567 -> "1,234,567"
std::string Grouped(uint64_t n);
// 1536 -> "1.5 KiB"
std::string HumanBytes(uint64_t n);
// {1, 3, -1} -> "[1, 3, ?]"; nullopt -> "[unknown rank]"
std::string ShapeText(const std::optional<std::vector<int64_t>>& shape);

}  // namespace pt2tf::cli
