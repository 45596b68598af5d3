// ExportedProgram JSON → Program. Every field's JSON type is checked before it is read, so a
// hostile file gets "models/model.json: graph.nodes[3].inputs[0].arg: ... is not an object"
// rather than an exception; the catch in ParseProgram is only a backstop.
#include "pt2/program_json.h"

#include <cmath>
#include <limits>

namespace pt2tf::pt2 {
namespace {

using Json = nlohmann::json;

// Branches nest (a torch.cond inside a branch is a graph inside a graph); the parser recurses
// no deeper than this (archive.cpp's JSON depth cap is usually hit first).
constexpr int kMaxGraphDepth = 16;

Status Bad(const std::string& where, const std::string& what) {
  return InvalidInput(where + ": " + what);
}

Result<const Json*> Field(const Json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) return Bad(where, "is not an object");
  auto it = obj.find(key);
  if (it == obj.end()) return Bad(where, std::string("has no '") + key + "'");
  return &*it;
}

Result<std::string> Str(const Json& j, const std::string& where) {
  if (!j.is_string()) return Bad(where, "is not a string");
  return j.get<std::string>();
}

Result<int64_t> Int(const Json& j, const std::string& where) {
  if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return Bad(where, "integer is out of range");
    return static_cast<int64_t>(j.get<uint64_t>());
  }
  if (!j.is_number_integer()) return Bad(where, "is not an integer");
  return j.get<int64_t>();
}

Result<double> Float(const Json& j, const std::string& where) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {  // serde writes non-finite floats as these strings
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  }
  return Bad(where, "is not a number");
}

Result<bool> Bool(const Json& j, const std::string& where) {
  if (!j.is_boolean()) return Bad(where, "is not a boolean");
  return j.get<bool>();
}

Result<const Json*> Array(const Json& j, const std::string& where) {
  if (!j.is_array()) return Bad(where, "is not an array");
  return &j;
}

// A serde union: an object with exactly one key, the variant's name.
Result<std::pair<std::string, const Json*>> Union(const Json& j, const std::string& where) {
  if (!j.is_object() || j.size() != 1) return Bad(where, "is not a one-key union object");
  auto it = j.begin();
  return std::make_pair(it.key(), &it.value());
}

std::string At(const std::string& where, size_t i) { return where + "[" + std::to_string(i) + "]"; }

Result<SymDim> ParseSymInt(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(auto u, Union(j, where));
  SymDim d;
  if (u.first == "as_int") {
    PT2TF_ASSIGN_OR_RETURN(d.value, Int(*u.second, where + ".as_int"));
    return d;
  }
  if (u.first != "as_expr") return Bad(where, "unknown SymInt kind '" + u.first + "'");
  PT2TF_ASSIGN_OR_RETURN(const Json* expr, Field(*u.second, "expr_str", where + ".as_expr"));
  PT2TF_ASSIGN_OR_RETURN(d.expr, Str(*expr, where + ".as_expr.expr_str"));
  if (d.expr.empty()) return Bad(where, "empty symbolic expression");
  auto hint = u.second->find("hint");
  if (hint != u.second->end() && !hint->is_null()) {
    PT2TF_ASSIGN_OR_RETURN(auto h, Union(*hint, where + ".as_expr.hint"));
    if (h.first == "as_int") {
      PT2TF_ASSIGN_OR_RETURN(d.value, Int(*h.second, where + ".as_expr.hint.as_int"));
    }
  }
  return d;
}

Result<std::vector<SymDim>> ParseSymInts(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(const Json* a, Array(j, where));
  std::vector<SymDim> out;
  for (size_t i = 0; i < a->size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(SymDim d, ParseSymInt((*a)[i], At(where, i)));
    out.push_back(std::move(d));
  }
  return out;
}

Result<DType> ParseScalarType(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(int64_t code, Int(j, where));
  std::optional<DType> d = DTypeFromScalarType(code);
  if (!d) return Unsupported(where + ": scalar type " + std::to_string(code) + " is not supported");
  return *d;
}

Result<std::string> TensorName(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(const Json* name, Field(j, "name", where));
  return Str(*name, where + ".name");
}

