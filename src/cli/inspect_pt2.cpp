#include "cli/inspect_pt2.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/text_format.h"
#include "pt2tf/pt2/pt2_reader.h"

namespace pt2tf::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string DimsText(const pt2::Pt2Io& e) {
  if (!e.shape) return "?";
  std::string s = "[";
  for (size_t i = 0; i < e.shape->size(); ++i) {
    if (i) s += ", ";
    s += i < e.symbols.size() && !e.symbols[i].empty() ? e.symbols[i]
                                                       : std::to_string((*e.shape)[i]);
  }
  return s + "]";
}

Json IoJson(const std::vector<pt2::Pt2Io>& list) {
  Json a = Json::array();
  for (const pt2::Pt2Io& e : list) {
    Json symbols = Json::array();
    for (const std::string& s : e.symbols) symbols.push_back(s.empty() ? Json(nullptr) : Json(s));
    a.push_back({{"name", e.name},
                 {"dtype", e.dtype},
                 {"shape", e.shape ? Json(*e.shape) : Json(nullptr)},
                 {"symbols", symbols}});
  }
  return a;
}

}  // namespace

int RunInspectPt2(const std::string& path, bool json) {
  Result<pt2::Pt2Summary> r = pt2::SummarizePt2(path);
  if (!r.ok()) return ReportError(r.status());
  const pt2::Pt2Summary& s = *r;
  if (json) {
    Json j;
    j["file"] = s.path;
    j["format"] = "pt2";
    j["torch_version"] = s.torch_version;
    j["schema_version"] = s.schema_version;
    j["node_count"] = s.node_count;
    j["weight_count"] = s.weight_count;
    j["weight_bytes"] = s.weight_bytes;
    j["inputs"] = IoJson(s.inputs);
    j["outputs"] = IoJson(s.outputs);
    j["ops"] = s.ops;
    j["unsupported_ops"] = s.unsupported;
    j["range_constraints"] = s.range_constraints;
    std::cout << j.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
    std::fflush(stdout);
    return kExitOk;
  }
  std::printf("File:       %s\n", s.path.c_str());
  std::printf("Format:     pt2 (torch.export, torch %s, schema %s)\n", s.torch_version.c_str(),
              s.schema_version.c_str());
  std::printf("Nodes:      %s\n", Grouped(s.node_count).c_str());
  std::printf("Weights:    %s tensors, %s bytes (%s)\n", Grouped(s.weight_count).c_str(),
              Grouped(s.weight_bytes).c_str(), HumanBytes(s.weight_bytes).c_str());
  auto io = [](const char* label, const std::vector<pt2::Pt2Io>& list) {
    std::printf("%s\n", label);
    for (const pt2::Pt2Io& e : list)
      std::printf("  %s  %s  %s\n", e.name.c_str(), e.dtype.c_str(), DimsText(e).c_str());
  };
  io("Inputs:", s.inputs);
  io("Outputs:", s.outputs);
  if (!s.range_constraints.empty()) {
    std::printf("Symbols:\n");
    for (const auto& [sym, range] : s.range_constraints)
      std::printf("  %s in %s\n", sym.c_str(), range.c_str());
  }
  std::printf("Ops:\n");
  std::vector<std::pair<std::string, size_t>> ops(s.ops.begin(), s.ops.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [op, count] : ops) {
    const bool missing =
        std::find(s.unsupported.begin(), s.unsupported.end(), op) != s.unsupported.end();
    std::printf("  %6zu  %s%s\n", count, op.c_str(), missing ? "  (unsupported)" : "");
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace pt2tf::cli
