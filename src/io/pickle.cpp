#include "io/pickle.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "io/byte_reader.h"

namespace pt2tf::pickle {
namespace {

// Opcode bytes (Python's Lib/pickle.py names).
enum Op : uint8_t {
  MARK = '(',
  STOP = '.',
  POP = '0',
  POP_MARK = '1',
  DUP = '2',
  FLOAT = 'F',
  INT = 'I',
  BININT = 'J',
  BININT1 = 'K',
  LONG = 'L',
  BININT2 = 'M',
  NONE = 'N',
  PERSID = 'P',
  BINPERSID = 'Q',
  REDUCE = 'R',
  STRING = 'S',
  BINSTRING = 'T',
  SHORT_BINSTRING = 'U',
  UNICODE = 'V',
  BINUNICODE = 'X',
  APPEND = 'a',
  BUILD = 'b',
  GLOBAL = 'c',
  DICT = 'd',
  EMPTY_DICT = '}',
  APPENDS = 'e',
  GET = 'g',
  BINGET = 'h',
  INST = 'i',
  LONG_BINGET = 'j',
  LIST = 'l',
  EMPTY_LIST = ']',
  OBJ = 'o',
  PUT = 'p',
  BINPUT = 'q',
  LONG_BINPUT = 'r',
  SETITEM = 's',
  TUPLE = 't',
  EMPTY_TUPLE = ')',
  SETITEMS = 'u',
  BINFLOAT = 'G',
  PROTO = 0x80,
  NEWOBJ = 0x81,
  EXT1 = 0x82,
  EXT2 = 0x83,
  EXT4 = 0x84,
  TUPLE1 = 0x85,
  TUPLE2 = 0x86,
  TUPLE3 = 0x87,
  NEWTRUE = 0x88,
  NEWFALSE = 0x89,
  LONG1 = 0x8a,
  LONG4 = 0x8b,
  BINBYTES = 'B',
  SHORT_BINBYTES = 'C',
  SHORT_BINUNICODE = 0x8c,
  BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e,
  EMPTY_SET = 0x8f,
  ADDITEMS = 0x90,
  FROZENSET = 0x91,
  NEWOBJ_EX = 0x92,
  STACK_GLOBAL = 0x93,
  MEMOIZE = 0x94,
  FRAME = 0x95,
  BYTEARRAY8 = 0x96,
  NEXT_BUFFER = 0x97,
  READONLY_BUFFER = 0x98,
};

// How an opcode's argument is encoded in the stream.
enum class ArgKind {
  kNone,
  kU8,
  kU16,
  kI32,
  kF64,
  kLine,
  kTwoLines,
  kLen1,
  kLen4,
  kLen8,
  kLong1,
  kLong4,
  kUnknown
};

ArgKind ArgKindOf(uint8_t op) {
  switch (op) {
    case MARK:
    case STOP:
    case POP:
    case POP_MARK:
    case DUP:
    case NONE:
    case BINPERSID:
    case REDUCE:
    case APPEND:
    case BUILD:
    case DICT:
    case EMPTY_DICT:
    case APPENDS:
    case LIST:
    case EMPTY_LIST:
    case OBJ:
    case SETITEM:
    case TUPLE:
    case EMPTY_TUPLE:
    case SETITEMS:
    case NEWOBJ:
    case TUPLE1:
    case TUPLE2:
    case TUPLE3:
    case NEWTRUE:
    case NEWFALSE:
    case EMPTY_SET:
    case ADDITEMS:
    case FROZENSET:
    case NEWOBJ_EX:
    case STACK_GLOBAL:
    case MEMOIZE:
    case NEXT_BUFFER:
    case READONLY_BUFFER:
      return ArgKind::kNone;
    case PROTO:
    case BININT1:
    case BINGET:
    case BINPUT:
    case EXT1:
      return ArgKind::kU8;
    case BININT2:
    case EXT2:
      return ArgKind::kU16;
    case BININT:
    case LONG_BINGET:
    case LONG_BINPUT:
    case EXT4:
      return ArgKind::kI32;
    case BINFLOAT:
    case FRAME:
      return ArgKind::kF64;  // 8 raw bytes either way
    case FLOAT:
    case INT:
    case LONG:
    case PERSID:
    case STRING:
    case UNICODE:
    case GET:
    case PUT:
      return ArgKind::kLine;
    case GLOBAL:
    case INST:
      return ArgKind::kTwoLines;
    case SHORT_BINSTRING:
    case SHORT_BINBYTES:
    case SHORT_BINUNICODE:
      return ArgKind::kLen1;
    case BINSTRING:
    case BINUNICODE:
    case BINBYTES:
      return ArgKind::kLen4;
    case BINUNICODE8:
    case BINBYTES8:
    case BYTEARRAY8:
      return ArgKind::kLen8;
    case LONG1:
      return ArgKind::kLong1;
    case LONG4:
      return ArgKind::kLong4;
    default:
      return ArgKind::kUnknown;
  }
}

struct Arg {
  uint64_t n = 0;  // integer argument
  ByteSpan data;   // length-prefixed payload, 8 raw bytes, or a line's bytes
  ByteSpan data2;  // second line
};

std::string Hex(uint8_t op) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", op);
  return buf;
}

std::string OpName(uint8_t op) {
  if (op >= 0x20 && op < 0x7f) return Hex(op) + " '" + std::string(1, static_cast<char>(op)) + "'";
  return Hex(op);
}

// Reads the argument of `op`; every length is checked against the bytes that remain.
Status ReadArg(uint8_t op, ByteReader& r, Arg& arg) {
  auto line = [&](ByteSpan& out) -> Status {
    ByteSpan rest = r.Rest();
    const void* nl = std::memchr(rest.data(), '\n', rest.size());
    if (nl == nullptr) return InvalidInput("unterminated text argument");
    uint64_t len = static_cast<const std::byte*>(nl) - rest.data();
    out = rest.subspan(0, len);
    r.Skip(len + 1);
    return OkStatus();
  };
  auto sized = [&](uint64_t len) -> Status {
    if (len > r.remaining())
      return InvalidInput("claims " + std::to_string(len) + " bytes but only " +
                          std::to_string(r.remaining()) + " remain");
    arg.data = r.Take(len);
    return OkStatus();
  };
  auto need = [&](uint64_t len) -> Status {
    if (len > r.remaining()) return InvalidInput("truncated argument");
    return OkStatus();
  };
  switch (ArgKindOf(op)) {
    case ArgKind::kNone:
      return OkStatus();
    case ArgKind::kU8:
      PT2TF_RETURN_IF_ERROR(need(1));
      arg.n = static_cast<uint8_t>(r.Take(1)[0]);
      return OkStatus();
    case ArgKind::kU16:
      PT2TF_RETURN_IF_ERROR(need(2));
      arg.n = r.U16();
      return OkStatus();
    case ArgKind::kI32:
      PT2TF_RETURN_IF_ERROR(need(4));
      arg.n = r.U32();
      return OkStatus();
    case ArgKind::kF64:
      PT2TF_RETURN_IF_ERROR(need(8));
      arg.data = r.Take(8);
      return OkStatus();
    case ArgKind::kLine:
      return line(arg.data);
    case ArgKind::kTwoLines:
      PT2TF_RETURN_IF_ERROR(line(arg.data));
      return line(arg.data2);
    case ArgKind::kLen1:
      PT2TF_RETURN_IF_ERROR(need(1));
      return sized(static_cast<uint8_t>(r.Take(1)[0]));
    case ArgKind::kLen4:
      PT2TF_RETURN_IF_ERROR(need(4));
      return sized(r.U32());
    case ArgKind::kLen8:
      PT2TF_RETURN_IF_ERROR(need(8));
      return sized(r.U64());
    case ArgKind::kLong1:
      PT2TF_RETURN_IF_ERROR(need(1));
      return sized(static_cast<uint8_t>(r.Take(1)[0]));
    case ArgKind::kLong4: {
      PT2TF_RETURN_IF_ERROR(need(4));
      int32_t len = static_cast<int32_t>(r.U32());
      if (len < 0) return InvalidInput("negative LONG4 length");
      return sized(static_cast<uint64_t>(len));
    }
    case ArgKind::kUnknown:
      break;
  }
  return InvalidInput("unknown opcode");
}

std::string ToString(ByteSpan s) { return {reinterpret_cast<const char*>(s.data()), s.size()}; }

constexpr std::string_view kDeniedModules[] = {"os",         "posix",
                                               "nt",         "posixpath",
                                               "ntpath",     "subprocess",
                                               "sys",        "shutil",
                                               "importlib",  "pty",
                                               "socket",     "runpy",
                                               "code",       "codeop",
                                               "ctypes",     "pickle",
                                               "_pickle",    "marshal",
                                               "webbrowser", "multiprocessing",
                                               "signal",     "asyncio",
                                               "pdb",        "timeit",
                                               "platform",   "tempfile",
                                               "pathlib",    "io",
                                               "_io",        "urllib",
                                               "http",       "ftplib",
                                               "smtplib",    "telnetlib",
                                               "requests",   "commands",
                                               "popen2",     "_posixsubprocess",
                                               "torch.hub",  "numpy.testing"};
constexpr std::string_view kDeniedBuiltins[] = {
    "eval",       "exec", "execfile", "compile",    "getattr", "setattr", "delattr",
    "__import__", "open", "input",    "breakpoint", "globals", "locals",  "vars",
    "exit",       "quit", "help",     "memoryview", "apply",   "file",    "reload"};
constexpr std::string_view kDeniedCallables[] = {
    "operator.attrgetter",      "operator.methodcaller",
    "operator.itemgetter",      "functools.partial",
    "functools.reduce",         "torch.load",
    "torch.serialization.load", "numpy.load"};

}  // namespace

