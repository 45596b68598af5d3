#include "tflite/function_graph.h"

#include <unordered_map>
#include <unordered_set>

#include "tensorflow/attr_value.pb.h"
#include "tf/function_def.h"

namespace pt2tf::tflite {
namespace {

// A DType for the endpoint records (informational for the Translator, which reads the
// Placeholders' attrs).
DType DTypeOf(tensorflow::DataType t) {
  switch (t) {
    case tensorflow::DT_INT64:
      return DType::kInt64;
    case tensorflow::DT_INT32:
      return DType::kInt32;
    case tensorflow::DT_BOOL:
      return DType::kBool;
    default:
      return DType::kFloat32;
  }
}

}  // namespace

Result<tf::TfGraph> FunctionAsGraph(const tf::TfFunction& fn,
                                    const std::vector<ir::Dims>& arg_shapes) {
  const std::string& fname = fn.signature.name();
  if (static_cast<size_t>(fn.signature.input_arg_size()) != arg_shapes.size())
    return InternalError("function " + fname + ": argument count mismatch");
  tf::TfGraph g;
  std::unordered_set<std::string> names;
  for (int i = 0; i < fn.signature.input_arg_size(); ++i) {
    const tensorflow::OpDef::ArgDef& arg = fn.signature.input_arg(i);
    tf::TfNode& n = g.nodes.emplace_back();
    n.def.set_name(arg.name());
    n.def.set_op("Placeholder");
    (*n.def.mutable_attr())["dtype"].set_type(arg.type());
    tensorflow::TensorShapeProto* shape = (*n.def.mutable_attr())["shape"].mutable_shape();
    for (int64_t d : arg_shapes[i]) shape->add_dim()->set_size(d);
    g.inputs.push_back(tf::TfEndpoint{arg.name(), arg.name(), DTypeOf(arg.type()), arg_shapes[i]});
    names.insert(arg.name());
  }
  std::unordered_map<std::string, std::string> op_of;  // node -> op
  for (const tf::TfNode& n : fn.nodes) {
    op_of[n.def.name()] = n.def.op();
    names.insert(n.def.name());
  }
  // Function form -> GraphDef form: "arg", "node:<output arg>:<i>", "^node".
  auto convert = [&](const std::string& in) -> Result<std::string> {
    if (!in.empty() && in[0] == '^') return in;
    const size_t c1 = in.find(':');
    if (c1 == std::string::npos) return in;  // an input arg
    const size_t c2 = in.find(':', c1 + 1);
    const std::string node = in.substr(0, c1);
    auto it = op_of.find(node);
    if (c2 == std::string::npos || it == op_of.end())
      return InternalError("function " + fname + ": cannot read input '" + in + "'");
    int64_t index = 0;
    try {
      index = std::stoll(in.substr(c2 + 1));
    } catch (...) {
      return InternalError("function " + fname + ": cannot read input '" + in + "'");
    }
    PT2TF_ASSIGN_OR_RETURN(int64_t k,
                           tf::GraphOutputIndex(it->second, in.substr(c1 + 1, c2 - c1 - 1), index));
    return k == 0 ? node : node + ":" + std::to_string(k);
  };
  for (const tf::TfNode& src : fn.nodes) {
    tf::TfNode& n = g.nodes.emplace_back(src);
    n.def.clear_input();
    for (const std::string& in : src.def.input()) {
      Result<std::string> r = convert(in);
      if (!r.ok()) return r.status();
      n.def.add_input(std::move(r).value());
    }
  }
  for (int i = 0; i < fn.signature.output_arg_size(); ++i) {
    const std::string& arg = fn.signature.output_arg(i).name();
    auto it = fn.ret.find(arg);
    if (it == fn.ret.end())
      return InternalError("function " + fname + ": output " + arg + " returns nothing");
    PT2TF_ASSIGN_OR_RETURN(std::string tensor, convert(it->second));
    std::string name = arg + "/ret";
    for (int k = 1; names.count(name); ++k) name = arg + "/ret_" + std::to_string(k);
    names.insert(name);
    tf::TfNode& n = g.nodes.emplace_back();
    n.def.set_name(name);
    n.def.set_op("Identity");
    n.def.add_input(tensor);
    (*n.def.mutable_attr())["T"].set_type(fn.signature.output_arg(i).type());
    g.outputs.push_back(
        tf::TfEndpoint{arg, name, DTypeOf(fn.signature.output_arg(i).type()), std::nullopt});
  }
  return g;
}

}  // namespace pt2tf::tflite
