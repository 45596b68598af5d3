#include "onnx/wire_strip.h"

namespace pt2tf::onnx {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphInitializer = 5;
constexpr uint32_t kTensorRawData = 9;
constexpr int kMaxVarintBytes = 10;

// One field of a message: its number, wire type, the whole field's bytes (tag included)
// and, for length-delimited fields, the payload.
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  ByteSpan whole;
  ByteSpan payload;
};

class Reader {
 public:
  explicit Reader(ByteSpan bytes) : bytes_(bytes) {}
  bool done() const { return pos_ >= bytes_.size(); }

  Result<Field> Next() {
    const size_t start = pos_;
    PT2TF_ASSIGN_OR_RETURN(uint64_t tag, Varint());
    Field f;
    f.number = static_cast<uint32_t>(tag >> 3);
    f.wire_type = static_cast<uint32_t>(tag & 7);
    if (f.number == 0 || (tag >> 3) > 0x1fffffff) return InvalidInput("invalid field number");
    switch (f.wire_type) {
      case kVarint: {
        PT2TF_ASSIGN_OR_RETURN(uint64_t ignored, Varint());
        (void)ignored;
        break;
      }
      case kFixed64:
        PT2TF_RETURN_IF_ERROR(Skip(8));
        break;
      case kFixed32:
        PT2TF_RETURN_IF_ERROR(Skip(4));
        break;
      case kLengthDelimited: {
        PT2TF_ASSIGN_OR_RETURN(uint64_t length, Varint());
        if (length > bytes_.size() - pos_)
          return InvalidInput("field " + std::to_string(f.number) + " claims " +
                              std::to_string(length) + " bytes but " +
                              std::to_string(bytes_.size() - pos_) + " remain");
        f.payload = bytes_.subspan(pos_, length);
        pos_ += length;
        break;
      }
      default:
        return InvalidInput("unsupported wire type " + std::to_string(f.wire_type));
    }
    f.whole = bytes_.subspan(start, pos_ - start);
    return f;
  }

 private:
  Result<uint64_t> Varint() {
    uint64_t value = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
      if (pos_ >= bytes_.size()) return InvalidInput("truncated varint");
      const auto b = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return value;
    }
    return InvalidInput("malformed varint");
  }
  Status Skip(size_t n) {
    if (n > bytes_.size() - pos_) return InvalidInput("truncated fixed-size field");
    pos_ += n;
    return OkStatus();
  }

  ByteSpan bytes_;
  size_t pos_ = 0;
};

void Append(std::string& out, ByteSpan bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void AppendMessageField(std::string& out, uint32_t number, const std::string& payload) {
  AppendVarint(out, (static_cast<uint64_t>(number) << 3) | kLengthDelimited);
  AppendVarint(out, payload.size());
  out += payload;
}

Result<std::string> StripTensor(ByteSpan tensor, std::optional<ByteSpan>& raw) {
  std::string out;
  Reader r(tensor);
  while (!r.done()) {
    PT2TF_ASSIGN_OR_RETURN(Field f, r.Next());
    if (f.number == kTensorRawData && f.wire_type == kLengthDelimited) {
      raw = f.payload;  // a repeated singular field: the last one wins, as in protobuf
      continue;
    }
    Append(out, f.whole);
  }
  if (raw) AppendMessageField(out, kTensorRawData, "");
  return out;
}

Status StripGraph(ByteSpan graph, std::string& out, StrippedModel& model) {
  Reader r(graph);
  while (!r.done()) {
    PT2TF_ASSIGN_OR_RETURN(Field f, r.Next());
    if (f.number == kGraphInitializer && f.wire_type == kLengthDelimited) {
      std::optional<ByteSpan> raw;
      PT2TF_ASSIGN_OR_RETURN(std::string tensor, StripTensor(f.payload, raw));
      AppendMessageField(out, kGraphInitializer, tensor);
      model.raw_data.push_back(raw);
      continue;
    }
    Append(out, f.whole);
  }
  return OkStatus();
}

}  // namespace

Result<StrippedModel> StripInitializerData(ByteSpan bytes) {
  StrippedModel model;
  Reader r(bytes);
  while (!r.done()) {
    PT2TF_ASSIGN_OR_RETURN(Field f, r.Next());
    if (f.number == kModelGraph && f.wire_type == kLengthDelimited) {
      std::string graph;
      PT2TF_RETURN_IF_ERROR(StripGraph(f.payload, graph, model));
      AppendMessageField(model.metadata, kModelGraph, graph);
      continue;
    }
    Append(model.metadata, f.whole);
  }
  return model;
}

}  // namespace pt2tf::onnx
