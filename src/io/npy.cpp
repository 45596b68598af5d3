// .npy / .npz reading (checked against the bytes present) and uncompressed .npz writing.
#include "pt2tf/io/npy.h"

#include <zlib.h>

#include <cstring>
#include <string_view>

#include "pt2tf/io/output_file.h"
#include "pt2tf/io/zip.h"

namespace pt2tf {
namespace {

using Dims = std::vector<int64_t>;

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct DescrName {
  std::string_view descr;
  DType dtype;
};
// The one table of .npy dtype spellings (little-endian or byte-order-free only).
constexpr DescrName kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<f2", DType::kFloat16},
    {"<i8", DType::kInt64},   {"<i4", DType::kInt32},   {"<i2", DType::kInt16},
    {"|i1", DType::kInt8},    {"|u1", DType::kUInt8},   {"<u2", DType::kUInt16},
    {"<u4", DType::kUInt32},  {"<u8", DType::kUInt64},  {"|b1", DType::kBool},
};

// A cursor over the header dict text: {'descr': '<f4', 'fortran_order': False, 'shape': (2,)}
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : s_(text) {}

  Status Parse(std::string& descr, bool& fortran, Dims& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    Skip();
    if (!Eat('{')) return Bad("header does not start with '{'");
    while (true) {
      Skip();
      if (Eat('}')) break;
      std::string key;
      PT2TF_RETURN_IF_ERROR(String(key));
      Skip();
      if (!Eat(':')) return Bad("expected ':' after '" + key + "'");
      Skip();
      if (key == "descr" && !have_descr) {
        PT2TF_RETURN_IF_ERROR(String(descr));
        have_descr = true;
      } else if (key == "fortran_order" && !have_fortran) {
        if (s_.substr(pos_, 4) == "True") {
          fortran = true;
          pos_ += 4;
        } else if (s_.substr(pos_, 5) == "False") {
          fortran = false;
          pos_ += 5;
        } else {
          return Bad("fortran_order is not True or False");
        }
        have_fortran = true;
      } else if (key == "shape" && !have_shape) {
        PT2TF_RETURN_IF_ERROR(Tuple(shape));
        have_shape = true;
      } else {
        return Bad("unexpected or repeated header key '" + key + "'");
      }
      Skip();
      if (Eat(',')) continue;
      Skip();
      if (Eat('}')) break;
      return Bad("expected ',' or '}' in the header");
    }
    Skip();
    if (pos_ != s_.size()) return Bad("bytes after the header dict");
    if (!have_descr || !have_fortran || !have_shape)
      return Bad("header lacks 'descr', 'fortran_order' or 'shape'");
    return OkStatus();
  }