std::string_view KindName(Kind k) {
  static constexpr std::string_view kNames[] = {"None", "bool",   "int",    "int",     "float",
                                                "str",  "bytes",  "tuple",  "list",    "set",
                                                "dict", "global", "object", "storage", "tensor"};
  return kNames[static_cast<int>(k)];
}

std::string Value::QualifiedName() const {
  if (kind == Kind::kGlobal) return text + "." + name;
  if (kind == Kind::kObject && cls != nullptr) return cls->QualifiedName();
  return "";
}

Value* Value::Get(std::string_view key) const {
  if (kind != Kind::kDict) return nullptr;
  for (size_t i = entries.size(); i-- > 0;)
    if (entries[i].first->kind == Kind::kString && entries[i].first->text == key)
      return entries[i].second;
  return nullptr;
}

uint64_t Budget::limit() const {
  uint64_t grown;
  if (__builtin_mul_overflow(credited_, per_input_byte_, &grown) ||
      __builtin_add_overflow(grown, base_, &grown))
    return UINT64_MAX;
  return grown;
}

Status Budget::Charge(uint64_t bytes) {
  if (__builtin_add_overflow(used_, bytes, &used_) || used_ > limit())
    return InvalidInput("pickle needs more memory than its size allows (over " +
                        std::to_string(limit() >> 20) + " MiB: " + std::to_string(base_ >> 20) +
                        " MiB + " + std::to_string(per_input_byte_) +
                        " bytes per pickle byte); hostile or corrupt?");
  return OkStatus();
}