Result<SymIntArg> ParseSymIntArg(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(auto u, Union(j, where));
  SymIntArg s;
  if (u.first == "as_name") {
    PT2TF_ASSIGN_OR_RETURN(s.name, Str(*u.second, where + ".as_name"));
    if (s.name.empty()) return Bad(where, "empty SymInt name");
  } else if (u.first == "as_int") {
    PT2TF_ASSIGN_OR_RETURN(s.value, Int(*u.second, where + ".as_int"));
  } else {
    return Bad(where, "unknown SymInt argument kind '" + u.first + "'");
  }
  return s;
}

Result<GraphBody> ParseGraph(const Json& graph, const std::string& where, int depth);

Result<Arg> ParseArgument(const Json& j, const std::string& where, int depth = 0) {
  PT2TF_ASSIGN_OR_RETURN(auto u, Union(j, where));
  const std::string& kind = u.first;
  const Json& v = *u.second;
  const std::string w = where + "." + kind;
  Arg a;
  if (kind == "as_none") {
    a.kind = ArgKind::kNone;
  } else if (kind == "as_tensor") {
    a.kind = ArgKind::kTensor;
    PT2TF_ASSIGN_OR_RETURN(a.name, TensorName(v, w));
  } else if (kind == "as_tensors") {
    a.kind = ArgKind::kTensors;
    PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(v, w));
    for (size_t i = 0; i < list->size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(std::string n, TensorName((*list)[i], At(w, i)));
      a.names.push_back(std::move(n));
    }
  } else if (kind == "as_optional_tensors" || kind == "as_optional_tensor") {
    const bool single = kind == "as_optional_tensor";
    a.kind = single ? ArgKind::kTensor : ArgKind::kOptionalTensors;
    std::vector<const Json*> items;
    if (single) {
      items.push_back(&v);
    } else {
      PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(v, w));
      for (const Json& item : *list) items.push_back(&item);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(auto o, Union(*items[i], At(w, i)));
      std::string n;
      if (o.first == "as_tensor") {
        PT2TF_ASSIGN_OR_RETURN(n, TensorName(*o.second, At(w, i) + ".as_tensor"));
      } else if (o.first != "as_none") {
        return Bad(At(w, i), "unknown optional tensor kind '" + o.first + "'");
      }
      a.names.push_back(std::move(n));
    }
    if (single) {
      a.name = a.names[0];
      a.names.clear();
      if (a.name.empty()) a.kind = ArgKind::kNone;
    }
  } else if (kind == "as_int") {
    a.kind = ArgKind::kInt;
    PT2TF_ASSIGN_OR_RETURN(a.i, Int(v, w));
  } else if (kind == "as_ints") {
    a.kind = ArgKind::kInts;
    PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(v, w));
    for (size_t i = 0; i < list->size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(int64_t x, Int((*list)[i], At(w, i)));
      a.ints.push_back(x);
    }
  } else if (kind == "as_float") {
    a.kind = ArgKind::kFloat;
    PT2TF_ASSIGN_OR_RETURN(a.f, Float(v, w));
  } else if (kind == "as_floats") {
    a.kind = ArgKind::kFloats;
    PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(v, w));
    for (size_t i = 0; i < list->size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(double x, Float((*list)[i], At(w, i)));
      a.floats.push_back(x);
    }
  } else if (kind == "as_bool") {
    a.kind = ArgKind::kBool;
    PT2TF_ASSIGN_OR_RETURN(a.b, Bool(v, w));
  } else if (kind == "as_bools") {
    a.kind = ArgKind::kBools;
    PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(v, w));
    for (size_t i = 0; i < list->size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(bool x, Bool((*list)[i], At(w, i)));
      a.bools.push_back(x);
    }
  } else if (kind == "as_string") {
    a.kind = ArgKind::kString;
    PT2TF_ASSIGN_OR_RETURN(a.name, Str(v, w));
  } else if (kind == "as_strings") {
    a.kind = ArgKind::kStrings;
    PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(v, w));
    for (size_t i = 0; i < list->size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(std::string x, Str((*list)[i], At(w, i)));
      a.names.push_back(std::move(x));
    }
  } else if (kind == "as_sym_int") {
    a.kind = ArgKind::kSymInt;
    PT2TF_ASSIGN_OR_RETURN(SymIntArg s, ParseSymIntArg(v, w));
    a.sym_ints.push_back(std::move(s));
  } else if (kind == "as_sym_ints") {
    a.kind = ArgKind::kSymInts;
    PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(v, w));
    for (size_t i = 0; i < list->size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(SymIntArg s, ParseSymIntArg((*list)[i], At(w, i)));
      a.sym_ints.push_back(std::move(s));
    }
  } else if (kind == "as_sym_float" || kind == "as_sym_bool") {
    a.kind = kind == "as_sym_float" ? ArgKind::kSymFloat : ArgKind::kSymBool;
    PT2TF_ASSIGN_OR_RETURN(auto s, Union(v, w));
    if (s.first == "as_name") {
      PT2TF_ASSIGN_OR_RETURN(a.name, Str(*s.second, w + ".as_name"));
    } else if (s.first == "as_float") {
      PT2TF_ASSIGN_OR_RETURN(a.f, Float(*s.second, w + ".as_float"));
    } else if (s.first == "as_bool") {
      PT2TF_ASSIGN_OR_RETURN(a.b, Bool(*s.second, w + ".as_bool"));
    } else {
      return Bad(w, "unknown kind '" + s.first + "'");
    }
  } else if (kind == "as_scalar_type") {
    a.kind = ArgKind::kScalarType;
    PT2TF_ASSIGN_OR_RETURN(a.dtype, ParseScalarType(v, w));
  } else if (kind == "as_memory_format" || kind == "as_layout") {
    a.kind = kind == "as_layout" ? ArgKind::kLayout : ArgKind::kMemoryFormat;
    PT2TF_ASSIGN_OR_RETURN(a.i, Int(v, w));
  } else if (kind == "as_device") {
    a.kind = ArgKind::kDevice;
    PT2TF_ASSIGN_OR_RETURN(const Json* type, Field(v, "type", w));
    PT2TF_ASSIGN_OR_RETURN(a.name, Str(*type, w + ".type"));
  } else if (kind == "as_graph") {
    a.kind = ArgKind::kGraph;
    PT2TF_ASSIGN_OR_RETURN(const Json* name, Field(v, "name", w));
    PT2TF_ASSIGN_OR_RETURN(a.name, Str(*name, w + ".name"));
    if (depth >= kMaxGraphDepth)
      return Unsupported(w + ": graphs nest too deeply (more than " +
                         std::to_string(kMaxGraphDepth) + " levels)");
    PT2TF_ASSIGN_OR_RETURN(const Json* graph, Field(v, "graph", w));
    PT2TF_ASSIGN_OR_RETURN(GraphBody body, ParseGraph(*graph, w + ".graph", depth + 1));
    a.graph = std::make_shared<const GraphBody>(std::move(body));
  } else {
    a.kind = ArgKind::kOther;  // custom objects, operators: refused where used
    a.name = kind;
  }
  return a;
}

