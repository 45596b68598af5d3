// A pickle virtual machine (protocols 0-5) that builds plain values and never calls anything.
//
// Policy on globals (the one place a pickle could reach code):
//  * GLOBAL / STACK_GLOBAL only produce a Global value (module, name); nothing is imported.
//  * A call of a global (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ) is first checked against a
//    deny list of globals that only an attack would call (os.*, posix.*, nt.*, subprocess.*,
//    sys.*, shutil.*, importlib.*, socket.*, pty.*, builtins.eval/exec/compile/getattr/
//    __import__/open ...): the load fails with "refusing to call os.system".
//  * Otherwise the embedder's Hooks::Call may turn the call into a value it knows (a tensor,
//    an OrderedDict, a set ...). Anything else becomes an inert Object record holding the
//    class, the arguments and (after BUILD) the state. Readers that need a tensor or a state
//    dict and find such a record report an error naming its class.
// All values live in an Arena owned by the caller; cycles (a list containing itself) are
// fine and are freed with the arena. Limits bound the work a hostile pickle can cause.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pt2tf/dtype.h"
#include "pt2tf/io/mapped_file.h"
#include "pt2tf/status.h"

namespace pt2tf::pickle {

enum class Kind : uint8_t {
  kNone,
  kBool,
  kInt,     // fits in int64
  kBigInt,  // does not; `text` holds the little-endian two's-complement bytes
  kFloat,
  kString,  // UTF-8 in `text`
  kBytes,   // raw bytes in `text`
  kTuple,
  kList,
  kSet,      // set or frozenset
  kDict,     // insertion ordered; OrderedDict too
  kGlobal,   // `text` = module, `name` = attribute name
  kObject,   // an inert record: `cls` called with `items`, then BUILD `state`
  kStorage,  // a torch storage named by a persistent id
  kTensor,   // a torch tensor rebuilt from a storage (bound to bytes later)
};
std::string_view KindName(Kind k);

struct Value;

// A torch storage as its persistent id names it.
struct StorageRef {
  std::string key;
  DType dtype = DType::kUInt8;  // the storage class's dtype (UntypedStorage: uint8)
  uint64_t numel = 0;           // elements of `dtype`
  std::string location;         // "cpu", "cuda:0", ...
  // Legacy format storage views: (root key, element offset, element count).
  bool is_view = false;
  std::string view_key;
  uint64_t view_offset = 0;
  uint64_t view_numel = 0;
};

// A torch tensor as _rebuild_tensor_v2/_v3 describe it; offset and strides in elements.
struct TensorSpec {
  Value* storage = nullptr;  // a kStorage value
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
};

struct Value {
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string text;                                // str / bytes / big int bytes / global module
  std::string name;                                // global attribute name
  std::vector<Value*> items;                       // tuple/list/set; object: call args
  std::vector<std::pair<Value*, Value*>> entries;  // dict; object: SETITEMS
  std::vector<Value*> appended;                    // object: APPENDS
  Value* cls = nullptr;                            // object: the global that made it
  Value* state = nullptr;  // BUILD state (object, or OrderedDict's _metadata holder)
  std::unique_ptr<StorageRef> storage;
  std::unique_ptr<TensorSpec> tensor;

  bool IsString() const { return kind == Kind::kString; }
  bool IsGlobal(std::string_view module, std::string_view attr) const {
    return kind == Kind::kGlobal && text == module && name == attr;
  }
  // "module.name" of a global, or of an object's class; "" otherwise.
  std::string QualifiedName() const;
  // Last value stored under string key `key` in a dict (nullptr if none or not a dict).
  Value* Get(std::string_view key) const;
};

// The memory one load may use, in bytes: every value made, every string and pointer copied
// into a value (a call's arguments, a container built from another) and every memo entry is
// charged, by the VM, the embedder's hooks and the walks over the result. The limit grows
// with the input: `base` plus `per_input_byte` for every pickle byte read so far, so a
// pickle can only allocate in proportion to its own size (a few bytes of BINGET + REDUCE
// cannot copy a megabyte-sized tuple again and again).
class Budget {
 public:
  Budget(uint64_t base, uint64_t per_input_byte) : base_(base), per_input_byte_(per_input_byte) {}
  void Credit(uint64_t input_bytes) { credited_ += input_bytes; }
  [[nodiscard]] Status Charge(uint64_t bytes);
  uint64_t used() const { return used_; }
  uint64_t limit() const;

 private:
  uint64_t base_, per_input_byte_;
  uint64_t credited_ = 0;
  uint64_t used_ = 0;
};

// Owns every value of one load; each value is charged to the budget.
class Arena {
 public:
  explicit Arena(Budget budget) : budget_(budget) {}
  Result<Value*> New(Kind kind);
  uint64_t size() const { return values_.size(); }
  Budget& budget() { return budget_; }

 private:
  std::deque<Value> values_;
  Budget budget_;
};

struct Limits {
  int max_depth = 1000;  // MARK nesting, and nesting walked by readers
};

// What the embedder decides: persistent ids, and calls of globals not on the deny list.
class Hooks {
 public:
  virtual ~Hooks() = default;
  // BINPERSID / PERSID.
  virtual Result<Value*> PersistentLoad(Arena& arena, Value* pid) = 0;
  // `callable(*args)` for a global callable; nullptr = keep an inert Object record.
  virtual Result<Value*> Call(Arena& arena, const Value& callable, Value* args) = 0;
};

// Whether calling `module.name` is refused outright (see the policy above).
bool IsDeniedGlobal(std::string_view module, std::string_view name);

// Runs the pickle at the start of `bytes` up to its STOP; returns the value STOP yields and
// sets *consumed to the bytes used. Errors name the opcode and its offset.
Result<Value*> Load(ByteSpan bytes, Arena& arena, Hooks& hooks, const Limits& limits,
                    uint64_t* consumed = nullptr);

}  // namespace pt2tf::pickle