Result<Value*> Arena::New(Kind kind) {
  PT2TF_RETURN_IF_ERROR(budget_.Charge(sizeof(Value)));
  values_.emplace_back();
  values_.back().kind = kind;
  return &values_.back();
}

bool IsDeniedGlobal(std::string_view module, std::string_view name) {
  for (std::string_view m : kDeniedModules)
    if (module == m ||
        (module.size() > m.size() && module.substr(0, m.size()) == m && module[m.size()] == '.'))
      return true;
  if (module == "builtins" || module == "__builtin__" || module == "__builtins__")
    for (std::string_view n : kDeniedBuiltins)
      if (name == n) return true;
  std::string qualified = std::string(module) + "." + std::string(name);
  for (std::string_view c : kDeniedCallables)
    if (qualified == c) return true;
  return false;
}

namespace {

class Machine {
 public:
  Machine(Arena& arena, Hooks& hooks, const Limits& limits)
      : arena_(arena), hooks_(hooks), limits_(limits) {}

  Result<Value*> Run(ByteSpan bytes, uint64_t* consumed) {
    ByteReader r(bytes);
    while (r.remaining() > 0) {
      uint64_t at = r.position();
      uint8_t op = static_cast<uint8_t>(r.Take(1)[0]);
      if (ArgKindOf(op) == ArgKind::kUnknown)
        return InvalidInput("unknown pickle opcode " + OpName(op) + " at offset " +
                            std::to_string(at));
      Arg arg;
      Status s = ReadArg(op, r, arg);
      arena_.budget().Credit(r.position() - at);
      if (s.ok()) s = Step(op, arg);
      if (!s.ok())
        return s.WithContext("pickle opcode " + OpName(op) + " at offset " + std::to_string(at));
      if (op == STOP) {
        if (consumed != nullptr) *consumed = r.position();
        return result_;
      }
    }
    return InvalidInput("pickle ends without STOP (truncated?)");
  }