Result<std::vector<Arg>> ParseArguments(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(j, where));
  std::vector<Arg> out;
  for (size_t i = 0; i < list->size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(Arg a, ParseArgument((*list)[i], At(where, i)));
    out.push_back(std::move(a));
  }
  return out;
}

Result<Node> ParseNode(const Json& j, const std::string& where, int depth) {
  Node n;
  PT2TF_ASSIGN_OR_RETURN(const Json* target, Field(j, "target", where));
  PT2TF_ASSIGN_OR_RETURN(n.target, Str(*target, where + ".target"));
  auto name = j.find("name");
  if (name != j.end() && !name->is_null()) {
    PT2TF_ASSIGN_OR_RETURN(n.name, Str(*name, where + ".name"));
  }
  PT2TF_ASSIGN_OR_RETURN(const Json* inputs, Field(j, "inputs", where));
  PT2TF_ASSIGN_OR_RETURN(const Json* list, Array(*inputs, where + ".inputs"));
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string w = At(where + ".inputs", i);
    NamedArg na;
    PT2TF_ASSIGN_OR_RETURN(const Json* arg_name, Field((*list)[i], "name", w));
    PT2TF_ASSIGN_OR_RETURN(na.name, Str(*arg_name, w + ".name"));
    PT2TF_ASSIGN_OR_RETURN(const Json* arg, Field((*list)[i], "arg", w));
    PT2TF_ASSIGN_OR_RETURN(na.arg, ParseArgument(*arg, w + ".arg", depth));
    n.inputs.push_back(std::move(na));
  }
  PT2TF_ASSIGN_OR_RETURN(const Json* outputs, Field(j, "outputs", where));
  PT2TF_ASSIGN_OR_RETURN(n.outputs, ParseArguments(*outputs, where + ".outputs"));
  return n;
}