 private:
  static Status Bad(const std::string& what) { return InvalidInput("npy header: " + what); }
  void Skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status String(std::string& out) {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"'))
      return Bad("expected a quoted string");
    const char quote = s_[pos_++];
    const size_t end = s_.find(quote, pos_);
    if (end == std::string_view::npos || end - pos_ > 64) return Bad("unterminated string");
    out = std::string(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return OkStatus();
  }
  Status Tuple(Dims& out) {
    if (!Eat('(')) return Bad("shape is not a tuple");
    while (true) {
      Skip();
      if (Eat(')')) return OkStatus();
      size_t digits = 0;
      int64_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        if (++digits > 15) return Bad("shape dim too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      if (digits == 0) return Bad("shape holds a non-integer");
      if (out.size() >= 32) return Bad("shape has more than 32 dims");
      out.push_back(v);
      Skip();
      if (Eat(')')) return OkStatus();
      if (!Eat(',')) return Bad("expected ',' in shape");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

uint32_t LoadU32(const std::byte* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

std::string_view DescrOf(DType t) {
  for (const DescrName& d : kDescrs)
    if (d.dtype == t) return d.descr;
  return {};
}

// The .npy bytes of `t` (version 1.0 header padded to 64 bytes).
Result<std::vector<std::byte>> EncodeNpy(const Tensor& t) {
  const std::string_view descr = DescrOf(t.dtype());
  if (descr.empty())
    return Unsupported("no .npy spelling for " + std::string(TorchName(t.dtype())));
  std::string shape = "(";
  for (int64_t d : t.shape()) shape += std::to_string(d) + ", ";
  if (t.shape().size() > 1) shape.resize(shape.size() - 2);
  if (t.shape().size() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header =
      "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t unpadded = kMagicLen + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::vector<std::byte> out(kMagicLen + 4 + header.size());
  std::memcpy(out.data(), kMagic, kMagicLen);
  out[6] = std::byte{1};
  out[7] = std::byte{0};
  const uint16_t len = static_cast<uint16_t>(header.size());
  std::memcpy(out.data() + 8, &len, 2);
  std::memcpy(out.data() + 10, header.data(), header.size());
  t.ForEachChunk([&out](ByteSpan chunk) { out.insert(out.end(), chunk.begin(), chunk.end()); });
  return out;
}

void Put16(std::string& s, uint16_t v) { s.append(reinterpret_cast<const char*>(&v), 2); }
void Put32(std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }

}  // namespace

Result<Tensor> ParseNpy(std::shared_ptr<const Storage> storage) {
  const ByteSpan b = storage->bytes;
  if (b.size() < kMagicLen + 4 || std::memcmp(b.data(), kMagic, kMagicLen) != 0)
    return InvalidInput("not a .npy file (no \\x93NUMPY magic)");
  const uint8_t major = static_cast<uint8_t>(b[6]), minor = static_cast<uint8_t>(b[7]);
  if (major < 1 || major > 3 || minor != 0)
    return InvalidInput("unsupported .npy version " + std::to_string(major) + "." +
                        std::to_string(minor));
  uint64_t header_len = 0, prefix = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(b[8]) | (static_cast<uint8_t>(b[9]) << 8);
    prefix = 10;
  } else {
    if (b.size() < 12) return InvalidInput(".npy header truncated");
    header_len = LoadU32(b.data() + 8);
    prefix = 12;
  }
  if (header_len > b.size() - prefix || header_len > (1u << 20))
    return InvalidInput(".npy header length " + std::to_string(header_len) +
                        " runs past the end of the file");
  const std::string_view text(reinterpret_cast<const char*>(b.data() + prefix), header_len);
  std::string descr;
  bool fortran = false;
  Dims shape;
  PT2TF_RETURN_IF_ERROR(HeaderParser(text).Parse(descr, fortran, shape));
  if (fortran) return Unsupported(".npy in Fortran order (save a C-contiguous array)");
  // 1-byte types: numpy writes '|', some writers '<'.
  std::string canon = descr;
  if (canon.size() == 3 && canon[0] == '<' && canon[2] == '1') canon[0] = '|';
  DType dtype = DType::kFloat32;
  bool known = false;
  for (const DescrName& d : kDescrs)
    if (d.descr == canon) {
      dtype = d.dtype;
      known = true;
    }
  if (!known) return Unsupported(".npy dtype '" + descr + "' is not supported");
  uint64_t count = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count))
      return InvalidInput(".npy shape " + ShapeToString(shape) + " overflows");
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(count, static_cast<uint64_t>(ElementSize(dtype)), &bytes))
    return InvalidInput(".npy shape " + ShapeToString(shape) + " overflows");
  const uint64_t data_start = prefix + header_len;
  if (bytes != b.size() - data_start)
    return InvalidInput(".npy shape " + ShapeToString(shape) + " of " + descr + " needs " +
                        std::to_string(bytes) + " data bytes, the file has " +
                        std::to_string(b.size() - data_start));
  auto data = Storage::View(storage, b.subspan(data_start));
  return Tensor::Contiguous(dtype, shape, data);
}

Result<Tensor> ReadNpy(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  Result<Tensor> t = ParseNpy(Storage::View(file, file->bytes()));
  if (!t.ok()) return t.status().WithContext(path);
  return t;
}

Result<NamedArrays> ReadNpz(const std::string& path) {
  PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  Result<ZipArchive> zip = ZipArchive::Open(file);
  if (!zip.ok()) return zip.status().WithContext(path);
  NamedArrays out;
  for (const ZipEntry& e : zip->entries()) {
    std::string name = e.name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    Result<std::shared_ptr<const Storage>> bytes = zip->Read(e);
    if (!bytes.ok()) return bytes.status().WithContext(path + ": " + e.name);
    Result<Tensor> t = ParseNpy(*bytes);
    if (!t.ok()) return t.status().WithContext(path + ": " + e.name);
    out.emplace_back(name, std::move(*t));
  }
  if (out.empty()) return InvalidInput(path + ": the .npz holds no arrays");
  return out;
}

Status WriteNpz(const std::string& path, const NamedArrays& arrays) {
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> file, OutputFile::Create(path));
  std::string central;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : arrays) {
    PT2TF_ASSIGN_OR_RETURN(std::vector<std::byte> npy, EncodeNpy(tensor));
    const std::string member = name + ".npy";
    if (npy.size() >= 0xffffffffu || offset >= 0xffffffffu || member.size() > 0xffff)
      return Unsupported(path + ": arrays over 4 GiB are not written");
    const uint32_t crc =
        static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(npy.data()), npy.size()));
    const uint32_t size = static_cast<uint32_t>(npy.size());
    std::string local;
    Put32(local, 0x04034b50);
    Put16(local, 20);    // version needed
    Put16(local, 0);     // flags
    Put16(local, 0);     // stored
    Put16(local, 0);     // time
    Put16(local, 0x21);  // date: 1980-01-01
    Put32(local, crc);
    Put32(local, size);
    Put32(local, size);
    Put16(local, static_cast<uint16_t>(member.size()));
    Put16(local, 0);
    local += member;
    Put32(central, 0x02014b50);
    Put16(central, 20);
    Put16(central, 20);
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0x21);
    Put32(central, crc);
    Put32(central, size);
    Put32(central, size);
    Put16(central, static_cast<uint16_t>(member.size()));
    Put16(central, 0);  // extra
    Put16(central, 0);  // comment
    Put16(central, 0);  // disk
    Put16(central, 0);  // internal attributes
    Put32(central, 0);  // external attributes
    Put32(central, static_cast<uint32_t>(offset));
    central += member;
    PT2TF_RETURN_IF_ERROR(file->Write(local));
    PT2TF_RETURN_IF_ERROR(file->Write(ByteSpan(npy.data(), npy.size())));
    offset += local.size() + npy.size();
  }
  if (offset >= 0xffffffffu || arrays.size() > 0xffff)
    return Unsupported(path + ": archives over 4 GiB are not written");
  std::string end;
  Put32(end, 0x06054b50);
  Put16(end, 0);
  Put16(end, 0);
  Put16(end, static_cast<uint16_t>(arrays.size()));
  Put16(end, static_cast<uint16_t>(arrays.size()));
  Put32(end, static_cast<uint32_t>(central.size()));
  Put32(end, static_cast<uint32_t>(offset));
  Put16(end, 0);
  PT2TF_RETURN_IF_ERROR(file->Write(central));
  PT2TF_RETURN_IF_ERROR(file->Write(end));
  return file->Commit();
}

}  // namespace pt2tf
