// Number and shape formatting shared by the CLI's human-readable output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pt2tf::cli {

// 1234567 -> "1,234,567"
std::string Grouped(uint64_t n);
// 1536 -> "1.5 KiB"
std::string HumanBytes(uint64_t n);
// {1, 3, -1} -> "[1, 3, ?]"; nullopt -> "[unknown rank]"
std::string ShapeText(const std::optional<std::vector<int64_t>>& shape);

}  // namespace pt2tf::cli
