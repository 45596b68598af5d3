// The pickle VM on hand-made bytes: values, protocols, limits and hostile streams.
#include "io/pickle.h"

#include <gtest/gtest.h>

#include <functional>

#include "alloc_counter.h"
#include "io/state_dict.h"
#include "io/torch_pickle.h"
#include "test_bytes.h"

namespace pt2tf::pickle {
namespace {

using testing_bytes::Bytes;
using testing_bytes::Pickle;

class NoHooks : public Hooks {
 public:
  Result<Value*> PersistentLoad(Arena&, Value*) override {
    return InvalidInput("no persistent ids here");
  }
  Result<Value*> Call(Arena&, const Value&, Value*) override { return nullptr; }
};

struct Vm {
  Arena arena{Budget(64ull << 20, 64)};
  NoHooks hooks;
  Limits limits;
  Result<Value*> Load(const std::string& s, uint64_t* consumed = nullptr) {
    return pickle::Load(ByteSpan(reinterpret_cast<const std::byte*>(s.data()), s.size()), arena,
                        hooks, limits, consumed);
  }
};

TEST(Pickle, DictOfBasicValues) {
  Pickle p;
  p.op('}').mark();
  p.str("int").i(-5);
  p.str("big").i64(1LL << 40);
  p.str("none").op('N');
  p.str("yes").op('\x88');
  p.str("float").b.u8('G').u64(0x400921fb54442d18ULL);  // 3.141592653589793 big-endian below
  p.op('u').stop();
  // BINFLOAT is big-endian: rewrite the 8 bytes in that order.
  std::string s = p.bytes();
  size_t at = s.find('G', s.find("float")) + 1;
  uint64_t bits = 0x400921fb54442d18ULL;
  for (int i = 0; i < 8; ++i) s[at + i] = static_cast<char>(bits >> (56 - 8 * i));
  Vm r;
  auto v = r.Load(s);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ((*v)->Get("int")->i, -5);
  EXPECT_EQ((*v)->Get("big")->i, 1LL << 40);
  EXPECT_EQ((*v)->Get("none")->kind, Kind::kNone);
  EXPECT_TRUE((*v)->Get("yes")->b);
  EXPECT_DOUBLE_EQ((*v)->Get("float")->f, 3.141592653589793);
}

TEST(Pickle, Long1SignAndBigInts) {
  Pickle p;
  p.mark();
  p.b.u8(0x8a).u8(1).u8(0xff);                          // -1
  p.b.u8(0x8a).u8(2).u8(0x00).u8(0x80);                 // -32768
  p.b.u8(0x8a).u8(0);                                   // 0
  p.b.u8(0x8a).u8(10).u64(0x20f9469cfc6c).u16(0x1950);  // the torch magic: a big int
  p.tuple().stop();
  Vm r;
  auto v = r.Load(p.bytes());
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ((*v)->items[0]->i, -1);
  EXPECT_EQ((*v)->items[1]->i, -32768);
  EXPECT_EQ((*v)->items[2]->i, 0);
  EXPECT_EQ((*v)->items[3]->kind, Kind::kBigInt);
  EXPECT_EQ((*v)->items[3]->text.size(), 10u);
}

TEST(Pickle, Protocol4Opcodes) {
  Bytes b;
  b.u8(0x80).u8(4);
  b.u8(0x95).u64(0);  // FRAME (length only checked)
  b.u8(0x8c).u8(11).str("collections");
  b.u8(0x94);  // MEMOIZE -> 0
  b.u8(0x8c).u8(11).str("OrderedDict");
  b.u8(0x94);
  b.u8(0x93);  // STACK_GLOBAL
  b.u8(0x94);
  b.u8(0x8f);                                      // EMPTY_SET
  b.u8('(').u8('K').u8(1).u8('K').u8(2).u8(0x90);  // ADDITEMS
  b.u8(0x86);                                      // TUPLE2 (global, set)
  b.u8('h').u8(0);                                 // BINGET 0 -> "collections"
  b.u8(0x87 - 2);                                  // TUPLE1
  b.u8(0x86).u8('.');
  Vm r;
  auto v = r.Load(b.s);
  ASSERT_TRUE(v.ok()) << v.status().message();
  const Value& outer = **v;
  ASSERT_EQ(outer.items.size(), 2u);
  const Value& pair = *outer.items[0];
  EXPECT_TRUE(pair.items[0]->IsGlobal("collections", "OrderedDict"));
  EXPECT_EQ(pair.items[1]->kind, Kind::kSet);
  EXPECT_EQ(pair.items[1]->items.size(), 2u);
  EXPECT_EQ(outer.items[1]->items[0]->text, "collections");
}

TEST(Pickle, TextOpcodesOfProtocol0) {
  std::string s = "(I42\nI01\nL7L\nF2.5\nS'abc'\np0\ng0\nt.";
  Vm r;
  auto v = r.Load(s);
  ASSERT_TRUE(v.ok()) << v.status().message();
  const auto& items = (*v)->items;
  ASSERT_EQ(items.size(), 6u);
  EXPECT_EQ(items[0]->i, 42);
  EXPECT_EQ(items[1]->kind, Kind::kBool);
  EXPECT_EQ(items[2]->i, 7);
  EXPECT_DOUBLE_EQ(items[3]->f, 2.5);
  EXPECT_EQ(items[4]->text, "abc");
  EXPECT_EQ(items[5], items[4]);
}

TEST(Pickle, ConsumedStopsAtStop) {
  Pickle p;
  p.i(1).stop();
  std::string s = p.bytes() + "trailing";
  Vm r;
  uint64_t used = 0;
  ASSERT_TRUE(r.Load(s, &used).ok());
  EXPECT_EQ(used, p.bytes().size());
}

TEST(Pickle, UnknownOpcodeNamesByteAndOffset) {
  std::string s = "\x80\x02K\x01\xff.";
  Vm r;
  auto v = r.Load(s);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("0xff"), std::string::npos) << v.status().message();
  EXPECT_NE(v.status().message().find("offset 4"), std::string::npos) << v.status().message();
}

TEST(Pickle, HugeClaimedLengthsFailFastWithoutAllocating) {
  for (uint8_t op : {uint8_t{0x8d}, uint8_t{0x8e}, uint8_t{0x96}}) {  // *8 opcodes
    Bytes b;
    b.u8(0x80).u8(4).u8(op).u64(1ULL << 60).str("abc");
    Vm r;
    testing_alloc::AllocStats used;
    Result<Value*> v = InvalidInput("not run");
    {
      testing_alloc::CountAllocations count;
      v = r.Load(b.s);
      used = count.stats();
    }
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.status().message().find("1152921504606846976"), std::string::npos)
        << v.status().message();
    EXPECT_LE(used.largest, 1u << 20) << "the claimed 2^60 bytes must not be requested";
  }
  Bytes b;  // BINUNICODE of 4 GB - 1, LONG4 of 2 GB - 1
  b.u8(0x80).u8(2).u8('X').u32(0xffffffffu);
  Vm r;
  EXPECT_FALSE(r.Load(b.s).ok());
  Bytes c;
  c.u8(0x80).u8(2).u8(0x8b).u32(0x7fffffffu);
  EXPECT_FALSE(r.Load(c.s).ok());
  Bytes frame;
  frame.u8(0x80).u8(4).u8(0x95).u64(1ULL << 62);
  EXPECT_FALSE(r.Load(frame.s).ok());
}

