#include "io/torch_pickle.h"

#include <cstring>

namespace pt2tf {
namespace {

using pickle::Arena;
using pickle::Kind;
using pickle::Value;

Value* Arg(const Value* args, size_t i) {
  return i < args->items.size() ? args->items[i] : nullptr;
}

Result<std::vector<int64_t>> IntList(const Value* v, std::string_view what) {
  if (v == nullptr || (v->kind != Kind::kTuple && v->kind != Kind::kList))
    return InvalidInput(std::string(what) + " is not a tuple of ints");
  std::vector<int64_t> out;
  out.reserve(v->items.size());
  for (const Value* item : v->items) {
    if (item->kind != Kind::kInt) return InvalidInput(std::string(what) + " holds a non-int");
    out.push_back(item->i);
  }
  return out;
}

Result<Value*> RebuildTensor(Arena& arena, Value* args, bool explicit_dtype) {
  Value* storage = Arg(args, 0);
  Value* offset = Arg(args, 1);
  if (storage == nullptr || storage->kind != Kind::kStorage)
    return InvalidInput("tensor rebuild without a storage");
  if (offset == nullptr || offset->kind != Kind::kInt || offset->i < 0)
    return InvalidInput("tensor rebuild with a bad storage offset");
  for (size_t i : {2, 3})
    if (const Value* list = Arg(args, i))
      PT2TF_RETURN_IF_ERROR(arena.budget().Charge(list->items.size() * sizeof(int64_t)));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> shape, IntList(Arg(args, 2), "tensor size"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> strides, IntList(Arg(args, 3), "tensor stride"));
  DType dtype = storage->storage->dtype;
  if (explicit_dtype) {
    Value* d = Arg(args, 6);
    std::optional<DType> named = d ? DTypeOfGlobal(*d) : std::nullopt;
    if (!named)
      return Unsupported("tensor dtype " + (d ? d->QualifiedName() : std::string("(missing)")));
    dtype = *named;
  }
  PT2TF_ASSIGN_OR_RETURN(Value * t, arena.New(Kind::kTensor));
  t->tensor = std::make_unique<pickle::TensorSpec>();
  t->tensor->storage = storage;
  t->tensor->dtype = dtype;
  t->tensor->shape = std::move(shape);
  t->tensor->strides = std::move(strides);
  t->tensor->offset = offset->i;
  return t;
}

// numpy.core.multiarray.scalar(dtype('f8'), b'...') for the simple numeric kinds.
Result<Value*> NumpyScalar(Arena& arena, Value* args) {
  Value* dtype = Arg(args, 0);
  Value* data = Arg(args, 1);
  if (dtype == nullptr || dtype->kind != Kind::kObject || dtype->items.empty() ||
      !dtype->items[0]->IsString() || data == nullptr || data->kind != Kind::kBytes)
    return nullptr;
  const std::string& code = dtype->items[0]->text;
  const std::string& b = data->text;
  auto load = [&](auto zero) -> std::optional<decltype(zero)> {
    if (b.size() != sizeof(zero)) return std::nullopt;
    std::memcpy(&zero, b.data(), sizeof(zero));
    return zero;
  };
  auto make_int = [&](std::optional<int64_t> v) -> Result<Value*> {
    if (!v) return nullptr;
    PT2TF_ASSIGN_OR_RETURN(Value * out, arena.New(Kind::kInt));
    out->i = *v;
    return out;
  };
  auto make_float = [&](std::optional<double> v) -> Result<Value*> {
    if (!v) return nullptr;
    PT2TF_ASSIGN_OR_RETURN(Value * out, arena.New(Kind::kFloat));
    out->f = *v;
    return out;
  };
  if (code == "f8") return make_float(load(double{}));
  if (code == "f4") {
    auto v = load(float{});
    return make_float(v ? std::optional<double>(*v) : std::nullopt);
  }
  if (code == "i8") return make_int(load(int64_t{}));
  if (code == "i4") {
    auto v = load(int32_t{});
    return make_int(v ? std::optional<int64_t>(*v) : std::nullopt);
  }
  if (code == "b1" && b.size() == 1) {
    PT2TF_ASSIGN_OR_RETURN(Value * out, arena.New(Kind::kBool));
    out->b = b[0] != 0;
    return out;
  }
  return nullptr;
}

// _codecs.encode(str, "latin1"): how protocol 2 pickles bytes. Our strings are UTF-8.
Result<Value*> CodecsEncode(Arena& arena, Value* args) {
  Value* text = Arg(args, 0);
  Value* encoding = Arg(args, 1);
  if (text == nullptr || !text->IsString()) return InvalidInput("_codecs.encode of a non-str");
  std::string enc = encoding && encoding->IsString() ? encoding->text : "utf-8";
  PT2TF_RETURN_IF_ERROR(arena.budget().Charge(text->text.size()));
  PT2TF_ASSIGN_OR_RETURN(Value * out, arena.New(Kind::kBytes));
  if (enc != "latin1" && enc != "latin-1" && enc != "iso-8859-1") {
    out->text = text->text;  // utf-8 and ascii keep the bytes as they are
    return out;
  }
  const std::string& s = text->text;
  for (size_t i = 0; i < s.size(); ++i) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      out->text.push_back(static_cast<char>(c));
    } else if ((c & 0xe0) == 0xc0 && i + 1 < s.size()) {
      uint32_t cp = ((c & 0x1fu) << 6) | (static_cast<uint8_t>(s[++i]) & 0x3fu);
      if (cp > 0xff) return InvalidInput("_codecs.encode: character outside latin-1");
      out->text.push_back(static_cast<char>(cp));
    } else {
      return InvalidInput("_codecs.encode: character outside latin-1");
    }
  }
  return out;
}

