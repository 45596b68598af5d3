#include "cli/text_format.h"

#include <cstdarg>
#include <cstdio>

#include "pt2tf/text.h"

namespace pt2tf::cli {
namespace {

void VPrintTo(std::FILE* out, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return;
  std::string text(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  text.pop_back();
  std::fputs(TerminalText(text).c_str(), out);
}

}  // namespace

void Print(const char* format, ...) {
  va_list args;
  va_start(args, format);
  VPrintTo(stdout, format, args);
  va_end(args);
}

void PrintTo(std::FILE* out, const char* format, ...) {
  va_list args;
  va_start(args, format);
  VPrintTo(out, format, args);
  va_end(args);
}

std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string HumanBytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string ShapeText(const std::optional<std::vector<int64_t>>& shape) {
  if (!shape) return "[unknown rank]";
  std::string s = "[";
  for (size_t i = 0; i < shape->size(); ++i)
    s += (i ? ", " : "") + ((*shape)[i] < 0 ? std::string("?") : std::to_string((*shape)[i]));
  return s + "]";
}

}  // namespace pt2tf::cli