TEST(Pickle, DeepMarkNestingHitsTheLimit) {
  std::string s = "\x80\x02" + std::string(100000, '(');
  Vm r;
  auto v = r.Load(s);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("nest deeper"), std::string::npos) << v.status().message();
}

TEST(Pickle, DeepTupleChainLoadsAndRendersBounded) {
  // 200k nested 1-tuples: the VM does not recurse; rendering stops at its depth limit.
  std::string s = "\x80\x02N" + std::string(200000, '\x85') + ".";
  Vm r;
  auto v = r.Load(s);
  ASSERT_TRUE(v.ok()) << v.status().message();
  nlohmann::ordered_json j = ValueToJson(**v, 50);
  EXPECT_TRUE(j.is_array());
}

TEST(Pickle, CyclicListIsFineAndRenderingTerminates) {
  // l = []; l.append(l) x 20: a cycle with fan-out 20 (rendering must not explode).
  std::string s("\x80\x02]q\x00(", 6);
  for (int i = 0; i < 20; ++i) s += std::string("h\x00", 2);
  s += "e.";
  Vm r;
  auto v = r.Load(s);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ((*v)->items.size(), 20u);
  EXPECT_EQ((*v)->items[0], *v);
  // Unbounded, depth 100 would mean 20^100 nodes. Rendering has a budget of 100k expanded
  // values; the "..." leaves past the depth limit are free, so at most 21 nodes per expanded
  // value. Depth 5 alone holds 3.4M nodes: the budget, not the depth, must stop it.
  constexpr int64_t kMaxNodes = 100'000 * 21;
  std::function<int64_t(const nlohmann::ordered_json&)> nodes = [&](const auto& j) {
    int64_t n = 1;
    for (const auto& child : j) n += j.is_structured() ? nodes(child) : 0;
    return n;
  };
  ASSERT_LE(nodes(ValueToJson(**v, 5)), kMaxNodes);
  EXPECT_LE(nodes(ValueToJson(**v, 100)), kMaxNodes);
}

