#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>

#include "cli/text_format.h"

namespace pt2tf::cli {

bool ProgressBar::IsTerminal(std::FILE* stream) { return ::isatty(::fileno(stream)) == 1; }

void ProgressBar::Update(const std::string& label, uint64_t done, uint64_t total) {
  if (label != label_) {
    Finish();
    label_ = label;
    total_ = total;
  }
  if (total_ < options_.min_total_bytes || total_ == 0) return;
  const int percent = static_cast<int>(std::min<uint64_t>(100, done * 100 / total_));
  if (percent != shown_percent_) Draw(percent);
}

void ProgressBar::Finish(bool completed) {
  if (shown_percent_ >= 0) {
    if (completed && shown_percent_ != 100)
      Draw(100);  // TF lowering may fold away some weight bytes
    std::fputc('\n', options_.out);
    std::fflush(options_.out);
  }
  shown_percent_ = -1;
  label_.clear();
}

void ProgressBar::Draw(int percent) {
  shown_percent_ = percent;
  const int filled = options_.width * percent / 100;
  const std::string bar = std::string(filled, '#') + std::string(options_.width - filled, '-');
  std::fprintf(options_.out, "\rwriting %s [%s] %3d%% of %s", label_.c_str(), bar.c_str(), percent,
               HumanBytes(total_).c_str());
  std::fflush(options_.out);
}

}  // namespace pt2tf::cli
