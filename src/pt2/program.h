// The parts of a serialized torch.export ExportedProgram (torch/_export/serde/schema.py,
// schema 8.x as torch 2.14 writes it) that conversion needs, as typed C++ values. Parsing
// (program_json.cpp) checks every JSON type; nothing here refers back to the JSON.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pt2tf/dtype.h"

namespace pt2tf::pt2 {

// A SymInt: a concrete integer, or a symbolic expression ("s0", "2*s1") with its hint.
struct SymDim {
  int64_t value = 0;  // the concrete value, or the hint (0 when none) for an expr
  std::string expr;   // empty: concrete
  bool symbolic() const { return !expr.empty(); }
};

enum class ArgKind {
  kNone,
  kTensor,           // name
  kTensors,          // names
  kOptionalTensors,  // names, "" marks None
  kInt,              // i
  kInts,             // ints
  kFloat,            // f
  kFloats,           // floats
  kBool,             // b
  kBools,            // bools
  kString,           // name
  kStrings,          // names
  kSymInt,           // sym_ints[0]: a graph SymInt (name) or a literal
  kSymInts,          // sym_ints
  kSymFloat,         // name or f
  kSymBool,          // name or b
  kScalarType,       // dtype
  kMemoryFormat,     // i (schema MemoryFormat)
  kLayout,           // i (schema Layout)
  kDevice,           // name (device type)
  kGraph,            // name (the submodule), graph (a higher-order op's branch or body)
  kOther,            // a kind conversion never reads (graphs, custom objects, ...): `name`
};

struct GraphBody;

// One element of a SymInt list: a named graph SymInt or a literal.
struct SymIntArg {
  std::string name;  // empty: literal `value`
  int64_t value = 0;
};

struct Arg {
  ArgKind kind = ArgKind::kNone;
  std::string name;
  std::vector<std::string> names;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<bool> bools;
  std::vector<SymIntArg> sym_ints;
  DType dtype = DType::kFloat32;
  std::shared_ptr<const GraphBody> graph;  // kGraph
};

struct NamedArg {
  std::string name;  // the operator schema's argument name
  Arg arg;
};

struct TensorMeta {
  DType dtype = DType::kFloat32;
  std::vector<SymDim> sizes;
  std::vector<SymDim> strides;
  SymDim storage_offset;
};

struct Node {
  std::string target;  // "torch.ops.aten.conv2d.default"
  std::string name;    // the FX node name when the file has one
  std::vector<NamedArg> inputs;
  std::vector<Arg> outputs;
};

// A graph with its own names: a higher-order op's branch (torch.cond's true_graph_N /
// false_graph_N). Its inputs are bound positionally to the op's operands; its names and
// metadata are its own (they may repeat the enclosing graph's names).
struct GraphBody {
  std::vector<Arg> inputs;
  std::vector<Arg> outputs;
  std::vector<Node> nodes;
  std::map<std::string, TensorMeta> tensor_values;
};

enum class InputKind { kUserInput, kParameter, kBuffer, kTensorConstant, kConstantInput, kOther };

struct InputSpec {
  InputKind kind = InputKind::kUserInput;
  Arg arg;             // the placeholder (a tensor, or a SymInt / constant for user inputs)
  std::string target;  // parameter / buffer / constant name in the weights config
  std::string other;   // the spec's union tag for kOther (for the error message)
};

enum class OutputKind { kUserOutput, kBufferMutation, kUserInputMutation, kOther };

struct OutputSpec {
  OutputKind kind = OutputKind::kUserOutput;
  Arg arg;
  std::string other;
};

struct RangeConstraint {
  std::optional<int64_t> min, max;
};

struct Program {
  std::vector<Arg> graph_inputs;
  std::vector<Arg> graph_outputs;
  std::vector<Node> nodes;
  std::map<std::string, TensorMeta> tensor_values;
  std::map<std::string, SymDim> sym_int_values;
  std::vector<InputSpec> input_specs;
  std::vector<OutputSpec> output_specs;
  std::map<std::string, RangeConstraint> range_constraints;
  int64_t schema_major = 0, schema_minor = 0;
  std::string torch_version;
};

// A weights / constants config entry (PayloadMeta).
struct PayloadMeta {
  std::string path_name;  // file under the weights / constants directory
  bool use_pickle = false;
  std::optional<TensorMeta> tensor_meta;
};

// The schema ScalarType number → DType; nullopt for types pt2tf has no DType for.
std::optional<DType> DTypeFromScalarType(int64_t scalar_type);

}  // namespace pt2tf::pt2