// A graph's interface, nodes and metadata: the program's, or (depth > 0) a branch's.
Result<GraphBody> ParseGraph(const Json& graph, const std::string& where, int depth) {
  GraphBody g;
  PT2TF_ASSIGN_OR_RETURN(const Json* inputs, Field(graph, "inputs", where));
  PT2TF_ASSIGN_OR_RETURN(g.inputs, ParseArguments(*inputs, where + ".inputs"));
  PT2TF_ASSIGN_OR_RETURN(const Json* outputs, Field(graph, "outputs", where));
  PT2TF_ASSIGN_OR_RETURN(g.outputs, ParseArguments(*outputs, where + ".outputs"));
  PT2TF_ASSIGN_OR_RETURN(const Json* nodes, Field(graph, "nodes", where));
  PT2TF_ASSIGN_OR_RETURN(const Json* node_list, Array(*nodes, where + ".nodes"));
  for (size_t i = 0; i < node_list->size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(Node n, ParseNode((*node_list)[i], At(where + ".nodes", i), depth));
    g.nodes.push_back(std::move(n));
  }
  PT2TF_ASSIGN_OR_RETURN(const Json* values, Field(graph, "tensor_values", where));
  if (!values->is_object()) return Bad(where + ".tensor_values", "is not an object");
  for (const auto& [name, meta] : values->items()) {
    PT2TF_ASSIGN_OR_RETURN(TensorMeta m, ParseTensorMeta(meta, where + ".tensor_values." + name));
    g.tensor_values.emplace(name, std::move(m));
  }
  return g;
}

// Input/output specs: the union tag picks the kind; every kind carries an `arg`.
Result<InputSpec> ParseInputSpec(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(auto u, Union(j, where));
  const std::string w = where + "." + u.first;
  InputSpec s;
  static const std::map<std::string, std::pair<InputKind, const char*>> kKinds = {
      {"user_input", {InputKind::kUserInput, nullptr}},
      {"parameter", {InputKind::kParameter, "parameter_name"}},
      {"buffer", {InputKind::kBuffer, "buffer_name"}},
      {"tensor_constant", {InputKind::kTensorConstant, "tensor_constant_name"}},
  };
  auto kind = kKinds.find(u.first);
  if (u.first == "constant_input") {
    s.kind = InputKind::kConstantInput;
    PT2TF_ASSIGN_OR_RETURN(const Json* name, Field(*u.second, "name", w));
    PT2TF_ASSIGN_OR_RETURN(s.target, Str(*name, w + ".name"));
    return s;
  }
  if (kind == kKinds.end()) {
    s.kind = InputKind::kOther;
    s.other = u.first;
    return s;
  }
  s.kind = kind->second.first;
  PT2TF_ASSIGN_OR_RETURN(const Json* arg, Field(*u.second, "arg", w));
  if (s.kind == InputKind::kUserInput) {
    PT2TF_ASSIGN_OR_RETURN(s.arg, ParseArgument(*arg, w + ".arg"));
  } else {
    s.arg.kind = ArgKind::kTensor;
    PT2TF_ASSIGN_OR_RETURN(s.arg.name, TensorName(*arg, w + ".arg"));
    PT2TF_ASSIGN_OR_RETURN(const Json* target, Field(*u.second, kind->second.second, w));
    PT2TF_ASSIGN_OR_RETURN(s.target, Str(*target, w + "." + kind->second.second));
  }
  return s;
}

