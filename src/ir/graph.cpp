#include "pt2tf/ir/graph.h"

#include <algorithm>
#include <unordered_map>

namespace pt2tf::ir {

bool Value::has_static_shape() const {
  if (!shape) return false;
  return std::all_of(shape->begin(), shape->end(), [](int64_t d) { return d >= 0; });
}

Attribute Attribute::Float(float v) {
  Attribute a;
  a.type = AttrType::kFloat;
  a.f = v;
  return a;
}
Attribute Attribute::Int(int64_t v) {
  Attribute a;
  a.type = AttrType::kInt;
  a.i = v;
  return a;
}
Attribute Attribute::String(std::string v) {
  Attribute a;
  a.type = AttrType::kString;
  a.s = std::move(v);
  return a;
}
Attribute Attribute::TensorValue(Tensor v) {
  Attribute a;
  a.type = AttrType::kTensor;
  a.t = std::move(v);
  return a;
}
Attribute Attribute::Floats(std::vector<float> v) {
  Attribute a;
  a.type = AttrType::kFloats;
  a.floats = std::move(v);
  return a;
}
Attribute Attribute::Ints(std::vector<int64_t> v) {
  Attribute a;
  a.type = AttrType::kInts;
  a.ints = std::move(v);
  return a;
}
Attribute Attribute::Strings(std::vector<std::string> v) {
  Attribute a;
  a.type = AttrType::kStrings;
  a.strings = std::move(v);
  return a;
}

const Attribute* Node::FindAttr(const std::string& attr_name) const {
  auto it = attrs.find(attr_name);
  return it == attrs.end() ? nullptr : &it->second;
}
int64_t Node::GetInt(const std::string& attr_name, int64_t fallback) const {
  const Attribute* a = FindAttr(attr_name);
  return a && a->type == AttrType::kInt ? a->i : fallback;
}
float Node::GetFloat(const std::string& attr_name, float fallback) const {
  const Attribute* a = FindAttr(attr_name);
  return a && a->type == AttrType::kFloat ? a->f : fallback;
}
std::string Node::GetString(const std::string& attr_name, const std::string& fallback) const {
  const Attribute* a = FindAttr(attr_name);
  return a && a->type == AttrType::kString ? a->s : fallback;
}
std::vector<int64_t> Node::GetInts(const std::string& attr_name,
                                   std::vector<int64_t> fallback) const {
  const Attribute* a = FindAttr(attr_name);
  return a && a->type == AttrType::kInts ? a->ints : fallback;
}
std::vector<float> Node::GetFloats(const std::string& attr_name,
                                   std::vector<float> fallback) const {
  const Attribute* a = FindAttr(attr_name);
  return a && a->type == AttrType::kFloats ? a->floats : fallback;
}
std::string Node::Describe() const { return op_type + " '" + name + "'"; }

Graph* Node::FindSubgraph(const std::string& attr_name) const {
  auto it = subgraphs.find(attr_name);
  return it == subgraphs.end() ? nullptr : it->second.get();
}

std::vector<Value*> Node::CapturedValues() const {
  std::vector<Value*> result;
  for (const auto& [attr_name, body] : subgraphs)
    for (const Capture& c : body->captures())
      if (std::find(result.begin(), result.end(), c.outer) == result.end())
        result.push_back(c.outer);
  return result;
}

namespace {

// Node inputs plus the values its subgraphs capture: everything the node reads.
std::vector<Value*> ReadsOf(const Node& n) {
  std::vector<Value*> reads = n.inputs;
  if (!n.subgraphs.empty())
    for (Value* v : n.CapturedValues()) reads.push_back(v);
  return reads;
}

// Calls f on each value ReadsOf(n) lists, in the same order, without building the list.
template <typename F>
void ForEachRead(const Node& n, F&& f) {
  for (Value* v : n.inputs) f(v);
  if (!n.subgraphs.empty())
    for (Value* v : n.CapturedValues()) f(v);
}

}  // namespace

Value* Graph::NewValue(const std::string& name) {
  values_.push_back(std::make_unique<Value>());
  Value* v = values_.back().get();
  v->name = UniqueName(name.empty() ? "v" : name);
  return v;
}

std::unique_ptr<Graph> Graph::Clone() const { return CloneWith(nullptr); }

std::unique_ptr<Graph> Graph::CloneWith(
    const std::pmr::unordered_map<const Value*, Value*>* outer_map) const {
  auto g = std::make_unique<Graph>();
  g->name_ = name_;
  g->opset_ = opset_;
  g->names_ = names_;
  // Scratch tables in one arena, freed at once (as in IsTopologicallySorted).
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::unordered_map<const Value*, Value*> value_map(&arena);
  std::pmr::unordered_map<const Node*, Node*> node_map(&arena);
  value_map.reserve(values_.size() + 1);
  node_map.reserve(nodes_.size());
  g->values_.reserve(values_.size());
  g->nodes_.reserve(nodes_.size());
  value_map[nullptr] = nullptr;  // omitted optional inputs
  for (const auto& v : values_) {
    g->values_.push_back(std::make_unique<Value>(*v));
    value_map[v.get()] = g->values_.back().get();
  }
  for (const auto& n : nodes_) {
    auto copy = std::make_unique<Node>();
    copy->op_type = n->op_type;
    copy->domain = n->domain;
    copy->name = n->name;
    copy->inputs = n->inputs;
    copy->outputs = n->outputs;
    copy->attrs = n->attrs;
    g->nodes_.push_back(std::move(copy));
    node_map[n.get()] = g->nodes_.back().get();
  }
  for (auto& v : g->values_) {
    // A producer detached from the graph (not in nodes_) is not carried over.
    auto it = node_map.find(v->producer);
    v->producer = it == node_map.end() ? nullptr : it->second;
  }
  // Every value a node or the interface refers to is owned by values_ (graph invariant).
  auto map_value = [&](const Value* v) {
    auto it = value_map.find(v);
    return it == value_map.end() ? nullptr : it->second;
  };
  for (auto& n : g->nodes_) {
    for (Value*& in : n->inputs) in = map_value(in);
    for (Value*& out : n->outputs) out = map_value(out);
  }
  for (const Value* v : inputs_) g->inputs_.push_back(map_value(v));
  for (const Value* v : outputs_) g->outputs_.push_back(map_value(v));
  for (const Capture& c : captures_) {
    Value* outer = c.outer;
    if (outer_map)
      if (auto it = outer_map->find(c.outer); it != outer_map->end()) outer = it->second;
    g->captures_.push_back(Capture{map_value(c.inner), outer});
  }
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (const auto& [attr_name, body] : nodes_[i]->subgraphs)
      g->nodes_[i]->subgraphs[attr_name] = body->CloneWith(&value_map);
  return g;
}

std::string Graph::UniqueName(const std::string& base) {
  if (names_.insert(base).second) return base;  // the usual case: one hash lookup
  for (int i = 1;; ++i) {
    std::string name = base + "_" + std::to_string(i);
    if (names_.insert(name).second) return name;
  }
}

Value* Graph::AddInput(const std::string& name, DType dtype, Dims shape) {
  Value* v = NewValue(name);
  v->dtype = dtype;
  v->shape = std::move(shape);
  inputs_.push_back(v);
  return v;
}

Value* Graph::AddInitializer(const std::string& name, Tensor tensor) {
  Value* v = NewValue(name);
  v->dtype = tensor.dtype();
  v->shape = tensor.shape();
  v->constant = std::move(tensor);
  return v;
}

Value* Graph::AddValue(const std::string& name) { return NewValue(name); }

Value* Graph::AddCapture(Value* outer) {
  for (const Capture& c : captures_)
    if (c.outer == outer) return c.inner;
  Value* v = NewValue(outer->name);
  v->dtype = outer->dtype;
  v->shape = outer->shape;
  captures_.push_back(Capture{v, outer});
  return v;
}

bool Graph::IsCapture(const Value* value) const {
  return std::any_of(captures_.begin(), captures_.end(),
                     [&](const Capture& c) { return c.inner == value; });
}

Node* Graph::AdoptNode(Graph& from, Node* node) {
  auto it = std::find_if(from.nodes_.begin(), from.nodes_.end(),
                         [&](const std::unique_ptr<Node>& n) { return n.get() == node; });
  if (it == from.nodes_.end()) return nullptr;
  nodes_.push_back(std::move(*it));
  from.nodes_.erase(it);
  node->name = UniqueName(node->name);
  for (Value* out : node->outputs) {
    auto vit = std::find_if(from.values_.begin(), from.values_.end(),
                            [&](const std::unique_ptr<Value>& v) { return v.get() == out; });
    if (vit == from.values_.end()) continue;
    values_.push_back(std::move(*vit));
    from.values_.erase(vit);
    out->name = UniqueName(out->name);
  }
  return node;
}

Node* Graph::AddNode(const std::string& op_type, std::vector<Value*> inputs, AttributeMap attrs,
                     size_t num_outputs, const std::string& name) {
  nodes_.push_back(std::make_unique<Node>());
  Node* n = nodes_.back().get();
  n->op_type = op_type;
  n->name = UniqueName(name.empty() ? op_type : name);
  n->inputs = std::move(inputs);
  n->attrs = std::move(attrs);
  for (size_t i = 0; i < num_outputs; ++i) {
    Value* out =
        NewValue(num_outputs == 1 ? n->name + "_out" : n->name + "_out" + std::to_string(i));
    out->producer = n;
    n->outputs.push_back(out);
  }
  return n;
}

std::vector<Value*> Graph::Initializers() const {
  std::vector<Value*> result;
  for (const auto& v : values_)
    if (v->constant) result.push_back(v.get());
  return result;
}

Value* Graph::FindValue(const std::string& name) const {
  for (const auto& v : values_)
    if (v->name == name) return v.get();
  return nullptr;
}

void Graph::ReplaceAllUsesWith(Value* from, Value* to) {
  for (auto& n : nodes_) {
    for (auto& in : n->inputs)
      if (in == from) in = to;
    for (auto& [attr_name, body] : n->subgraphs)
      for (Capture& c : body->captures_)
        if (c.outer == from) c.outer = to;
  }
  for (auto& out : outputs_)
    if (out == from) out = to;
}

std::vector<Node*> Graph::Users(const Value* value) const {
  std::vector<Node*> users;
  for (const auto& n : nodes_) {
    const std::vector<Value*> reads = ReadsOf(*n);
    if (std::find(reads.begin(), reads.end(), value) != reads.end()) users.push_back(n.get());
  }
  return users;
}

bool Graph::IsOutput(const Value* value) const {
  return std::find(outputs_.begin(), outputs_.end(), value) != outputs_.end();
}

bool Graph::IsInput(const Value* value) const {
  return std::find(inputs_.begin(), inputs_.end(), value) != inputs_.end();
}

void Graph::RemoveNode(Node* node) {
  for (Value* out : node->outputs)
    if (out->producer == node) out->producer = nullptr;
  nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(),
                              [&](const std::unique_ptr<Node>& n) { return n.get() == node; }),
               nodes_.end());
}

