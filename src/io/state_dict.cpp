#include "io/state_dict.h"

#include <unordered_set>

namespace pt2tf {
namespace {

using pickle::Kind;
using pickle::Value;

// nn.Module.__dict__ entries that are machinery, not hyper-parameters.
constexpr std::string_view kModuleInternals[] = {
    "training",
    "_parameters",
    "_buffers",
    "_non_persistent_buffers_set",
    "_backward_pre_hooks",
    "_backward_hooks",
    "_is_full_backward_hook",
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
    "_modules",
    "_compiled_call_impl",
    "__overloads__",
};

// What rendering attributes as JSON may still make: nodes, and bytes of text (a string
// referenced many times costs its size each time it is rendered). Hyper-parameters are
// small; beyond the budget values render as "...".
struct JsonBudget {
  int64_t nodes = 200'000;
  uint64_t bytes = 4ull << 20;
  bool Take(uint64_t text_bytes) {
    if (--nodes < 0 || text_bytes + 16 > bytes) {
      nodes = bytes = 0;
      return false;
    }
    bytes -= text_bytes + 16;
    return true;
  }
  bool exhausted() const { return nodes <= 0 || bytes == 0; }
};
nlohmann::ordered_json ToJson(const Value& v, int depth_left, JsonBudget& budget);

// Charges one walk over `dict`'s entries: the keys are hashed and copied.
Status ChargeDictWalk(const Value& dict, pickle::Budget& budget) {
  uint64_t bytes = 0;
  for (const auto& [k, v] : dict.entries) bytes += 64 + (k->IsString() ? k->text.size() : 0);
  return budget.Charge(bytes);
}

bool IsInternal(std::string_view key) {
  for (std::string_view k : kModuleInternals)
    if (k == key) return true;
  return false;
}

const Value* ModuleState(const Value& m) { return m.state; }

bool IsTensorDict(const Value& v) {
  if (v.kind != Kind::kDict) return false;
  for (const auto& [k, val] : v.entries)
    if (!k->IsString() || val->kind != Kind::kTensor) return false;
  return true;
}

// Python dict semantics for a pickled dict: a later SETITEM of a key replaces the value but
// keeps the first position.
// (The same key value set again, as BINGET makes it, is found by address before by text.)
std::vector<std::pair<std::string, const Value*>> StringItems(const Value& dict) {
  std::vector<std::pair<std::string, const Value*>> out;
  std::unordered_map<const Value*, size_t> by_value;
  std::unordered_map<std::string_view, size_t> by_text;
  for (const auto& [k, v] : dict.entries) {
    if (!k->IsString()) continue;
    auto known = by_value.find(k);
    size_t at;
    if (known != by_value.end()) {
      at = known->second;
    } else {
      auto [it, fresh] = by_text.emplace(k->text, out.size());
      if (fresh) out.emplace_back(k->text, v);
      at = it->second;
      by_value.emplace(k, at);
    }
    out[at].second = v;
  }
  return out;
}

Status AddTensor(const std::string& name, const Value& v, TensorBinder& binder,
                 pickle::Budget& budget, Checkpoint& out) {
  PT2TF_RETURN_IF_ERROR(budget.Charge(sizeof(NamedTensor) + 2 * name.size()));
  Result<Tensor> t = binder.Bind(v);
  if (!t.ok()) return t.status().WithContext(name);
  out.tensors.push_back({name, std::move(t).value()});
  return OkStatus();
}

// nn.Module.state_dict(): own parameters, persistent buffers, then children, recursively.
Status WalkStateDict(const Value& module, const std::string& prefix, int depth_left,
                     pickle::Budget& budget, TensorBinder& binder, Checkpoint& out) {
  if (depth_left <= 0) return InvalidInput("modules nest too deeply (or form a cycle)");
  const Value* state = ModuleState(module);
  Status charged = ChargeDictWalk(*state, budget);
  if (!charged.ok()) return charged.WithContext("module tree (shared sub-modules?)");
  std::unordered_set<std::string> non_persistent;
  if (const Value* np = state->Get("_non_persistent_buffers_set"); np && np->kind == Kind::kSet)
    for (const Value* item : np->items)
      if (item->IsString()) non_persistent.insert(item->text);
  for (const char* group : {"_parameters", "_buffers"}) {
    const Value* dict = state->Get(group);
    if (dict == nullptr) continue;
    if (dict->kind != Kind::kDict)
      return InvalidInput(prefix + group + " of " + module.QualifiedName() + " is not a dict");
    bool buffers = std::string_view(group) == "_buffers";
    PT2TF_RETURN_IF_ERROR(ChargeDictWalk(*dict, budget));
    for (const auto& [name, v] : StringItems(*dict)) {
      if (v->kind == Kind::kNone) continue;
      if (buffers && non_persistent.count(name)) continue;
      PT2TF_RETURN_IF_ERROR(AddTensor(prefix + name, *v, binder, budget, out));
    }
  }
  if (const Value* children = state->Get("_modules"); children && children->kind == Kind::kDict) {
    PT2TF_RETURN_IF_ERROR(ChargeDictWalk(*children, budget));
    for (const auto& [name, child] : StringItems(*children)) {
      if (child->kind == Kind::kNone) continue;
      if (!IsModuleObject(*child))
        return InvalidInput("child " + prefix + name + " is not a module");
      // The prefixes of the whole chain are alive at once: a long name reused at every level
      // would otherwise cost depth^2 bytes.
      PT2TF_RETURN_IF_ERROR(budget.Charge(prefix.size() + name.size() + 1));
      PT2TF_RETURN_IF_ERROR(
          WalkStateDict(*child, prefix + name + ".", depth_left - 1, budget, binder, out));
    }
  }
  return OkStatus();
}

// named_modules(): pre-order, each module object once.
void CollectModules(const Value& module, const std::string& path, int depth_left,
                    std::unordered_set<const Value*>& seen, JsonBudget& budget,
                    std::vector<ModuleInfo>& out) {
  if (depth_left <= 0 || !seen.insert(&module).second || !budget.Take(path.size())) return;
  ModuleInfo info;
  info.path = path;
  info.class_module = module.cls ? module.cls->text : "";
  info.class_name = module.cls ? module.cls->name : "";
  const Value* state = ModuleState(module);
  for (const auto& [key, v] : StringItems(*state))
    if (!IsInternal(key)) info.attributes[key] = ToJson(*v, 16, budget);
  out.push_back(std::move(info));
  const Value* children = state->Get("_modules");
  if (children == nullptr || children->kind != Kind::kDict) return;
  for (const auto& [name, child] : StringItems(*children))
    if (IsModuleObject(*child))
      CollectModules(*child, path.empty() ? name : path + "." + name, depth_left - 1, seen, budget,
                     out);
}

Status FromModule(const Value& module, int max_depth, TensorBinder& binder, pickle::Budget& budget,
                  Checkpoint& out) {
  // The budget bounds the walk of hostile module graphs that share children exponentially.
  PT2TF_RETURN_IF_ERROR(WalkStateDict(module, "", max_depth, budget, binder, out));
  std::unordered_set<const Value*> seen;
  JsonBudget json;
  CollectModules(module, "", max_depth, seen, json, out.modules);
  return OkStatus();
}

Status FromTensorDict(const Value& dict, TensorBinder& binder, pickle::Budget& budget,
                      Checkpoint& out) {
  for (const auto& [name, v] : StringItems(dict))
    PT2TF_RETURN_IF_ERROR(AddTensor(name, *v, binder, budget, out));
  return OkStatus();
}

bool IsCandidate(const Value& v) {
  return IsModuleObject(v) || (IsTensorDict(v) && !v.entries.empty());
}

void FindCandidates(const Value& dict, const std::string& path, int levels,
                    std::vector<std::pair<std::string, const Value*>>& found) {
  for (const auto& [key, v] : StringItems(dict)) {
    std::string name = path.empty() ? key : path + "." + key;
    if (IsCandidate(*v))
      found.emplace_back(name, v);
    else if (levels > 1 && v->kind == Kind::kDict)
      FindCandidates(*v, name, levels - 1, found);
  }
}

std::string Describe(const Value& v) {
  std::string q = v.QualifiedName();
  return q.empty() ? std::string(pickle::KindName(v.kind)) : q;
}

}  // namespace

bool IsModuleObject(const Value& v) {
  return v.kind == Kind::kObject && v.state != nullptr && v.state->kind == Kind::kDict &&
         v.state->Get("_modules") != nullptr && v.state->Get("_parameters") != nullptr;
}

Status ExtractTorchObject(const Value& root, TensorBinder& binder, int max_depth,
                          pickle::Budget& budget, Checkpoint& out) {
  if (IsModuleObject(root)) {
    out.container = "module";
    return FromModule(root, max_depth, binder, budget, out);
  }
  if (IsTensorDict(root)) return FromTensorDict(root, binder, budget, out);
  if (root.kind != Kind::kDict)
    return InvalidInput("no state dict found: the file holds a " + Describe(root));
  std::vector<std::pair<std::string, const Value*>> found;
  FindCandidates(root, "", 2, found);
  if (found.empty()) {
    std::string keys;
    for (const auto& [k, v] : StringItems(root)) keys += (keys.empty() ? "" : ", ") + k;
    return InvalidInput("no state dict found in a dict with keys [" + keys.substr(0, 200) + "]");
  }
  const std::pair<std::string, const Value*>* pick = found.size() == 1 ? &found[0] : nullptr;
  for (std::string_view preferred : {"state_dict", "model_state_dict", "model", "module", "net",
                                     "network", "params", "weights", "ema"}) {
    for (const auto& f : found)
      if (pick == nullptr && f.first == preferred) pick = &f;
  }
  if (pick == nullptr) {
    std::string names;
    for (const auto& f : found) names += (names.empty() ? "" : ", ") + f.first;
    return InvalidInput("several state dicts found (" + names + "); cannot tell which to use");
  }
  out.container = pick->first;
  if (IsModuleObject(*pick->second))
    return FromModule(*pick->second, max_depth, binder, budget, out);
  return FromTensorDict(*pick->second, binder, budget, out);
}

nlohmann::ordered_json ValueToJson(const Value& v, int depth_left) {
  JsonBudget budget;
  budget.nodes = 100'000;
  return ToJson(v, depth_left, budget);
}

namespace {
nlohmann::ordered_json ToJson(const Value& v, int depth_left, JsonBudget& budget) {
  using J = nlohmann::ordered_json;
  if (depth_left <= 0 || !budget.Take(v.text.size() + v.name.size())) return "...";
  switch (v.kind) {
    case Kind::kNone:
      return nullptr;
    case Kind::kBool:
      return v.b;
    case Kind::kInt:
      return v.i;
    case Kind::kBigInt:
      return "<int of " + std::to_string(v.text.size()) + " bytes>";
    case Kind::kFloat:
      return v.f;
    case Kind::kString:
      return v.text;
    case Kind::kBytes:
      return J{{"bytes", v.text.size()}};
    case Kind::kTuple:
    case Kind::kList:
    case Kind::kSet: {
      J a = J::array();
      for (const Value* item : v.items) {
        a.push_back(ToJson(*item, depth_left - 1, budget));
        if (budget.exhausted()) break;  // the last element already reads "..."
      }
      return a;
    }
    case Kind::kDict: {
      bool string_keys = true;
      for (const auto& [k, val] : v.entries) string_keys = string_keys && k->IsString();
      if (string_keys) {
        J o = J::object();
        for (const auto& [k, val] : StringItems(v)) {
          o[k] = ToJson(*val, depth_left - 1, budget);
          if (budget.exhausted()) break;
        }
        return o;
      }
      J a = J::array();
      for (const auto& [k, val] : v.entries)
        a.push_back(
            J::array({ToJson(*k, depth_left - 1, budget), ToJson(*val, depth_left - 1, budget)}));
      return a;
    }
    case Kind::kGlobal:
      return v.QualifiedName();
    case Kind::kObject: {
      J o = J::object();
      o["class"] = v.QualifiedName();
      if (IsModuleObject(v)) return o;  // a module held as a plain attribute: name it only
      if (!v.items.empty()) {
        J args = J::array();
        for (const Value* item : v.items) {
          args.push_back(ToJson(*item, depth_left - 1, budget));
          if (budget.exhausted()) break;
        }
        o["args"] = std::move(args);
      }
      if (v.state != nullptr) o["state"] = ToJson(*v.state, depth_left - 1, budget);
      return o;
    }
    case Kind::kStorage:
      return J{{"storage", v.storage->key}};
    case Kind::kTensor: {
      J shape = J::array();
      for (int64_t d : v.tensor->shape) shape.push_back(d);
      return J{{"tensor", J{{"dtype", std::string(TorchName(v.tensor->dtype))}, {"shape", shape}}}};
    }
  }
  return nullptr;
}
}  // namespace

}  // namespace pt2tf
