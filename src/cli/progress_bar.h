// A one-line byte progress bar on a terminal, redrawn in place with '\r'.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace pt2tf::cli {

struct ProgressBarOptions {
  std::FILE* out = stderr;
  // Outputs whose weights are smaller than this draw nothing (they finish too fast to watch).
  uint64_t min_total_bytes = 50ull << 20;
  int width = 30;  // characters of the bar itself
};

class ProgressBar {
 public:
  explicit ProgressBar(ProgressBarOptions options = {}) : options_(options) {}
  ~ProgressBar() { Finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // True when `stream` is a terminal: only then is a bar worth drawing.
  static bool IsTerminal(std::FILE* stream);

  // Shows `done` of `total` bytes written to `label`; redraws only when the shown percentage
  // changes. A new label finishes the previous line.
  void Update(const std::string& label, uint64_t done, uint64_t total);
  // Ends the current line if a bar was drawn, first showing 100% when `completed`.
  void Finish(bool completed = true);

 private:
  void Draw(int percent);

  ProgressBarOptions options_;
  std::string label_;
  uint64_t total_ = 0;
  int shown_percent_ = -1;  // -1: nothing drawn for this label
};

}  // namespace pt2tf::cli