TEST(Pickle, BudgetStopsBillionLaughs) {
  // DUP + TUPLE pairs: each op allocates; the budget (no growth per byte here) stops it.
  std::string s = "\x80\x02N";
  for (int i = 0; i < 2000; ++i) s += "\x32\x86";  // DUP, TUPLE2
  s += ".";
  Vm r;
  r.arena = Arena(Budget(100'000, 0));
  auto v = r.Load(s);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("needs more memory than its size allows"), std::string::npos);
}

// A tuple of n items built once, then a call of an unknown global on it repeated k times:
// each REDUCE (7 bytes) used to copy the n arguments into a fresh inert record, so memory
// grew by 8n bytes per 7 input bytes (a 1 MB pickle reached std::bad_alloc).
std::string RepeatedCallPickle(int n, int k) {
  using namespace std::string_literals;  // the opcodes' arguments hold NUL bytes
  std::string s = "\x80\x02"s + "cfoo\nbar\n" + "q\x00("s;
  for (int i = 0; i < n; ++i) s += "K\x01";
  s += "tq\x01";
  for (int i = 0; i < k; ++i) s += "h\x00h\x01R0"s;  // BINGET, BINGET, REDUCE, POP
  return s + "N.";
}

TEST(Pickle, BudgetCountsCopiedCallArguments) {
  std::string s = RepeatedCallPickle(4096, 8192);  // 65 KB; copies 256 MiB without a budget
  Vm r;
  r.arena = Arena(Budget(32ull << 20, 64));
  auto v = r.Load(s);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("needs more memory than its size allows"), std::string::npos)
      << v.status().message();
  EXPECT_LE(r.arena.budget().used(), r.arena.budget().limit() + (64u << 10));
  // The same calls, few enough for the budget, still load.
  Vm small;
  small.arena = Arena(Budget(32ull << 20, 64));
  EXPECT_TRUE(small.Load(RepeatedCallPickle(4096, 100)).ok());
}

TEST(Pickle, MemoErrors) {
  Vm r;
  EXPECT_FALSE(r.Load("\x80\x02h\x05.").ok());                  // BINGET of a missing key
  EXPECT_TRUE(r.Load("\x80\x02Nr\xff\xff\xff\xff.").ok());      // LONG_BINPUT key 2^32-1: no table
  EXPECT_FALSE(r.Load(std::string("\x80\x02q\x00.", 5)).ok());  // BINPUT on an empty stack
}

