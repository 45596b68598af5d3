#include "tflite/model_builder.h"

#include <cstring>
#include <map>

#include "pt2tf/io/output_file.h"

namespace pt2tf::tflite {
namespace {

constexpr uint32_t kSchemaVersion = 3;
// Weight data starts on 64-byte file offsets (the file is mapped page-aligned, so these are
// addresses aligned for any SIMD load; TFLite itself asks for 16).
constexpr uint64_t kDataAlignment = 64;
// uoffset_t is 32-bit: every byte of a FlatBuffer with inline buffers must be below 2 GiB.
constexpr uint64_t kMaxFileBytes = (uint64_t{1} << 31) - 1;

// The operator version to declare: 1, except for builtins whose kernels are registered from a
// later version only (LiteRT has no BROADCAST_TO version 1).
int32_t OpVersion(BuiltinOperator op) {
  return op == BuiltinOperator::BuiltinOperator_BROADCAST_TO ? 2 : 1;
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// The position of the 4-byte length prefix of buffer data placed at or after `pos`.
uint64_t PrefixPos(uint64_t pos) { return AlignUp(pos + 4, kDataAlignment) - 4; }

}  // namespace

ModelBuilder::ModelBuilder() : fbb_(1 << 16) {
  subgraphs_.push_back(Subgraph{"main", {}, {}, {}, {}});
}

int ModelBuilder::AddSubgraph(std::string name) {
  subgraphs_.push_back(Subgraph{std::move(name), {}, {}, {}, {}});
  return static_cast<int>(subgraphs_.size() - 1);
}

int ModelBuilder::AddTensor(TensorSpec spec) {
  std::vector<TensorSpec>& tensors = sg().tensors;
  tensors.push_back(std::move(spec));
  return static_cast<int>(tensors.size() - 1);
}

uint32_t ModelBuilder::AddBuffer(Tensor data, bool to_fp16) {
  buffers_.push_back(BufferSpec{std::move(data), to_fp16});
  return static_cast<uint32_t>(buffers_.size());
}

void ModelBuilder::AddOp(BuiltinOperator op, std::vector<int32_t> inputs,
                         std::vector<int32_t> outputs, ::tflite::BuiltinOptions options_type,
                         flatbuffers::Offset<void> options) {
  sg().ops.push_back(OpSpec{op, std::move(inputs), std::move(outputs), options_type, options});
}

void ModelBuilder::AddInput(int tensor, std::string name) {
  sg().inputs.push_back({tensor, std::move(name)});
}
void ModelBuilder::AddOutput(int tensor, std::string name) {
  sg().outputs.push_back({tensor, std::move(name)});
}

bool ModelBuilder::IsInterface(int tensor) const {
  for (const Endpoint& e : sg().inputs)
    if (e.tensor == tensor) return true;
  for (const Endpoint& e : sg().outputs)
    if (e.tensor == tensor) return true;
  return false;
}

std::vector<bool> ModelBuilder::UsedTensors(const Subgraph& g) {
  std::vector<bool> used(g.tensors.size(), false);
  for (const OpSpec& op : g.ops)
    for (const auto* list : {&op.inputs, &op.outputs})
      for (int32_t t : *list)
        if (t >= 0 && static_cast<size_t>(t) < g.tensors.size()) used[t] = true;
  for (const Endpoint& e : g.inputs) used[e.tensor] = true;
  for (const Endpoint& e : g.outputs) used[e.tensor] = true;
  return used;
}

std::vector<const BufferSpec*> ModelBuilder::LiveBuffers(std::vector<uint32_t>& file_index) const {
  // Only buffers some tensor refers to are written (a rewrite pass may have replaced a
  // weight, e.g. float32 by int8), numbered in order of their first creation.
  std::vector<bool> used(buffers_.size() + 1, false);
  for (const Subgraph& g : subgraphs_) {
    const std::vector<bool> live_tensors = UsedTensors(g);
    for (size_t i = 0; i < g.tensors.size(); ++i)
      if (live_tensors[i] && g.tensors[i].buffer != 0 && g.tensors[i].buffer <= buffers_.size())
        used[g.tensors[i].buffer] = true;
  }
  file_index.assign(buffers_.size() + 1, 0);
  std::vector<const BufferSpec*> live;
  for (size_t i = 1; i <= buffers_.size(); ++i)
    if (used[i]) {
      live.push_back(&buffers_[i - 1]);
      file_index[i] = static_cast<uint32_t>(live.size());
    }
  return live;
}

Result<std::vector<uint8_t>> ModelBuilder::Finish(bool offset_buffers,
                                                  std::vector<uint64_t>& field_pos,
                                                  std::vector<int32_t>* file_tensor) const {
  auto& b = fbb_;
  // Everything built from here on is popped again after copying the bytes out, so the
  // builder can be finished more than once (the quantization pass serializes the float
  // model, rewrites it with new option tables, then serializes again).
  const size_t keep = b.GetSize();
  std::vector<uint32_t> file_index;
  const std::vector<const BufferSpec*> live = LiveBuffers(file_index);
  std::map<BuiltinOperator, uint32_t> code_index;
  std::vector<flatbuffers::Offset<::tflite::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<::tflite::SubGraph>> subgraphs;
  std::vector<flatbuffers::Offset<::tflite::TensorMap>> in_maps, out_maps;
  std::vector<int32_t> main_tensor_index;
  for (size_t gi = 0; gi < subgraphs_.size(); ++gi) {
    const Subgraph& g = subgraphs_[gi];
    // Tensors no operator or interface entry refers to (weights a rewrite replaced) are left
    // out; tensor_index[i] is tensor i's number in the file.
    const std::vector<bool> used = UsedTensors(g);
    std::vector<int32_t> tensor_index(g.tensors.size(), -1);
    std::vector<flatbuffers::Offset<::tflite::Tensor>> tensors;
    for (size_t ti = 0; ti < g.tensors.size(); ++ti) {
      if (!used[ti]) continue;
      tensor_index[ti] = static_cast<int32_t>(tensors.size());
      const TensorSpec& t = g.tensors[ti];
      // A dim known only at run time (kDynamicDim) is 1 in `shape` and -1 in
      // `shape_signature`, as TFLite's converter writes it; the kernel producing the tensor
      // resizes it.
      std::vector<int32_t> shape, signature;
      bool dynamic = false;
      for (int64_t d : t.shape) {
        if ((d < 0 && d != kDynamicDim) || d > INT32_MAX)
          return Unsupported("tensor '" + t.name + "' has shape " + ShapeToString(t.shape) +
                             "; TFLite needs dims below 2^31");
        dynamic |= d == kDynamicDim;
        shape.push_back(d == kDynamicDim ? 1 : static_cast<int32_t>(d));
        signature.push_back(static_cast<int32_t>(d));
      }
      auto shape_off = b.CreateVector(shape);
      auto signature_off = dynamic ? b.CreateVector(signature) : 0;
      auto name_off = b.CreateString(t.name);
      flatbuffers::Offset<::tflite::QuantizationParameters> quant = 0;
      if (!t.scale.empty())
        quant = ::tflite::CreateQuantizationParameters(
            b, 0, 0, b.CreateVector(t.scale), b.CreateVector(t.zero_point), t.quantized_dimension);
      ::tflite::TensorBuilder tb(b);
      if (!t.scale.empty()) tb.add_quantization(quant);
      tb.add_shape(shape_off);
      if (dynamic) tb.add_shape_signature(signature_off);
      tb.add_type(t.type);
      tb.add_buffer(t.buffer <= buffers_.size() ? file_index[t.buffer] : 0);
      tb.add_name(name_off);
      tb.add_has_rank(true);
      tensors.push_back(tb.Finish());
    }
    std::vector<flatbuffers::Offset<::tflite::Operator>> ops;
    for (const OpSpec& op : g.ops) {
      auto [it, fresh] = code_index.emplace(op.op, static_cast<uint32_t>(codes.size()));
      if (fresh) {
        const int32_t code = static_cast<int32_t>(op.op);
        codes.push_back(::tflite::CreateOperatorCode(
            b, static_cast<int8_t>(std::min<int32_t>(code, 127)), 0, OpVersion(op.op), op.op));
      }
      auto remap = [&](const std::vector<int32_t>& ids) {
        std::vector<int32_t> r;
        for (int32_t t : ids) r.push_back(t < 0 ? t : tensor_index[t]);
        return r;
      };
      auto in = b.CreateVector(remap(op.inputs));
      auto out = b.CreateVector(remap(op.outputs));
      ops.push_back(::tflite::CreateOperator(b, it->second, in, out, op.options_type, op.options));
    }
    std::vector<int32_t> in_ids, out_ids;
    for (const Endpoint& e : g.inputs) {
      in_ids.push_back(tensor_index[e.tensor]);
      if (gi == 0)
        in_maps.push_back(
            ::tflite::CreateTensorMap(b, b.CreateString(e.name), tensor_index[e.tensor]));
    }
    for (const Endpoint& e : g.outputs) {
      out_ids.push_back(tensor_index[e.tensor]);
      if (gi == 0)
        out_maps.push_back(
            ::tflite::CreateTensorMap(b, b.CreateString(e.name), tensor_index[e.tensor]));
    }
    subgraphs.push_back(::tflite::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(in_ids),
                                                 b.CreateVector(out_ids), b.CreateVector(ops),
                                                 b.CreateString(g.name)));
    if (gi == 0) main_tensor_index = std::move(tensor_index);
  }
  std::vector<flatbuffers::Offset<::tflite::Buffer>> buffers;
  buffers.push_back(::tflite::CreateBuffer(b));  // buffer 0: the empty sentinel
  for (const BufferSpec* buf : live) {
    if (offset_buffers && buf->size() > 0) {
      // A placeholder offset (1: non-default, so the field is stored), patched in Emit.
      buffers.push_back(::tflite::CreateBuffer(b, 0, 1, buf->size()));
    } else {
      // A placeholder empty vector: the field is re-pointed at the streamed data in Emit.
      auto data = b.CreateVector(static_cast<const uint8_t*>(nullptr), 0);
      buffers.push_back(::tflite::CreateBuffer(b, data));
    }
  }
  auto signature = ::tflite::CreateSignatureDef(
      b, b.CreateVector(in_maps), b.CreateVector(out_maps), b.CreateString("serving_default"), 0);
  auto model = ::tflite::CreateModel(b, kSchemaVersion, b.CreateVector(codes),
                                     b.CreateVector(subgraphs), b.CreateString("pt2tf"),
                                     b.CreateVector(buffers), 0, 0, b.CreateVector(&signature, 1));
  b.Finish(model, ::tflite::ModelIdentifier());
  std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  b.PopBytes(b.GetSize() - keep);
  if (file_tensor) *file_tensor = std::move(main_tensor_index);