Result<OutputSpec> ParseOutputSpec(const Json& j, const std::string& where) {
  PT2TF_ASSIGN_OR_RETURN(auto u, Union(j, where));
  const std::string w = where + "." + u.first;
  OutputSpec s;
  if (u.first == "user_output") {
    s.kind = OutputKind::kUserOutput;
    PT2TF_ASSIGN_OR_RETURN(const Json* arg, Field(*u.second, "arg", w));
    PT2TF_ASSIGN_OR_RETURN(s.arg, ParseArgument(*arg, w + ".arg"));
    return s;
  }
  s.kind = u.first == "buffer_mutation"       ? OutputKind::kBufferMutation
           : u.first == "user_input_mutation" ? OutputKind::kUserInputMutation
                                              : OutputKind::kOther;
  s.other = u.first;
  return s;
}

Result<Program> ParseProgramChecked(const Json& root) {
  Program p;
  PT2TF_ASSIGN_OR_RETURN(const Json* gm, Field(root, "graph_module", "program"));
  PT2TF_ASSIGN_OR_RETURN(const Json* graph, Field(*gm, "graph", "graph_module"));
  PT2TF_ASSIGN_OR_RETURN(GraphBody g, ParseGraph(*graph, "graph", 0));
  p.graph_inputs = std::move(g.inputs);
  p.graph_outputs = std::move(g.outputs);
  p.nodes = std::move(g.nodes);
  p.tensor_values = std::move(g.tensor_values);
  auto syms = graph->find("sym_int_values");
  if (syms != graph->end() && !syms->is_null()) {
    if (!syms->is_object()) return Bad("graph.sym_int_values", "is not an object");
    for (const auto& [name, value] : syms->items()) {
      PT2TF_ASSIGN_OR_RETURN(SymDim d, ParseSymInt(value, "graph.sym_int_values." + name));
      p.sym_int_values.emplace(name, std::move(d));
    }
  }
  PT2TF_ASSIGN_OR_RETURN(const Json* sig, Field(*gm, "signature", "graph_module"));
  PT2TF_ASSIGN_OR_RETURN(const Json* in_specs, Field(*sig, "input_specs", "signature"));
  PT2TF_ASSIGN_OR_RETURN(const Json* in_list, Array(*in_specs, "signature.input_specs"));
  for (size_t i = 0; i < in_list->size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(InputSpec s, ParseInputSpec((*in_list)[i], At("input_specs", i)));
    p.input_specs.push_back(std::move(s));
  }
  PT2TF_ASSIGN_OR_RETURN(const Json* out_specs, Field(*sig, "output_specs", "signature"));
  PT2TF_ASSIGN_OR_RETURN(const Json* out_list, Array(*out_specs, "signature.output_specs"));
  for (size_t i = 0; i < out_list->size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(OutputSpec s, ParseOutputSpec((*out_list)[i], At("output_specs", i)));
    p.output_specs.push_back(std::move(s));
  }
  auto ranges = root.find("range_constraints");
  if (ranges != root.end() && ranges->is_object()) {
    for (const auto& [name, r] : ranges->items()) {
      RangeConstraint rc;  // bounds beyond int64 (int_oo) stay unset
      if (r.is_object()) {
        for (const char* key : {"min_val", "max_val"}) {
          auto it = r.find(key);
          if (it == r.end()) continue;
          Result<int64_t> v = Int(*it, name);
          if (v.ok()) (std::string(key) == "min_val" ? rc.min : rc.max) = *v;
        }
      }
      p.range_constraints.emplace(name, rc);
    }
  }
  auto version = root.find("schema_version");
  if (version != root.end() && version->is_object()) {
    auto major = version->find("major"), minor = version->find("minor");
    if (major != version->end() && major->is_number_integer()) p.schema_major = *major;
    if (minor != version->end() && minor->is_number_integer()) p.schema_minor = *minor;
  }
  auto tv = root.find("torch_version");
  if (tv != root.end() && tv->is_string()) p.torch_version = *tv;
  return p;
}

}  // namespace

