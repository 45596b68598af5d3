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

std::string Num(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// The quantization block under a quantized output's "Wrote:" line.
std::string QuantText(const tflite::QuantReport& q) {
  std::string s = "          " + std::string(tflite::QuantModeName(q.mode)) + ": " +
                  std::to_string(q.int8_ops) + " ops int8 (" + std::to_string(q.quantized_weights) +
                  " weight tensors), " + std::to_string(q.float_ops) + " ops left float";
  std::string types;
  for (const auto& [op, n] : q.float_op_types)
    types += (types.empty() ? "" : ", ") + op + " ×" + std::to_string(n);
  if (!types.empty()) s += " (" + types + ")";
  s += "\n";
  if (q.calibration_samples > 0)
    s += "          calibrated on " + std::to_string(q.calibration_samples) + " samples\n";
  if (q.accuracy.empty()) {
    if (!q.simulation.empty() && q.simulation.rfind("not computed", 0) == 0)
      s += "          accuracy " + q.simulation + "\n";
    return s;
  }
  s += "          accuracy vs float on " + std::to_string(q.eval_samples) +
       " held-back samples (pt2tf's simulation):\n";
  for (const tflite::OutputAccuracy& a : q.accuracy) {
    s += "            " + a.name + ": SNR " + Num("%.1f", a.snr_db) + " dB, cosine " +
         Num("%.5f", a.cosine) + ", max abs " + Num("%.4g", a.max_abs);
    if (a.top1) s += ", top-1 agreement " + Num("%.1f", *a.top1 * 100) + "%";
    s += "\n";
  }
  return s;
}

Json QuantJson(const tflite::QuantReport& q) {
  Json j;
  j["mode"] = tflite::QuantModeName(q.mode);
  j["int8_ops"] = q.int8_ops;
  j["quantized_weights"] = q.quantized_weights;
  j["float_ops"] = q.float_ops;
  j["float_op_types"] = Json::object();
  for (const auto& [op, n] : q.float_op_types) j["float_op_types"][op] = n;
  j["calibration_samples"] = q.calibration_samples;
  j["eval_samples"] = q.eval_samples;
  j["simulation"] = q.simulation;
  j["accuracy"] = Json::array();
  for (const tflite::OutputAccuracy& a : q.accuracy) {
    Json o{{"output", a.name}, {"max_abs", a.max_abs}, {"snr_db", a.snr_db}, {"cosine", a.cosine}};
    o["top1_agreement"] = a.top1 ? Json(*a.top1) : Json(nullptr);
    j["accuracy"].push_back(std::move(o));
  }
  return j;
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
  for (const ConvertedOutput& o : r.outputs) {
    line("Wrote:", o.path + "  " + HumanBytes(o.bytes) + "  (" + o.kind + ")");
    if (!o.renamed.empty()) {
      std::string names;
      for (const auto& [from, to] : o.renamed)
        names += (names.empty() ? "" : ", ") + from + " -> " + to;
      line("  named:", names);
    }
    if (o.quantization) s += QuantText(*o.quantization);
  }
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
  for (const ConvertedOutput& o : r.outputs) {
    Json out{{"path", o.path}, {"kind", o.kind}, {"bytes", o.bytes}};
    if (o.quantization) out["quantization"] = QuantJson(*o.quantization);
    if (!o.renamed.empty()) {
      out["renamed"] = Json::object();
      for (const auto& [from, to] : o.renamed) out["renamed"][from] = to;
    }
    j["outputs"].push_back(std::move(out));
  }
  j["warnings"] = r.warnings;
  j["seconds"] = r.seconds;
  return j;
}

}  // namespace pt2tf::cli