  const ::tflite::Model* m = ::tflite::GetModel(bytes.data());
  field_pos.clear();
  for (size_t i = 1; i < m->buffers()->size(); ++i) {
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(m->buffers()->Get(i));
    const bool offset_field = offset_buffers && live[i - 1]->size() > 0;
    const uint8_t* field =
        table->GetAddressOf(offset_field ? ::tflite::Buffer::VT_OFFSET : ::tflite::Buffer::VT_DATA);
    if (!field) return InternalError("TFLite buffer " + std::to_string(i) + " lost its field");
    const bool empty_offset_mode = offset_buffers && live[i - 1]->size() == 0;
    field_pos.push_back(empty_offset_mode ? 0 : static_cast<uint64_t>(field - bytes.data()));
  }
  return bytes;
}

Result<uint64_t> ModelBuilder::Emit(const std::function<Status(ByteSpan)>& sink,
                                    BufferPlacement placement,
                                    const std::function<void(uint64_t)>& on_bytes,
                                    std::vector<int32_t>* file_tensor) const {
  std::vector<uint32_t> file_index;
  const std::vector<const BufferSpec*> live = LiveBuffers(file_index);
  // The data goes after the metadata, each buffer on a kDataAlignment file offset; inline, a
  // 4-byte length precedes it (the FlatBuffer vector's prefix).
  auto lay_out = [&](uint64_t meta_size, bool offset_buffers, std::vector<uint64_t>& data_pos) {
    data_pos.assign(live.size(), 0);
    uint64_t end = meta_size;
    for (size_t i = 0; i < live.size(); ++i) {
      if (offset_buffers && live[i]->size() == 0) continue;  // an empty inline vector
      data_pos[i] = offset_buffers ? AlignUp(end, kDataAlignment) : PrefixPos(end) + 4;
      end = data_pos[i] + live[i]->size();
    }
    return end;
  };
  bool offset_buffers = placement == BufferPlacement::kOffset;
  std::vector<uint64_t> field_pos, data_pos;
  PT2TF_ASSIGN_OR_RETURN(std::vector<uint8_t> meta, Finish(offset_buffers, field_pos, file_tensor));
  uint64_t end = lay_out(meta.size(), offset_buffers, data_pos);
  if (!offset_buffers && end > kMaxFileBytes) {
    if (placement == BufferPlacement::kInline)
      return Unsupported("the model with its weights would take " + std::to_string(end) +
                         " bytes, over the 2 GiB of a TFLite file with inline buffers; "
                         "--tflite-buffers offset (or auto) stores the weights after the "
                         "FlatBuffer");
    offset_buffers = true;
    PT2TF_ASSIGN_OR_RETURN(meta, Finish(offset_buffers, field_pos, file_tensor));
    end = lay_out(meta.size(), offset_buffers, data_pos);
  }
  if (meta.size() > kMaxFileBytes)
    return Unsupported("the TFLite metadata alone (operators, tensors) takes over 2 GiB");
  for (size_t i = 0; i < live.size(); ++i) {
    if (offset_buffers) {
      if (field_pos[i] != 0) std::memcpy(meta.data() + field_pos[i], &data_pos[i], 8);
    } else {
      const uint32_t rel = static_cast<uint32_t>(data_pos[i] - 4 - field_pos[i]);
      std::memcpy(meta.data() + field_pos[i], &rel, 4);
    }
  }

  uint64_t written = 0;
  auto put = [&](ByteSpan bytes) {
    written += bytes.size();
    return sink(bytes);
  };
  PT2TF_RETURN_IF_ERROR(
      put(ByteSpan(reinterpret_cast<const std::byte*>(meta.data()), meta.size())));
  const std::string zeros(kDataAlignment, '\0');
  std::vector<uint16_t> half;
  for (size_t i = 0; i < live.size(); ++i) {
    const BufferSpec& buf = *live[i];
    if (offset_buffers && buf.size() == 0) continue;
    const uint64_t start = offset_buffers ? data_pos[i] : data_pos[i] - 4;
    PT2TF_RETURN_IF_ERROR(
        put(ByteSpan(reinterpret_cast<const std::byte*>(zeros.data()), start - written)));
    if (!offset_buffers) {
      const uint32_t len = static_cast<uint32_t>(buf.size());
      PT2TF_RETURN_IF_ERROR(put(ByteSpan(reinterpret_cast<const std::byte*>(&len), 4)));
    }
    Status status = OkStatus();
    buf.data.ForEachChunk([&](ByteSpan chunk) {
      if (!status.ok()) return;
      if (!buf.to_fp16) {
        status = put(chunk);
      } else {
        half.resize(chunk.size() / 4);
        for (size_t k = 0; k < half.size(); ++k) {
          float f;
          std::memcpy(&f, chunk.data() + 4 * k, 4);
          half[k] = FloatToHalf(f);
        }
        status = put(ByteSpan(reinterpret_cast<const std::byte*>(half.data()), half.size() * 2));
      }
      if (status.ok() && on_bytes) on_bytes(chunk.size());
    });
    PT2TF_RETURN_IF_ERROR(status);
  }
  if (written != end)
    return InternalError("wrote " + std::to_string(written) + " bytes, expected " +
                         std::to_string(end));
  return written;
}

Status ModelBuilder::Write(const std::string& path, BufferPlacement placement,
                           const std::function<void(uint64_t)>& on_bytes) const {
  PT2TF_ASSIGN_OR_RETURN(auto file, OutputFile::Create(path));
  Result<uint64_t> n =
      Emit([&](ByteSpan bytes) { return file->Write(bytes); }, placement, on_bytes);
  if (!n.ok()) return n.status().WithContext(path);
  return file->Commit();
}

Result<std::vector<uint8_t>> ModelBuilder::Serialize(std::vector<int32_t>* file_tensor) const {
  std::vector<uint8_t> out;
  PT2TF_RETURN_IF_ERROR(Emit(
                            [&](ByteSpan bytes) {
                              const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
                              out.insert(out.end(), p, p + bytes.size());
                              return OkStatus();
                            },
                            BufferPlacement::kAuto, {}, file_tensor)
                            .status());
  return out;
}

}  // namespace pt2tf::tflite