std::optional<DType> DTypeFromScalarType(int64_t t) {
  switch (t) {  // torch/_export/serde/schema.py ScalarType
    case 1:
      return DType::kUInt8;
    case 2:
      return DType::kInt8;
    case 3:
      return DType::kInt16;
    case 4:
      return DType::kInt32;
    case 5:
      return DType::kInt64;
    case 6:
      return DType::kFloat16;
    case 7:
      return DType::kFloat32;
    case 8:
      return DType::kFloat64;
    case 10:
      return DType::kComplex64;
    case 11:
      return DType::kComplex128;
    case 12:
      return DType::kBool;
    case 13:
      return DType::kBFloat16;
    case 28:
      return DType::kUInt16;
    case 29:
      return DType::kFloat8E4M3FN;
    case 30:
      return DType::kFloat8E5M2;
    case 34:
      return DType::kUInt32;
    case 35:
      return DType::kUInt64;
    default:
      return std::nullopt;
  }
}

Result<TensorMeta> ParseTensorMeta(const Json& j, const std::string& where) {
  TensorMeta m;
  PT2TF_ASSIGN_OR_RETURN(const Json* dtype, Field(j, "dtype", where));
  PT2TF_ASSIGN_OR_RETURN(m.dtype, ParseScalarType(*dtype, where + ".dtype"));
  PT2TF_ASSIGN_OR_RETURN(const Json* sizes, Field(j, "sizes", where));
  PT2TF_ASSIGN_OR_RETURN(m.sizes, ParseSymInts(*sizes, where + ".sizes"));
  PT2TF_ASSIGN_OR_RETURN(const Json* strides, Field(j, "strides", where));
  PT2TF_ASSIGN_OR_RETURN(m.strides, ParseSymInts(*strides, where + ".strides"));
  if (m.strides.size() != m.sizes.size()) return Bad(where, "strides and sizes differ in rank");
  PT2TF_ASSIGN_OR_RETURN(const Json* offset, Field(j, "storage_offset", where));
  PT2TF_ASSIGN_OR_RETURN(m.storage_offset, ParseSymInt(*offset, where + ".storage_offset"));
  auto layout = j.find("layout");
  if (layout != j.end() && !(layout->is_number_integer() && *layout == kLayoutStrided))
    return Unsupported(where + ": only strided (dense) tensors are supported");
  for (const SymDim& d : m.sizes)
    if (!d.symbolic() && d.value < 0) return Bad(where, "negative size");
  return m;
}

Result<Program> ParseProgram(const Json& root) {
  try {
    return ParseProgramChecked(root);
  } catch (const nlohmann::json::exception& e) {
    return InvalidInput(std::string("malformed program JSON: ") + e.what());
  }
}

Result<PayloadConfig> ParsePayloadConfig(const Json& root) {
  try {
    PayloadConfig out;
    PT2TF_ASSIGN_OR_RETURN(const Json* config, Field(root, "config", "config"));
    if (!config->is_object()) return Bad("config", "is not an object");
    for (const auto& [name, meta] : config->items()) {
      const std::string w = "config." + name;
      PayloadMeta m;
      PT2TF_ASSIGN_OR_RETURN(const Json* path, Field(meta, "path_name", w));
      PT2TF_ASSIGN_OR_RETURN(m.path_name, Str(*path, w + ".path_name"));
      auto pickle = meta.find("use_pickle");
      if (pickle != meta.end()) {
        PT2TF_ASSIGN_OR_RETURN(m.use_pickle, Bool(*pickle, w + ".use_pickle"));
      }
      auto tm = meta.find("tensor_meta");
      if (tm != meta.end() && !tm->is_null()) {
        PT2TF_ASSIGN_OR_RETURN(TensorMeta t, ParseTensorMeta(*tm, w + ".tensor_meta"));
        m.tensor_meta = std::move(t);
      }
      out.emplace(name, std::move(m));
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    return InvalidInput(std::string("malformed config JSON: ") + e.what());
  }
}

}  // namespace pt2tf::pt2