size_t Graph::RemoveDeadNodes() {
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::unordered_set<const Value*> live(&arena);
  live.reserve(values_.size());
  live.insert(outputs_.begin(), outputs_.end());
  std::vector<bool> keep(nodes_.size(), false);
  for (size_t i = nodes_.size(); i-- > 0;) {
    const Node* n = nodes_[i].get();
    for (const Value* out : n->outputs)
      if (live.count(out)) keep[i] = true;
    if (keep[i])
      ForEachRead(*n, [&](const Value* in) {
        if (in) live.insert(in);
      });
  }
  size_t removed = 0;
  std::vector<std::unique_ptr<Node>> kept;
  kept.reserve(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (keep[i]) {
      kept.push_back(std::move(nodes_[i]));
    } else {
      for (Value* out : nodes_[i]->outputs) out->producer = nullptr;
      ++removed;
    }
  }
  nodes_ = std::move(kept);
  return removed;
}

void Graph::RemoveUnusedValues() {
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::unordered_set<const Value*> used(&arena);
  used.reserve(values_.size());
  used.insert(outputs_.begin(), outputs_.end());
  used.insert(inputs_.begin(), inputs_.end());
  for (const auto& n : nodes_) {
    ForEachRead(*n, [&](const Value* v) { used.insert(v); });
    used.insert(n->outputs.begin(), n->outputs.end());
  }
  // A capture nothing in the body reads is dropped (the enclosing node then reads less).
  captures_.erase(std::remove_if(captures_.begin(), captures_.end(),
                                 [&](const Capture& c) { return !used.count(c.inner); }),
                  captures_.end());
  std::vector<std::unique_ptr<Value>> kept;
  kept.reserve(values_.size());
  for (auto& v : values_) {
    if (used.count(v.get())) {
      kept.push_back(std::move(v));
    } else {
      names_.erase(v->name);
    }
  }
  values_ = std::move(kept);
}

