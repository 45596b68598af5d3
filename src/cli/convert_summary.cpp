#include "cli/convert_summary.h"

#include <cstdio>

#include "cli/text_format.h"

namespace pt2tf::cli {
namespace {

using Json = nlohmann::ordered_json;

Json IoJson(const std::vector<GraphIoInfo>& values) {
  Json list = Json::array();
  for (const GraphIoInfo& v : values) {
    Json item{{"name", v.name}, {"dtype", v.dtype}};
    item["shape"] = v.shape ? Json(*v.shape) : Json(nullptr);
    list.push_back(std::move(item));
  }
  return list;
}

std::string IoText(const std::vector<GraphIoInfo>& values) {
  std::string s;
  for (const GraphIoInfo& v : values)
    s += (s.empty() ? "" : ", ") + v.name + " " + v.dtype + " " + ShapeText(v.shape);
  return s.empty() ? "(none)" : s;
}

}  // namespace

std::string SummaryText(const ConvertReport& r) {
  std::string s;
  auto line = [&](const char* label, const std::string& value) {
    s += std::string(label) + std::string(10 - std::string(label).size(), ' ') + value + "\n";
  };
  line("Model:", r.model_name.empty() ? r.input_path + " (" + r.input_kind + ")"
                                      : r.model_name + " from " + r.input_path);
  line("Inputs:", IoText(r.graph_inputs));
  line("Outputs:", IoText(r.graph_outputs));
  line("Params:", Grouped(r.parameter_count) + " (" + HumanBytes(r.weight_bytes) + " of weights, " +
                      Grouped(r.node_count) + " nodes)");
  for (const ConvertedOutput& o : r.outputs)
    line("Wrote:", o.path + "  " + HumanBytes(o.bytes) + "  (" + o.kind + ")");
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f s", r.seconds);
  line("Time:", secs);
  return s;
}

Json SummaryJson(const ConvertReport& r) {
  Json j;
  j["input"] = r.input_path;
  j["input_kind"] = r.input_kind;
  if (!r.model_name.empty()) j["model"] = r.model_name;
  j["nodes"] = r.node_count;
  j["initializers"] = r.initializer_count;
  j["weight_bytes"] = r.weight_bytes;
  j["parameters"] = r.parameter_count;
  j["inputs"] = IoJson(r.graph_inputs);
  j["graph_outputs"] = IoJson(r.graph_outputs);
  j["outputs"] = Json::array();
  for (const ConvertedOutput& o : r.outputs)
    j["outputs"].push_back({{"path", o.path}, {"kind", o.kind}, {"bytes", o.bytes}});
  j["warnings"] = r.warnings;
  j["seconds"] = r.seconds;
  return j;
}

}  // namespace pt2tf::cli
