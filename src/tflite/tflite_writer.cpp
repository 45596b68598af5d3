#include "tflite/tflite_writer.h"

#include "tf/lower.h"
#include "tflite/model_builder.h"
#include "tflite/quant/quantize.h"
#include "tflite/translator.h"

namespace pt2tf::tflite {

Status WriteTflite(const tf::TfGraph& lowered, const std::string& path,
                   const TfliteWriterOptions& options) {
  // Control flow (If / Loop / Scan, lowered to StatelessIf / StatelessWhile) becomes IF /
  // WHILE ops over extra subgraphs (src/tflite/ops/control_flow.cpp); --quantize rewrites the
  // main subgraph and leaves those float (quant/quantize_model.cpp).
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
  return model.Write(path, options.buffers, options.on_weight_bytes);
}

Status WriteTflite(const ir::Graph& graph, const std::string& path,
                   const tf::TfWriterOptions& lowering, const TfliteWriterOptions& options) {
  tf::TfWriterOptions tflite_lowering = lowering;
  tflite_lowering.recurrent_steps = passes::StepOutputs::kBuffer;  // TFLite has no TensorLists
  auto lowered = tf::LowerToTf(graph, tflite_lowering);
  if (!lowered.ok()) return lowered.status().WithContext(path);
  return WriteTflite(*lowered, path, options);
}

}  // namespace pt2tf::tflite