TEST(Pickle, StackMisuse) {
  Vm r;
  EXPECT_FALSE(r.Load("\x80\x02.").ok());  // STOP on empty stack
  EXPECT_FALSE(r.Load("\x80\x02"
                      "0.")
                   .ok());                            // POP on empty stack
  EXPECT_FALSE(r.Load("\x80\x02Nt.").ok());           // TUPLE without MARK
  EXPECT_FALSE(r.Load("\x80\x02N(.").ok());           // STOP with the item hidden behind a MARK
  EXPECT_FALSE(r.Load("\x80\x02K\x01K\x02s.").ok());  // SETITEM on an int
  EXPECT_FALSE(r.Load("\x80\x02K\x01N\x86R.").ok());  // REDUCE of an int
  EXPECT_FALSE(r.Load("\x80\x09N.").ok());            // protocol 9
  EXPECT_FALSE(r.Load("\x80\x02N").ok());             // no STOP
}

TEST(Pickle, EveryPrefixOfAValidPickleFailsCleanly) {
  Pickle p;
  p.op('}').mark().str("a").global("collections", "OrderedDict").op(')').reduce();
  p.str("b").mark().i(1).i64(2).str("three").tuple().op('u').stop();
  std::string s = p.bytes();
  Vm full;
  ASSERT_TRUE(full.Load(s).ok());
  for (size_t n = 0; n < s.size(); ++n) {
    Vm r;
    EXPECT_FALSE(r.Load(s.substr(0, n)).ok()) << n;
  }
}

TEST(PickleDenyList, DangerousCallsAreRefused) {
  for (auto [module, name] :
       std::vector<std::pair<std::string, std::string>>{{"os", "system"},
                                                        {"posix", "system"},
                                                        {"nt", "system"},
                                                        {"subprocess", "Popen"},
                                                        {"builtins", "eval"},
                                                        {"builtins", "exec"},
                                                        {"__builtin__", "getattr"},
                                                        {"builtins", "__import__"},
                                                        {"os.path", "join"},
                                                        {"shutil", "rmtree"},
                                                        {"importlib", "import_module"},
                                                        {"socket", "socket"},
                                                        {"sys", "exit"}}) {
    Pickle p;
    p.global(module, name).mark().str("touch /tmp/x").tuple().reduce().stop();
    Vm r;
    auto v = r.Load(p.bytes());
    ASSERT_FALSE(v.ok()) << module << "." << name;
    EXPECT_NE(v.status().message().find("refusing to call " + module + "." + name),
              std::string::npos)
        << v.status().message();
  }
  // Naming one without calling it is harmless and allowed; so are ordinary globals.
  Vm r;
  EXPECT_TRUE(r.Load(Pickle().global("os", "system").stop().bytes()).ok());
  EXPECT_FALSE(IsDeniedGlobal("torch._utils", "_rebuild_tensor_v2"));
  EXPECT_FALSE(IsDeniedGlobal("collections", "OrderedDict"));
  EXPECT_FALSE(IsDeniedGlobal("osx", "thing"));
}

TEST(PickleDenyList, NewobjAndInstAreCallsToo) {
  Vm r;
  EXPECT_FALSE(
      r.Load(Pickle().global("subprocess", "Popen").op(')').op('\x81').stop().bytes()).ok());
  EXPECT_FALSE(r.Load("(S'ls'\nios\nsystem\n.").ok());  // INST
  auto v = r.Load("(cos\nsystem\nS'ls'\no.");           // OBJ
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("refusing to call os.system"), std::string::npos);
}

TEST(Pickle, UnknownCallsBecomeInertRecords) {
  Pickle p;
  p.global("mypackage.layers", "Block").mark().i(3).tuple().reduce();
  p.op('}').str("k").i(4).op('s').op('b').stop();
  Vm r;
  auto v = r.Load(p.bytes());
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ((*v)->kind, Kind::kObject);
  EXPECT_EQ((*v)->QualifiedName(), "mypackage.layers.Block");
  EXPECT_EQ((*v)->items[0]->i, 3);
  EXPECT_EQ((*v)->state->Get("k")->i, 4);
}

}  // namespace
}  // namespace pt2tf::pickle