 private:
  Result<Value*> New(Kind k) { return arena_.New(k); }
  // Charges `n` copied pointers (or pointer pairs) to the budget.
  Status ChargeItems(size_t n, size_t item_bytes = sizeof(Value*)) {
    return arena_.budget().Charge(uint64_t{n} * item_bytes);
  }

  Result<Value*> Pop() {
    if (stack_.size() <= Floor()) return InvalidInput("stack underflow");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  Result<Value*> Top() {
    if (stack_.size() <= Floor()) return InvalidInput("stack underflow");
    return stack_.back();
  }
  // Pops everything above the last MARK, and the mark.
  Result<std::vector<Value*>> PopMark() {
    if (marks_.empty()) return InvalidInput("no MARK on the stack");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + m, stack_.end());
    stack_.resize(m);
    return items;
  }
  Status Push(Result<Value*> v) {
    if (!v.ok()) return v.status();
    stack_.push_back(*v);
    return OkStatus();
  }
  Result<Value*> MakeSeq(Kind k, std::vector<Value*> items) {
    PT2TF_RETURN_IF_ERROR(ChargeItems(items.size()));
    PT2TF_ASSIGN_OR_RETURN(Value * v, New(k));
    v->items = std::move(items);
    return v;
  }
  Result<Value*> MakeInt(int64_t i) {
    PT2TF_ASSIGN_OR_RETURN(Value * v, New(Kind::kInt));
    v->i = i;
    return v;
  }
  Result<Value*> MakeText(Kind k, std::string text) {
    PT2TF_RETURN_IF_ERROR(arena_.budget().Charge(text.size()));
    PT2TF_ASSIGN_OR_RETURN(Value * v, New(k));
    v->text = std::move(text);
    return v;
  }
  Result<Value*> MakeGlobal(std::string module, std::string name) {
    PT2TF_RETURN_IF_ERROR(arena_.budget().Charge(module.size() + name.size()));
    PT2TF_ASSIGN_OR_RETURN(Value * v, New(Kind::kGlobal));
    v->text = std::move(module);
    v->name = std::move(name);
    return v;
  }
  Result<Value*> MakeLong(ByteSpan bytes) {
    if (bytes.size() <= 8) {
      uint64_t u = 0;
      for (size_t i = 0; i < bytes.size(); ++i)
        u |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
      if (!bytes.empty() && bytes.size() < 8 && (static_cast<uint8_t>(bytes.back()) & 0x80))
        u |= ~uint64_t{0} << (8 * bytes.size());  // sign-extend
      return MakeInt(static_cast<int64_t>(u));
    }
    return MakeText(Kind::kBigInt, ToString(bytes));
  }
  Status Memoize(uint64_t key, Value* v) {
    auto [it, fresh] = memo_.try_emplace(key, v);
    if (!fresh) {
      it->second = v;
      return OkStatus();
    }
    return ChargeItems(1, kMemoEntryBytes);
  }
  // An unordered_map node (key, value, next pointer, hash) plus its bucket.
  static constexpr size_t kMemoEntryBytes = 48;
  Status Get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) return InvalidInput("memo key " + std::to_string(key) + " is missing");
    stack_.push_back(it->second);
    return OkStatus();
  }
  static Result<uint64_t> LineUInt(ByteSpan line) {
    uint64_t v = 0;
    const char* b = reinterpret_cast<const char*>(line.data());
    auto [p, ec] = std::from_chars(b, b + line.size(), v);
    if (ec != std::errc() || p != b + line.size()) return InvalidInput("bad decimal argument");
    return v;
  }

  // A call of `callable` with the tuple `args`: denied, known to the hooks, or inert.
  Result<Value*> Call(Value* callable, Value* args) {
    if (callable->kind != Kind::kGlobal)
      return InvalidInput("call of a " + std::string(KindName(callable->kind)) +
                          ", not of a global");
    if (IsDeniedGlobal(callable->text, callable->name))
      return InvalidInput("refusing to call " + callable->QualifiedName());
    if (args->kind != Kind::kTuple)
      return InvalidInput("arguments of " + callable->QualifiedName() + " are not a tuple");
    PT2TF_ASSIGN_OR_RETURN(Value * made, hooks_.Call(arena_, *callable, args));
    if (made != nullptr) return made;
    PT2TF_RETURN_IF_ERROR(ChargeItems(args->items.size()));
    PT2TF_ASSIGN_OR_RETURN(Value * obj, New(Kind::kObject));
    obj->cls = callable;
    obj->items = args->items;
    return obj;
  }

  Status SetItems(Value* target, const std::vector<Value*>& kv) {
    if (kv.size() % 2 != 0) return InvalidInput("odd number of items for a dict");
    if (target->kind != Kind::kDict && target->kind != Kind::kObject)
      return InvalidInput("SETITEM on a " + std::string(KindName(target->kind)));
    PT2TF_RETURN_IF_ERROR(ChargeItems(kv.size()));
    for (size_t i = 0; i < kv.size(); i += 2) target->entries.emplace_back(kv[i], kv[i + 1]);
    return OkStatus();
  }
  Status Append(Value* target, const std::vector<Value*>& items) {
    PT2TF_RETURN_IF_ERROR(ChargeItems(items.size()));
    if (target->kind == Kind::kList)
      target->items.insert(target->items.end(), items.begin(), items.end());
    else if (target->kind == Kind::kObject)
      target->appended.insert(target->appended.end(), items.begin(), items.end());
    else
      return InvalidInput("APPEND on a " + std::string(KindName(target->kind)));
    return OkStatus();
  }

  Status Step(uint8_t op, const Arg& arg) {
    switch (op) {
      case PROTO:
        if (arg.n > 5) return Unsupported("pickle protocol " + std::to_string(arg.n));
        return OkStatus();
      case FRAME:
        return OkStatus();  // the length was checked against the remaining bytes
      case STOP: {
        PT2TF_ASSIGN_OR_RETURN(result_, Pop());
        return OkStatus();
      }
      case MARK:
        if (marks_.size() >= static_cast<size_t>(limits_.max_depth))
          return InvalidInput("MARKs nest deeper than " + std::to_string(limits_.max_depth));
        marks_.push_back(stack_.size());
        return OkStatus();
      case POP:
        if (stack_.size() > Floor()) {
          stack_.pop_back();
          return OkStatus();
        }
        return PopMark().status();
      case POP_MARK:
        return PopMark().status();
      case DUP: {
        PT2TF_ASSIGN_OR_RETURN(Value * v, Top());
        stack_.push_back(v);
        return OkStatus();
      }
      case NONE:
        return Push(New(Kind::kNone));
      case NEWTRUE:
      case NEWFALSE: {
        PT2TF_ASSIGN_OR_RETURN(Value * v, New(Kind::kBool));
        v->b = op == NEWTRUE;
        stack_.push_back(v);
        return OkStatus();
      }
      case BININT:
        return Push(MakeInt(static_cast<int32_t>(arg.n)));
      case BININT1:
      case BININT2:
        return Push(MakeInt(static_cast<int64_t>(arg.n)));
      case LONG1:
      case LONG4:
        return Push(MakeLong(arg.data));
      case INT:
      case LONG: {
        std::string s = ToString(arg.data);
        if (op == INT && (s == "00" || s == "01")) {
          PT2TF_ASSIGN_OR_RETURN(Value * v, New(Kind::kBool));
          v->b = s == "01";
          stack_.push_back(v);
          return OkStatus();
        }
        if (!s.empty() && s.back() == 'L') s.pop_back();
        int64_t v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size())
          return Unsupported("integer literal '" + s.substr(0, 40) + "' (not an int64)");
        return Push(MakeInt(v));
      }
      case BINFLOAT: {
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(arg.data[i]);
        PT2TF_ASSIGN_OR_RETURN(Value * v, New(Kind::kFloat));
        std::memcpy(&v->f, &bits, 8);
        stack_.push_back(v);
        return OkStatus();
      }
      case FLOAT: {
        std::string s = ToString(arg.data);
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size()) return InvalidInput("bad float literal");
        PT2TF_ASSIGN_OR_RETURN(Value * v, New(Kind::kFloat));
        v->f = d;
        stack_.push_back(v);
        return OkStatus();
      }
      case BINUNICODE:
      case SHORT_BINUNICODE:
      case BINUNICODE8:
      case UNICODE:
      case BINSTRING:
      case SHORT_BINSTRING:
        return Push(MakeText(Kind::kString, ToString(arg.data)));
      case STRING: {  // protocol 0: a quoted repr; escapes are kept verbatim
        std::string s = ToString(arg.data);
        if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
          return InvalidInput("bad STRING literal");
        return Push(MakeText(Kind::kString, s.substr(1, s.size() - 2)));
      }
      case BINBYTES:
      case SHORT_BINBYTES:
      case BINBYTES8:
      case BYTEARRAY8:
        return Push(MakeText(Kind::kBytes, ToString(arg.data)));
      case EMPTY_TUPLE:
        return Push(MakeSeq(Kind::kTuple, {}));
      case EMPTY_LIST:
        return Push(MakeSeq(Kind::kList, {}));
      case EMPTY_DICT:
        return Push(New(Kind::kDict));
      case EMPTY_SET:
        return Push(MakeSeq(Kind::kSet, {}));
      case TUPLE1:
      case TUPLE2:
      case TUPLE3: {
        size_t n = op - TUPLE1 + 1;
        if (stack_.size() < Floor() + n) return InvalidInput("stack underflow");
        std::vector<Value*> items(stack_.end() - n, stack_.end());
        stack_.resize(stack_.size() - n);
        return Push(MakeSeq(Kind::kTuple, std::move(items)));
      }
      case TUPLE:
      case LIST:
      case FROZENSET: {
        PT2TF_ASSIGN_OR_RETURN(std::vector<Value*> items, PopMark());
        Kind k = op == TUPLE ? Kind::kTuple : op == LIST ? Kind::kList : Kind::kSet;
        return Push(MakeSeq(k, std::move(items)));
      }
      case DICT: {
        PT2TF_ASSIGN_OR_RETURN(std::vector<Value*> kv, PopMark());
        PT2TF_ASSIGN_OR_RETURN(Value * d, New(Kind::kDict));
        PT2TF_RETURN_IF_ERROR(SetItems(d, kv));
        stack_.push_back(d);
        return OkStatus();
      }
      case SETITEM: {
        PT2TF_ASSIGN_OR_RETURN(Value * v, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * k, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * target, Top());
        return SetItems(target, {k, v});
      }
      case SETITEMS: {
        PT2TF_ASSIGN_OR_RETURN(std::vector<Value*> kv, PopMark());
        PT2TF_ASSIGN_OR_RETURN(Value * target, Top());
        return SetItems(target, kv);
      }
      case APPEND: {
        PT2TF_ASSIGN_OR_RETURN(Value * v, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * target, Top());
        return Append(target, {v});
      }
      case APPENDS: {
        PT2TF_ASSIGN_OR_RETURN(std::vector<Value*> items, PopMark());
        PT2TF_ASSIGN_OR_RETURN(Value * target, Top());
        return Append(target, items);
      }
      case ADDITEMS: {
        PT2TF_ASSIGN_OR_RETURN(std::vector<Value*> items, PopMark());
        PT2TF_ASSIGN_OR_RETURN(Value * target, Top());
        if (target->kind != Kind::kSet) return InvalidInput("ADDITEMS on a non-set");
        PT2TF_RETURN_IF_ERROR(ChargeItems(items.size()));
        target->items.insert(target->items.end(), items.begin(), items.end());
        return OkStatus();
      }
      case PUT: {
        PT2TF_ASSIGN_OR_RETURN(uint64_t key, LineUInt(arg.data));
        PT2TF_ASSIGN_OR_RETURN(Value * v, Top());
        return Memoize(key, v);
      }
      case BINPUT:
      case LONG_BINPUT: {
        PT2TF_ASSIGN_OR_RETURN(Value * v, Top());
        return Memoize(arg.n, v);
      }
      case MEMOIZE: {
        PT2TF_ASSIGN_OR_RETURN(Value * v, Top());
        return Memoize(memo_.size(), v);
      }
      case GET: {
        PT2TF_ASSIGN_OR_RETURN(uint64_t key, LineUInt(arg.data));
        return Get(key);
      }
      case BINGET:
      case LONG_BINGET:
        return Get(arg.n);
      case GLOBAL:
        return Push(MakeGlobal(ToString(arg.data), ToString(arg.data2)));
      case STACK_GLOBAL: {
        PT2TF_ASSIGN_OR_RETURN(Value * name, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * module, Pop());
        if (!name->IsString() || !module->IsString())
          return InvalidInput("STACK_GLOBAL operands are not strings");
        return Push(MakeGlobal(module->text, name->text));
      }
      case REDUCE:
      case NEWOBJ: {
        PT2TF_ASSIGN_OR_RETURN(Value * args, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * callable, Pop());
        return Push(Call(callable, args));
      }
      case NEWOBJ_EX: {
        PT2TF_ASSIGN_OR_RETURN(Value * kwargs, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * args, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * cls, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * made, Call(cls, args));
        if (made->kind == Kind::kObject && kwargs->kind == Kind::kDict) {
          PT2TF_RETURN_IF_ERROR(ChargeItems(kwargs->entries.size(), 2 * sizeof(Value*)));
          made->entries.insert(made->entries.end(), kwargs->entries.begin(), kwargs->entries.end());
        }
        stack_.push_back(made);
        return OkStatus();
      }
      case INST: {
        PT2TF_ASSIGN_OR_RETURN(std::vector<Value*> items, PopMark());
        PT2TF_ASSIGN_OR_RETURN(Value * cls, MakeGlobal(ToString(arg.data), ToString(arg.data2)));
        PT2TF_ASSIGN_OR_RETURN(Value * args, MakeSeq(Kind::kTuple, std::move(items)));
        return Push(Call(cls, args));
      }
      case OBJ: {
        PT2TF_ASSIGN_OR_RETURN(std::vector<Value*> items, PopMark());
        if (items.empty()) return InvalidInput("OBJ without a class");
        Value* cls = items.front();
        PT2TF_ASSIGN_OR_RETURN(
            Value * args,
            MakeSeq(Kind::kTuple, std::vector<Value*>(items.begin() + 1, items.end())));
        return Push(Call(cls, args));
      }
      case BUILD: {
        PT2TF_ASSIGN_OR_RETURN(Value * state, Pop());
        PT2TF_ASSIGN_OR_RETURN(Value * target, Top());
        target->state = state;
        return OkStatus();
      }
      case BINPERSID: {
        PT2TF_ASSIGN_OR_RETURN(Value * pid, Pop());
        return Push(hooks_.PersistentLoad(arena_, pid));
      }
      case PERSID: {
        PT2TF_ASSIGN_OR_RETURN(Value * pid, MakeText(Kind::kString, ToString(arg.data)));
        return Push(hooks_.PersistentLoad(arena_, pid));
      }
      default:  // EXT1/2/4, NEXT_BUFFER, READONLY_BUFFER
        return Unsupported("opcode not supported (no extension registry, no out-of-band buffers)");
    }
  }

  Arena& arena_;
  Hooks& hooks_;
  const Limits& limits_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
  Value* result_ = nullptr;
};

}  // namespace

Result<Value*> Load(ByteSpan bytes, Arena& arena, Hooks& hooks, const Limits& limits,
                    uint64_t* consumed) {
  Machine m(arena, hooks, limits);
  return m.Run(bytes, consumed);
}

}  // namespace pt2tf::pickle
