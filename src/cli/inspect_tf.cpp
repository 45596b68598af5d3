#include "cli/inspect_tf.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "pt2tf/tf/tf_inspect.h"

namespace pt2tf::cli {
namespace {

std::string ShapeText(const std::optional<ir::Dims>& shape) {
  if (!shape) return "(unknown rank)";
  std::string s = "[";
  for (size_t i = 0; i < shape->size(); ++i)
    s += (i ? ", " : "") + ((*shape)[i] < 0 ? std::string("?") : std::to_string((*shape)[i]));
  return s + "]";
}

nlohmann::ordered_json Tensors(const std::vector<tf::TfTensorSummary>& list) {
  auto a = nlohmann::ordered_json::array();
  for (const auto& t : list) {
    nlohmann::ordered_json j;
    j["name"] = t.name;
    j["dtype"] = t.dtype;
    j["shape"] = t.shape ? nlohmann::ordered_json(*t.shape) : nlohmann::ordered_json(nullptr);
    a.push_back(std::move(j));
  }
  return a;
}

}  // namespace

int RunInspectTf(const std::string& path, bool json) {
  Result<tf::TfModelSummary> s = tf::InspectTfModel(path);
  if (!s.ok()) return ReportError(s.status());
  if (json) {
    nlohmann::ordered_json j;
    j["file"] = s->path;
    j["format"] = s->format;
    j["producer"] = s->producer;
    if (!s->tags.empty()) j["tags"] = s->tags;
    j["nodes"] = s->node_count;
    j["ops"] = s->op_counts;
    j["inputs"] = Tensors(s->inputs);
    j["outputs"] = Tensors(s->outputs);
    j["const_count"] = s->const_count;
    j["const_bytes"] = s->const_bytes;
    std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  std::printf("File:       %s\n", s->path.c_str());
  std::printf("Format:     %s (GraphDef producer %d)\n", s->format.c_str(), s->producer);
  if (!s->tags.empty()) {
    std::string tags;
    for (const auto& t : s->tags) tags += (tags.empty() ? "" : ", ") + t;
    std::printf("Tags:       %s\n", tags.c_str());
  }
  std::printf("Nodes:      %zu, %zu constants holding %llu bytes\n", s->node_count, s->const_count,
              static_cast<unsigned long long>(s->const_bytes));
  for (const auto* list : {&s->inputs, &s->outputs}) {
    std::printf("%s\n", list == &s->inputs ? "Inputs:" : "Outputs:");
    for (const auto& t : *list)
      std::printf("  %s  %s  %s\n", t.name.c_str(), t.dtype.c_str(), ShapeText(t.shape).c_str());
  }
  std::vector<std::pair<std::string, size_t>> ops(s->op_counts.begin(), s->op_counts.end());
  std::stable_sort(ops.begin(), ops.end(), [](auto& a, auto& b) { return a.second > b.second; });
  std::printf("Ops:\n");
  for (const auto& [op, n] : ops) std::printf("  %6zu  %s\n", n, op.c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace pt2tf::cli