bool Is(const Value& g, std::string_view module, std::string_view name) {
  return g.text == module && g.name == name;
}
bool IsBuiltin(const Value& g, std::string_view name) {
  return (g.text == "builtins" || g.text == "__builtin__") && g.name == name;
}

}  // namespace

std::optional<DType> DTypeOfGlobal(const Value& v) {
  if (v.kind != Kind::kGlobal || v.text != "torch") return std::nullopt;
  return DTypeFromTorchName(v.name);
}

Result<Value*> TorchHooks::PersistentLoad(Arena& arena, Value* pid) {
  // Legacy whole-model pickles name each module class as ('module', cls, file, source).
  if (pid->kind == Kind::kTuple && pid->items.size() >= 2 && pid->items[0]->IsString() &&
      pid->items[0]->text == "module" && pid->items[1]->kind == Kind::kGlobal)
    return pid->items[1];
  if (pid->kind != Kind::kTuple || pid->items.size() < 5 || !pid->items[0]->IsString() ||
      pid->items[0]->text != "storage")
    return Unsupported("persistent id that is not a ('storage', ...) tuple");
  const Value& cls = *pid->items[1];
  const Value& key = *pid->items[2];
  const Value& location = *pid->items[3];
  const Value& numel = *pid->items[4];
  if (cls.kind != Kind::kGlobal ||
      (cls.text != "torch" && cls.text != "torch.cuda" && cls.text != "torch.storage"))
    return Unsupported("storage class " + cls.QualifiedName());
  std::optional<DType> dtype = cls.name == "UntypedStorage" ? std::optional<DType>(DType::kUInt8)
                                                            : DTypeFromTorchStorage(cls.name);
  if (!dtype) return Unsupported("storage class " + cls.QualifiedName());
  PT2TF_RETURN_IF_ERROR(
      arena.budget().Charge(sizeof(pickle::StorageRef) + key.text.size() + location.text.size()));
  auto ref = std::make_unique<pickle::StorageRef>();
  if (key.IsString())
    ref->key = key.text;
  else if (key.kind == Kind::kInt)
    ref->key = std::to_string(key.i);
  else
    return InvalidInput("storage key is neither str nor int");
  if (numel.kind != Kind::kInt || numel.i < 0) return InvalidInput("bad storage size");
  ref->dtype = *dtype;
  ref->numel = static_cast<uint64_t>(numel.i);
  ref->location = location.IsString() ? location.text : "";
  if (pid->items.size() > 5 && pid->items[5]->kind == Kind::kTuple) {
    const Value& view = *pid->items[5];
    if (view.items.size() != 3 || !view.items[0]->IsString() || view.items[1]->kind != Kind::kInt ||
        view.items[2]->kind != Kind::kInt || view.items[1]->i < 0 || view.items[2]->i < 0)
      return InvalidInput("bad storage view metadata");
    ref->is_view = true;
    ref->view_key = view.items[0]->text;
    ref->view_offset = static_cast<uint64_t>(view.items[1]->i);
    ref->view_numel = static_cast<uint64_t>(view.items[2]->i);
  }
  storage_dtypes_.emplace(ref->key, ref->dtype);
  PT2TF_ASSIGN_OR_RETURN(Value * v, arena.New(Kind::kStorage));
  v->storage = std::move(ref);
  return v;
}

