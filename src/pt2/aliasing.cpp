#include "pt2/aliasing.h"

#include <functional>

namespace pt2tf::pt2 {
namespace {

// "torch.ops.aten.add_.Tensor" → "add_"
std::string OpName(const std::string& target) {
  const std::string prefix = "torch.ops.aten.";
  if (target.rfind(prefix, 0) != 0) return "";
  const size_t end = target.find('.', prefix.size());
  return target.substr(prefix.size(), end == std::string::npos ? end : end - prefix.size());
}

// Ops whose outputs may share storage with their `self` (or first tensor) input.
bool IsView(const std::string& op) {
  static const std::set<std::string> kViews = {"slice",
                                               "select",
                                               "view",
                                               "_unsafe_view",
                                               "reshape",
                                               "_reshape_alias",
                                               "expand",
                                               "expand_as",
                                               "permute",
                                               "transpose",
                                               "t",
                                               "unsqueeze",
                                               "squeeze",
                                               "narrow",
                                               "as_strided",
                                               "alias",
                                               "detach",
                                               "flatten",
                                               "unflatten",
                                               "split",
                                               "split_with_sizes",
                                               "chunk",
                                               "tensor_split",
                                               "unbind",
                                               "diagonal",
                                               "movedim",
                                               "swapaxes",
                                               "swapdims",
                                               "view_as",
                                               "contiguous",
                                               "unfold",
                                               "real",
                                               "imag",
                                               "view_as_real",
                                               "view_as_complex",
                                               "numpy_T",
                                               "mT",
                                               "mH",
                                               "adjoint",
                                               "lift_fresh",
                                               "align_as"};
  return kViews.count(op) > 0;
}

// An in-place op that changes values (aten.<name>_ but not a dunder like __and__).
bool WritesInPlace(const std::string& op) {
  if (op.size() < 2 || op.back() != '_' || op.rfind("__", 0) == 0) return false;
  return op != "detach_" && op != "dropout_";
}

// fill_ / zero_: written back through slice / select chains by ops/inplace.cpp.
bool WritesThroughSlices(const std::string& op) { return op == "fill_" || op == "zero_"; }

bool IsSliceView(const std::string& op) { return op == "slice" || op == "select"; }

// The tensor argument an op reads as `self` (or its first tensor argument).
const std::string* SelfOf(const Node& n) {
  const std::string* first = nullptr;
  for (const NamedArg& a : n.inputs) {
    if (a.arg.kind != ArgKind::kTensor) continue;
    if (a.name == "self") return &a.arg.name;
    if (!first) first = &a.arg.name;
  }
  return first;
}

void ForEachRead(const Node& n, const std::function<void(const std::string&)>& fn) {
  for (const NamedArg& a : n.inputs) {
    if (a.arg.kind == ArgKind::kTensor) fn(a.arg.name);
    if (a.arg.kind == ArgKind::kTensors || a.arg.kind == ArgKind::kOptionalTensors)
      for (const std::string& s : a.arg.names) fn(s);
  }
}

std::vector<std::string> OutputNames(const Node& n) {
  std::vector<std::string> out;
  for (const Arg& a : n.outputs) {
    if (a.kind == ArgKind::kTensor) out.push_back(a.name);
    if (a.kind == ArgKind::kTensors) out.insert(out.end(), a.names.begin(), a.names.end());
  }
  return out;
}

}  // namespace

InPlaceWrites::InPlaceWrites(const std::vector<Node>& nodes,
                             const std::vector<std::string>& read_at_end)
    : nodes_(nodes) {
  for (size_t i = 0; i < nodes.size(); ++i)
    ForEachRead(nodes[i], [&](const std::string& name) { last_read_[name] = i; });
  for (const std::string& name : read_at_end) last_read_[name] = nodes.size();
}

const std::string& InPlaceWrites::Root(const std::string& name) const {
  auto it = root_.find(name);
  return it == root_.end() ? name : it->second;
}

const std::string& InPlaceWrites::SliceBase(const std::string& name) const {
  const std::string* at = &name;
  for (auto it = slice_parent_.find(*at); it != slice_parent_.end(); it = slice_parent_.find(*at))
    at = &it->second;
  return *at;
}

Status InPlaceWrites::Check(size_t i) const {
  const Node& n = nodes_[i];
  const std::string op = OpName(n.target);
  if (!WritesInPlace(op)) return OkStatus();
  const std::string* self = SelfOf(n);
  if (!self) return OkStatus();
  const std::string& root = Root(*self);
  std::vector<std::string> aliases{root};
  if (auto m = members_.find(root); m != members_.end())
    aliases.insert(aliases.end(), m->second.begin(), m->second.end());
  // fill_ / zero_ through slices rebuild the chain's base and its slice / select views.
  const std::string& base = SliceBase(*self);
  const bool writes_back = WritesThroughSlices(op) && base != *self;
  for (const std::string& other : aliases) {
    if (other == *self || (writes_back && SliceBase(other) == base)) continue;
    auto last = last_read_.find(other);
    if (last == last_read_.end() || last->second <= i) continue;
    const std::string node = n.name.empty() ? op : n.name;
    return Unsupported("in-place aten." + op + " (node '" + node + "') writes into '" + *self +
                       "', which shares storage with '" + other +
                       "', read afterwards; writes through views are not converted (only "
                       "fill_ / zero_ through slices, read through their base): export the "
                       "functional form (e.g. ExportedProgram.run_decompositions({}))");
  }
  return OkStatus();
}

std::string InPlaceWrites::Record(size_t i) {
  const Node& n = nodes_[i];
  const std::string op = OpName(n.target);
  const std::string* self = SelfOf(n);
  // A view, and an in-place op's result (the written tensor itself), alias their input.
  if (self && IsSliceView(op))
    for (const std::string& out : OutputNames(n)) slice_parent_[out] = *self;
  if (self && (IsView(op) || (op.size() > 1 && op.back() == '_' && op.rfind("__", 0) != 0))) {
    const std::string root = Root(*self);
    for (const std::string& out : OutputNames(n)) {
      root_[out] = root;
      members_[root].insert(out);
    }
  }
  return self && WritesInPlace(op) ? *self : std::string();
}

}  // namespace pt2tf::pt2