namespace {

// True when every node already comes after the producers of what it reads: the usual case
// (importers and passes append in order), checked in one pass so that sorting is free then.
// Scratch hash tables of whole-graph passes live in a monotonic arena: on graphs of 100k
// nodes, allocating and freeing their entries one by one cost more than the lookups.
bool IsTopologicallySorted(const std::vector<std::unique_ptr<Node>>& nodes) {
  std::pmr::monotonic_buffer_resource arena;
  std::pmr::unordered_set<const Value*> defined(&arena);
  defined.reserve(nodes.size() * 2);
  for (const auto& n : nodes) {
    for (const Value* in : n->inputs)
      if (in && in->producer && !defined.count(in)) return false;
    if (!n->subgraphs.empty())
      for (const Value* in : n->CapturedValues())
        if (in && in->producer && !defined.count(in)) return false;
    defined.insert(n->outputs.begin(), n->outputs.end());
  }
  return true;
}

}  // namespace

Status Graph::TopologicalSort() {
  // The sort below keeps the original order where it can, so an ordered graph stays as it is.
  if (IsTopologicallySorted(nodes_)) return OkStatus();
  std::unordered_map<const Node*, size_t> pending;
  std::unordered_map<const Value*, std::vector<Node*>> consumers;
  pending.reserve(nodes_.size());
  consumers.reserve(values_.size());
  for (const auto& n : nodes_) {
    size_t count = 0;
    for (const Value* in : ReadsOf(*n)) {
      if (in && in->producer) {
        ++count;
        consumers[in].push_back(n.get());
      }
    }
    pending[n.get()] = count;
  }
  std::vector<Node*> order, ready;
  for (const auto& n : nodes_)
    if (pending[n.get()] == 0) ready.push_back(n.get());
  // Keep the original relative order where possible: process ready nodes in index order.
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < nodes_.size(); ++i) index[nodes_[i].get()] = i;
  auto by_index = [&](Node* a, Node* b) { return index[a] > index[b]; };
  std::make_heap(ready.begin(), ready.end(), by_index);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), by_index);
    Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (const Value* out : n->outputs)
      for (Node* c : consumers[out])
        if (--pending[c] == 0) {
          ready.push_back(c);
          std::push_heap(ready.begin(), ready.end(), by_index);
        }
  }
  if (order.size() != nodes_.size()) return InvalidInput("graph has a cycle");
  std::vector<std::unique_ptr<Node>> sorted;
  std::unordered_map<const Node*, std::unique_ptr<Node>*> slot;
  for (auto& n : nodes_) slot[n.get()] = &n;
  for (Node* n : order) sorted.push_back(std::move(*slot[n]));
  nodes_ = std::move(sorted);
  return OkStatus();
}

}  // namespace pt2tf::ir