Result<Value*> TorchHooks::Call(Arena& arena, const Value& callable, Value* args) {
  // (func, type, args, state): the tensor is func(*args); the subclass type is dropped.
  // torch nests one level; a deeper chain is refused rather than walked (or recursed) once
  // per link on every call.
  constexpr int kMaxWrappers = 8;
  const Value* wrapped = &callable;
  for (int depth = 0; Is(*wrapped, "torch._tensor", "_rebuild_from_type_v2") ||
                      Is(*wrapped, "torch._tensor", "_rebuild_from_type");
       ++depth) {
    if (depth == kMaxWrappers)
      return InvalidInput("_rebuild_from_type_v2 nests more than " + std::to_string(kMaxWrappers) +
                          " deep");
    Value* func = Arg(args, 0);
    Value* inner = Arg(args, 2);
    if (func == nullptr || func->kind != Kind::kGlobal || inner == nullptr ||
        inner->kind != Kind::kTuple)
      return InvalidInput("malformed _rebuild_from_type_v2");
    if (pickle::IsDeniedGlobal(func->text, func->name))
      return InvalidInput("refusing to call " + func->QualifiedName());
    wrapped = func;
    args = inner;
  }
  const Value& g = *wrapped;
  if (Is(g, "torch._utils", "_rebuild_tensor") || Is(g, "torch._utils", "_rebuild_tensor_v2"))
    return RebuildTensor(arena, args, false);
  if (Is(g, "torch._utils", "_rebuild_tensor_v3")) return RebuildTensor(arena, args, true);
  if (Is(g, "torch._utils", "_rebuild_parameter") ||
      Is(g, "torch._utils", "_rebuild_parameter_with_state")) {
    Value* data = Arg(args, 0);
    if (data == nullptr || data->kind != Kind::kTensor)
      return InvalidInput("parameter without tensor data");
    return data;
  }
  if (Is(g, "collections", "OrderedDict") || IsBuiltin(g, "dict")) {
    PT2TF_ASSIGN_OR_RETURN(Value * d, arena.New(Kind::kDict));
    if (Value* pairs = Arg(args, 0)) {
      if (pairs->kind != Kind::kList && pairs->kind != Kind::kTuple)
        return InvalidInput("OrderedDict from a non-list");
      PT2TF_RETURN_IF_ERROR(arena.budget().Charge(pairs->items.size() * 2 * sizeof(Value*)));
      for (Value* p : pairs->items) {
        if ((p->kind != Kind::kTuple && p->kind != Kind::kList) || p->items.size() != 2)
          return InvalidInput("OrderedDict item is not a pair");
        d->entries.emplace_back(p->items[0], p->items[1]);
      }
    }
    return d;
  }
  if (IsBuiltin(g, "set") || IsBuiltin(g, "frozenset") || IsBuiltin(g, "list") ||
      IsBuiltin(g, "tuple") || Is(g, "torch", "Size")) {
    Kind k = IsBuiltin(g, "list")                                ? Kind::kList
             : (IsBuiltin(g, "tuple") || Is(g, "torch", "Size")) ? Kind::kTuple
                                                                 : Kind::kSet;
    PT2TF_ASSIGN_OR_RETURN(Value * s, arena.New(k));
    if (Value* from = Arg(args, 0)) {
      if (from->kind != Kind::kList && from->kind != Kind::kTuple && from->kind != Kind::kSet)
        return InvalidInput(g.QualifiedName() + " from a non-sequence");
      PT2TF_RETURN_IF_ERROR(arena.budget().Charge(from->items.size() * sizeof(Value*)));
      s->items = from->items;
    }
    return s;
  }
  if (Is(g, "_codecs", "encode")) return CodecsEncode(arena, args);
  if (Is(g, "torch", "device")) {
    Value* type = Arg(args, 0);
    if (type == nullptr || !type->IsString()) return InvalidInput("torch.device of a non-str");
    PT2TF_RETURN_IF_ERROR(arena.budget().Charge(type->text.size() + 24));
    PT2TF_ASSIGN_OR_RETURN(Value * s, arena.New(Kind::kString));
    s->text = type->text;
    if (Value* index = Arg(args, 1); index && index->kind == Kind::kInt)
      s->text += ":" + std::to_string(index->i);
    return s;
  }
  if (g.text == "torch.jit._pickle") {  // build_intlist, restore_type_tag, ...: identity
    Value* v = Arg(args, 0);
    if (v == nullptr) return InvalidInput(g.QualifiedName() + " without an argument");
    return v;
  }
  if ((g.text == "numpy.core.multiarray" || g.text == "numpy._core.multiarray") &&
      g.name == "scalar")
    return NumpyScalar(arena, args);
  if ((g.text == "copyreg" || g.text == "copy_reg") &&
      (g.name == "_reconstructor" || g.name == "__newobj__")) {
    // copyreg._reconstructor(cls, base, state) / __newobj__(cls, *args): an object of cls.
    Value* cls = Arg(args, 0);
    if (cls == nullptr || cls->kind != Kind::kGlobal)
      return InvalidInput(g.QualifiedName() + " of a non-class");
    if (pickle::IsDeniedGlobal(cls->text, cls->name))
      return InvalidInput("refusing to call " + cls->QualifiedName());
    PT2TF_RETURN_IF_ERROR(arena.budget().Charge(args->items.size() * sizeof(Value*)));
    PT2TF_ASSIGN_OR_RETURN(Value * obj, arena.New(Kind::kObject));
    obj->cls = cls;
    if (g.name == "__newobj__") obj->items.assign(args->items.begin() + 1, args->items.end());
    return obj;
  }
  return nullptr;  // an inert record
}

