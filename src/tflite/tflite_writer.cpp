#include "tflite/tflite_writer.h"

#include "tf/lower.h"
#include "tflite/model_builder.h"
#include "tflite/quant/quantize.h"
#include "tflite/translator.h"

namespace pt2tf::tflite {

Status WriteTflite(const tf::TfGraph& lowered, const std::string& path,
                   const TfliteWriterOptions& options) {
  // TFLite expresses control flow as IF/WHILE ops over extra subgraphs, which this writer
  // does not build yet: refuse rather than write a model the interpreter rejects.
  if (!lowered.control_flow.empty())
    return Unsupported(path + ": " + lowered.control_flow.front() +
                       ": control flow (If/Loop/Scan) is not supported by the TFLite writer yet");
  ModelBuilder model;
  Translator translator(lowered, options.precision, model);
  Status s = translator.Run();
  if (!s.ok()) return s.WithContext(path);
  if (options.quantize.mode != QuantMode::kNone) {
    if (options.precision != Precision::kFp32)
      return UsageError(path + ": --quantize and --precision fp16 cannot be combined");
    QuantReport report;
    s = QuantizeModel(model, options.quantize, report);
    if (!s.ok()) return s.WithContext(path);
    if (options.quant_report) *options.quant_report = std::move(report);
  }
  return model.Write(path, options.on_weight_bytes);
}

Status WriteTflite(const ir::Graph& graph, const std::string& path,
                   const tf::TfWriterOptions& lowering, const TfliteWriterOptions& options) {
  auto lowered = tf::LowerToTf(graph, lowering);
  if (!lowered.ok()) return lowered.status().WithContext(path);
  return WriteTflite(*lowered, path, options);
}

}  // namespace pt2tf::tflite
