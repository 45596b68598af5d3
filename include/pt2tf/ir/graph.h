// The IR: a graph with ONNX operator semantics.
//
// Canonical form is ONNX opset 21: op_type + typed attributes, inputs that newer opsets
// take as tensors (Reshape shape, Slice starts, Pad pads, ReduceMean axes, Clip min/max,
// Squeeze/Unsqueeze axes, Split sizes, Resize scales/sizes) are inputs here too. Importers
// upgrade older opsets to this form; writers lower it for the opset or format they target.
//
// Ownership: the Graph owns its Values and Nodes (unique_ptr). Everything else holds raw,
// non-owning pointers that stay valid until the Graph is destroyed; passes detach nodes with
// Graph::RemoveNode / RemoveDeadNodes and never delete them themselves.
//
// Control flow (If, Loop, Scan): a node owns its subgraphs (Node::subgraphs, keyed by the
// ONNX attribute name: then_branch / else_branch / body). A subgraph is a Graph whose nodes
// refer only to its own Values. An outer-scope value the body reads (ONNX resolves it by
// name) is a *capture*: a Value owned by the body, standing for `outer`, a Value of the
// enclosing graph (for a nested body, itself a capture of the graph in between). So every
// pointer stays inside one graph except Capture::outer, which points one level up; the
// enclosing graph counts the outer values of its nodes' captures as inputs of those nodes
// (Users, ReplaceAllUsesWith, dead-code and topological order all see them).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pt2tf/dtype.h"
#include "pt2tf/status.h"
#include "pt2tf/tensor.h"

namespace pt2tf::ir {

class Graph;
struct Node;

using Dims = std::vector<int64_t>;
constexpr int64_t kUnknownDim = -1;

// A tensor-valued edge: a graph input, an initializer (constant), or a node output.
struct Value {
  std::string name;
  DType dtype = DType::kFloat32;
  std::optional<Dims> shape;       // nullopt: rank unknown; kUnknownDim: that dim unknown
  Node* producer = nullptr;        // nullptr for graph inputs and initializers
  std::optional<Tensor> constant;  // set for initializers (weights, folded constants)

  bool is_constant() const { return constant.has_value(); }
  bool has_static_shape() const;
};

// Subgraph-valued attributes are not Attributes: they live in Node::subgraphs.
enum class AttrType { kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings };

struct Attribute {
  AttrType type = AttrType::kInt;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;

  static Attribute Float(float v);
  static Attribute Int(int64_t v);
  static Attribute String(std::string v);
  static Attribute TensorValue(Tensor v);
  static Attribute Floats(std::vector<float> v);
  static Attribute Ints(std::vector<int64_t> v);
  static Attribute Strings(std::vector<std::string> v);
};

using AttributeMap = std::map<std::string, Attribute>;  // sorted: deterministic output

struct Node {
  std::string op_type;
  std::string domain;  // "" = the default ONNX domain
  std::string name;
  std::vector<Value*> inputs;  // nullptr marks an omitted optional input
  std::vector<Value*> outputs;
  AttributeMap attrs;
  // If: then_branch, else_branch; Loop, Scan: body. Owned by the node (see the top comment).
  std::map<std::string, std::unique_ptr<Graph>> subgraphs;

  // The subgraph named `attr_name`, or nullptr.
  Graph* FindSubgraph(const std::string& attr_name) const;
  // The enclosing-graph values its subgraphs capture (each once, in first-capture order):
  // implicit inputs of this node.
  std::vector<Value*> CapturedValues() const;
  const Attribute* FindAttr(const std::string& attr_name) const;
  int64_t GetInt(const std::string& attr_name, int64_t fallback) const;
  float GetFloat(const std::string& attr_name, float fallback) const;
  std::string GetString(const std::string& attr_name, const std::string& fallback) const;
  std::vector<int64_t> GetInts(const std::string& attr_name,
                               std::vector<int64_t> fallback = {}) const;
  std::vector<float> GetFloats(const std::string& attr_name,
                               std::vector<float> fallback = {}) const;
  // Input i, or nullptr when absent or omitted.
  Value* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  // "Conv 'layer1.0.conv1'" for error messages.
  std::string Describe() const;
};

// An outer-scope value read inside a subgraph: `inner` (owned by the subgraph, no producer,
// named like the outer value) stands for `outer` (a value of the enclosing graph).
struct Capture {
  Value* inner = nullptr;
  Value* outer = nullptr;
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // A deep copy of the structure (values, nodes, interface, names) sharing the weight
  // bytes: constants and tensor attributes are views, so no tensor data is copied. Writers
  // that rewrite the graph for their format work on a clone and take the source as const.
  // Subgraphs are cloned too; a clone's captures refer to the cloned enclosing values.
  std::unique_ptr<Graph> Clone() const;

  // Builders. Names are made unique if taken (a suffix is added).
  Value* AddInput(const std::string& name, DType dtype, Dims shape);
  Value* AddInitializer(const std::string& name, Tensor tensor);
  // Appends a node after every existing node; creates `num_outputs` fresh output Values
  // named after `name` (or the op type when `name` is empty).
  Node* AddNode(const std::string& op_type, std::vector<Value*> inputs, AttributeMap attrs = {},
                size_t num_outputs = 1, const std::string& name = "");
  void AddOutput(Value* value) { outputs_.push_back(value); }
  // A fresh value with no producer yet (for importers that wire nodes by name).
  Value* AddValue(const std::string& name);
  // For a subgraph: the value standing for `outer` of the enclosing graph (made on first use,
  // with outer's name, dtype and shape).
  Value* AddCapture(Value* outer);
  const std::vector<Capture>& captures() const { return captures_; }
  std::vector<Capture>& mutable_captures() { return captures_; }
  // True when `value` is one of this graph's captures.
  bool IsCapture(const Value* value) const;
  // Moves `node` (with its outputs' Values) out of `from` and appends it here; the caller
  // rewires its inputs to values of this graph. Used to splice an If branch into its parent.
  Node* AdoptNode(Graph& from, Node* node);

  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  std::vector<Value*>& mutable_inputs() { return inputs_; }
  std::vector<Value*>& mutable_outputs() { return outputs_; }
  // Initializers in creation order.
  std::vector<Value*> Initializers() const;
  Value* FindValue(const std::string& name) const;

  // Rewiring for passes.
  // Node inputs, graph outputs and the captures of subgraphs of this graph's nodes.
  void ReplaceAllUsesWith(Value* from, Value* to);
  std::vector<Node*> Users(const Value* value) const;
  bool IsOutput(const Value* value) const;
  bool IsInput(const Value* value) const;
  void RemoveNode(Node* node);  // detaches and frees; its outputs must be unused
  // Removes nodes whose outputs reach no graph output; returns how many.
  size_t RemoveDeadNodes();
  // Removes initializers and values no node or output refers to.
  void RemoveUnusedValues();
  // Re-orders nodes so each comes after the producers of its inputs. Error on a cycle.
  Status TopologicalSort();

  std::string UniqueName(const std::string& base);

  int opset() const { return opset_; }
  void set_opset(int v) { opset_ = v; }
  const std::string& name() const { return name_; }
  void set_name(std::string v) { name_ = std::move(v); }

 private:
  Value* NewValue(const std::string& name);
  // Clone with captures' outer values looked up in `outer_map` (the enclosing clone's).
  std::unique_ptr<Graph> CloneWith(
      const std::pmr::unordered_map<const Value*, Value*>* outer_map) const;

  std::string name_ = "pt2tf";
  int opset_ = 21;
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::vector<Capture> captures_;
  std::unordered_set<std::string> names_;
};

}  // namespace pt2tf::ir