TensorBinder::TensorBinder(StorageSource source, uint64_t file_bytes) : source_(std::move(source)) {
  if (__builtin_mul_overflow(file_bytes, kViewBytesPerFileByte, &max_view_bytes_) ||
      __builtin_add_overflow(max_view_bytes_, kViewBytesBase, &max_view_bytes_))
    max_view_bytes_ = UINT64_MAX;
}

Result<Tensor> TensorBinder::Bind(const Value& value) {
  if (value.kind != Kind::kTensor) {
    std::string what = value.QualifiedName();
    return InvalidInput(
        "expected a tensor, found " +
        (what.empty() ? std::string(pickle::KindName(value.kind)) : "an object of class " + what));
  }
  const pickle::TensorSpec& spec = *value.tensor;
  const pickle::StorageRef& ref = *spec.storage->storage;
  std::string cache_key = ref.is_view ? ref.view_key + "@" + ref.key : ref.key;
  auto it = cache_.find(cache_key);
  std::shared_ptr<const Storage> storage;
  if (it != cache_.end()) {
    storage = it->second;
  } else {
    Result<std::shared_ptr<const Storage>> got = source_(ref);
    if (!got.ok()) return got.status().WithContext("storage " + ref.key);
    storage = *got;
    uint64_t need, numel = ref.is_view ? ref.view_numel : ref.numel;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(ElementSize(ref.dtype)), &need) ||
        need > storage->bytes.size())
      return InvalidInput("storage " + ref.key + " holds " + std::to_string(storage->bytes.size()) +
                          " bytes but is said to hold " + std::to_string(numel) + " elements of " +
                          std::string(TorchName(ref.dtype)));
    cache_.emplace(cache_key, storage);
  }
  PT2TF_ASSIGN_OR_RETURN(Tensor t,
                         Tensor::Make(spec.dtype, spec.shape, spec.strides, spec.offset, storage));
  if (__builtin_add_overflow(view_bytes_, t.nbytes(), &view_bytes_) ||
      view_bytes_ > max_view_bytes_)
    return InvalidInput(
        "tensors address " + std::to_string(view_bytes_) +
        " bytes or more through overlapping views of the file's storages (at most " +
        std::to_string(max_view_bytes_) + " allowed for this file; zero strides?)");
  return t;
}

}  // namespace pt2tf
