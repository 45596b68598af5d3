#include "tf/variables_graph.h"

#include <unordered_map>
#include <unordered_set>

#include "tensorflow/attr_value.pb.h"
#include "tensorflow/tensor.pb.h"
#include "tensorflow/variable.pb.h"
#include "tf/emit_context.h"
#include "tf/graphdef_stream.h"

namespace pt2tf::tf {
namespace {

// Node names already taken; new names get a numeric suffix on collision.
class Names {
 public:
  explicit Names(const TfGraph& g) {
    for (const TfNode& n : g.nodes) taken_.insert(n.def.name());
  }
  std::string Take(const std::string& base) {
    std::string name = base;
    for (int i = 1; taken_.count(name); ++i) name = base + "_" + std::to_string(i);
    taken_.insert(name);
    return name;
  }

 private:
  std::unordered_set<std::string> taken_;
};

tensorflow::NodeDef& Add(TfGraph& g, const std::string& name, const std::string& op,
                         std::vector<std::string> inputs) {
  TfNode& node = g.nodes.emplace_back();
  node.def.set_name(name);
  node.def.set_op(op);
  for (auto& in : inputs) node.def.add_input(std::move(in));
  return node.def;
}

// A Const of strings: scalar when `shape_1d` is false (then `values` has one element).
void AddStringConst(TfGraph& g, const std::string& name, const std::vector<std::string>& values,
                    bool shape_1d) {
  tensorflow::NodeDef& def = Add(g, name, "Const", {});
  SetAttrType(def, "dtype", tensorflow::DT_STRING);
  tensorflow::TensorProto* t = (*def.mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tensorflow::DT_STRING);
  if (shape_1d) t->mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(values.size()));
  for (const std::string& v : values) t->add_string_val(v);
}

void SetAttrTypes(tensorflow::NodeDef& def, const std::string& name,
                  const std::vector<tensorflow::DataType>& types) {
  auto* list = (*def.mutable_attr())[name].mutable_list();
  for (tensorflow::DataType t : types) list->add_type(t);
}

// "X", "X:0" or "^X" with X renamed through `renamed`.
std::string Rename(const std::string& input,
                   const std::unordered_map<std::string, std::string>& renamed) {
  const bool control = !input.empty() && input[0] == '^';
  std::string name = control ? input.substr(1) : input;
  std::string port;
  if (size_t colon = name.rfind(':'); colon != std::string::npos) {
    port = name.substr(colon);
    name.resize(colon);
  }
  auto it = renamed.find(name);
  if (it == renamed.end()) return input;
  return (control ? "^" : "") + it->second + port;
}

}  // namespace

Result<VariablesGraph> MoveWeightsToVariables(const TfGraph& lowered) {
  VariablesGraph out;
  out.graph.inputs = lowered.inputs;
  out.graph.outputs = lowered.outputs;
  // Function bodies (If/While) keep their constants inline: only the main graph's weights
  // become variables, and a function cannot read the main graph's variables anyway.
  out.graph.functions = lowered.functions;
  out.graph.control_flow = lowered.control_flow;
  Names names(lowered);
  std::unordered_map<std::string, std::string> renamed;  // Const name -> its read
  std::vector<tensorflow::DataType> dtypes;
  std::vector<std::string> handles, reads;

  for (const TfNode& node : lowered.nodes) {
    if (!node.payload || node.payload->nbytes() < kMinVariableBytes) {
      out.graph.nodes.push_back(node);
      continue;
    }
    const std::string& var = node.def.name();
    const ir::Dims shape = node.payload_shape ? *node.payload_shape : node.payload->shape();
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType dtype, TfType(node.payload->dtype()));
    tensorflow::NodeDef& handle = Add(out.graph, var, "VarHandleOp", {});
    SetAttrType(handle, "dtype", dtype);
    SetAttrShape(handle, "shape", shape);
    SetAttrString(handle, "container", "");
    SetAttrString(handle, "shared_name", var);
    const std::string read = names.Take(var + "/Read/ReadVariableOp");
    SetAttrType(Add(out.graph, read, "ReadVariableOp", {var}), "dtype", dtype);
    renamed[var] = read;
    out.tensors.push_back({var, *node.payload, shape});
    dtypes.push_back(dtype);
    handles.push_back(var);
    reads.push_back(read);
  }
  for (TfNode& node : out.graph.nodes) {
    if (node.def.op() == "VarHandleOp" || node.def.op() == "ReadVariableOp") continue;
    for (std::string& in : *node.def.mutable_input()) in = Rename(in, renamed);
  }
  for (TfEndpoint& e : out.graph.outputs)
    if (auto it = renamed.find(e.node); it != renamed.end()) e.node = it->second;
  if (out.tensors.empty()) return out;

  // The saver: one RestoreV2 for every variable (names/slices are parallel lists; "" slice =
  // the whole tensor), and a SaveV2 writing them back so the SaverDef is complete.
  const std::string filename_input = names.Take("save/filename/input");
  AddStringConst(out.graph, filename_input, {"model"}, false);
  const std::string filename = names.Take("save/filename");
  tensorflow::NodeDef& fn = Add(out.graph, filename, "PlaceholderWithDefault", {filename_input});
  SetAttrType(fn, "dtype", tensorflow::DT_STRING);
  SetAttrShape(fn, "shape", {});
  const std::string tensor_names = names.Take("save/tensor_names");
  AddStringConst(out.graph, tensor_names, handles, true);
  const std::string slices = names.Take("save/shape_and_slices");
  AddStringConst(out.graph, slices, std::vector<std::string>(handles.size()), true);

  std::vector<std::string> save_inputs = {filename, tensor_names, slices};
  save_inputs.insert(save_inputs.end(), reads.begin(), reads.end());
  const std::string save = names.Take("save/SaveV2");
  SetAttrTypes(Add(out.graph, save, "SaveV2", save_inputs), "dtypes", dtypes);
  const std::string save_done = names.Take("save/control_dependency");
  SetAttrType(Add(out.graph, save_done, "Identity", {filename, "^" + save}), "T",
              tensorflow::DT_STRING);

  const std::string restore = names.Take("save/RestoreV2");
  SetAttrTypes(Add(out.graph, restore, "RestoreV2", {filename, tensor_names, slices}), "dtypes",
               dtypes);
  std::vector<std::string> assigns;
  for (size_t i = 0; i < handles.size(); ++i) {
    const std::string assign = names.Take("save/AssignVariableOp");
    SetAttrType(
        Add(out.graph, assign, "AssignVariableOp", {handles[i], restore + ":" + std::to_string(i)}),
        "dtype", dtypes[i]);
    assigns.push_back("^" + assign);

    // The restore assign doubles as the variable's initializer: its value comes from the
    // bundle, and this keeps a multi-GiB initial value out of saved_model.pb.
    tensorflow::VariableDef v;
    v.set_variable_name(handles[i] + ":0");
    v.set_initializer_name(assign);
    v.set_snapshot_name(reads[i] + ":0");
    v.set_is_resource(true);
    v.ByteSizeLong();
    out.variable_defs.push_back(SerializeDeterministic(v));
  }
  const std::string restore_all = names.Take("save/restore_all");
  Add(out.graph, restore_all, "NoOp", assigns);

  out.saver.set_filename_tensor_name(filename + ":0");
  out.saver.set_save_tensor_name(save_done + ":0");
  out.saver.set_restore_op_name(restore_all);
  out.saver.set_max_to_keep(5);
  out.saver.set_keep_checkpoint_every_n_hours(10000.0f);
  out.saver.set_version(tensorflow::SaverDef::V2);
  return out;
}

}  // namespace pt2tf::tf
