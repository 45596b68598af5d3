#include "io/torch_script.h"

#include <algorithm>

namespace pt2tf {
namespace {

using pickle::Kind;
using pickle::Value;

// `  __parameters__ = ["weight", "bias", ]` -> {weight, bias}
std::set<std::string> QuotedNames(std::string_view line) {
  std::set<std::string> names;
  size_t pos = 0;
  while ((pos = line.find('"', pos)) != std::string_view::npos) {
    size_t end = line.find('"', pos + 1);
    if (end == std::string_view::npos) break;
    names.emplace(line.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return names;
}

void ParseClasses(std::string_view module, std::string_view source, ScriptClasses& out) {
  ScriptClass* current = nullptr;
  size_t start = 0;
  while (start < source.size()) {
    size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    std::string_view line = source.substr(start, end - start);
    start = end + 1;
    if (line.substr(0, 6) == "class ") {
      size_t paren = line.find('(');
      size_t colon = line.find(':');
      size_t name_end = std::min(paren, colon);
      if (name_end == std::string_view::npos) continue;
      std::string name = std::string(module) + "." + std::string(line.substr(6, name_end - 6));
      current = &out[name];
      current->is_module = line.find("(Module)") != std::string_view::npos;
    } else if (current != nullptr && line.substr(0, 18) == "  __parameters__ =") {
      current->parameters = QuotedNames(line);
    } else if (current != nullptr && line.substr(0, 15) == "  __buffers__ =") {
      current->buffers = QuotedNames(line);
    } else if (!line.empty() && line[0] != ' ') {
      current = nullptr;  // a top-level def or statement ends the class body
    }
  }
}

// The string attributes of an object's state, each key charged (it is copied per visit).
Result<std::vector<std::pair<std::string, const Value*>>> Attributes(const Value& obj,
                                                                     pickle::Budget& budget) {
  std::vector<std::pair<std::string, const Value*>> out;
  if (obj.state == nullptr || obj.state->kind != Kind::kDict) return out;
  for (const auto& [k, v] : obj.state->entries) {
    if (!k->IsString()) continue;
    Status charged = budget.Charge(64 + k->text.size());
    if (!charged.ok()) return charged.WithContext("module tree (shared sub-modules?)");
    out.emplace_back(k->text, v);
  }
  return out;
}

Status Walk(const Value& obj, const std::string& prefix, const ScriptClasses& classes,
            int depth_left, pickle::Budget& budget, TensorBinder& binder, Checkpoint& out) {
  if (depth_left <= 0) return InvalidInput("modules nest too deeply (or form a cycle)");
  std::string cls = obj.QualifiedName();
  auto it = classes.find(cls);
  if (it == classes.end()) return InvalidInput("no declaration of class " + cls + " in code/");
  const ScriptClass& decl = it->second;
  PT2TF_ASSIGN_OR_RETURN(auto attrs, Attributes(obj, budget));
  for (const std::set<std::string>* group : {&decl.parameters, &decl.buffers}) {
    for (const auto& [name, v] : attrs) {
      if (!group->count(name) || v->kind == Kind::kNone) continue;
      PT2TF_RETURN_IF_ERROR(budget.Charge(sizeof(NamedTensor) + prefix.size() + name.size()));
      Result<Tensor> t = binder.Bind(*v);
      if (!t.ok()) return t.status().WithContext(prefix + name);
      out.tensors.push_back({prefix + name, std::move(t).value()});
    }
  }
  for (const auto& [name, v] : attrs) {
    if (v->kind != Kind::kObject) continue;
    auto child = classes.find(v->QualifiedName());
    if (child == classes.end() || !child->second.is_module) continue;
    PT2TF_RETURN_IF_ERROR(budget.Charge(prefix.size() + name.size() + 1));  // see WalkStateDict
    PT2TF_RETURN_IF_ERROR(
        Walk(*v, prefix + name + ".", classes, depth_left - 1, budget, binder, out));
  }
  return OkStatus();
}

}  // namespace

Result<ScriptClasses> ReadScriptClasses(const ZipArchive& zip) {
  ScriptClasses classes;
  const std::string code_dir = zip.top_folder().empty() ? "code/" : zip.top_folder() + "/code/";
  for (const ZipEntry& e : zip.entries()) {
    if (e.name.rfind(code_dir, 0) != 0 || e.name.size() < 3 ||
        e.name.compare(e.name.size() - 3, 3, ".py") != 0)
      continue;
    PT2TF_ASSIGN_OR_RETURN(std::shared_ptr<const Storage> text, zip.Read(e));
    std::string module = e.name.substr(code_dir.size(), e.name.size() - code_dir.size() - 3);
    std::replace(module.begin(), module.end(), '/', '.');
    ParseClasses(module, {reinterpret_cast<const char*>(text->bytes.data()), text->bytes.size()},
                 classes);
  }
  return classes;
}

Status ExtractTorchScript(const Value& root, const ScriptClasses& classes, TensorBinder& binder,
                          int max_depth, pickle::Budget& budget, Checkpoint& out) {
  if (root.kind != Kind::kObject)
    return InvalidInput("TorchScript data.pkl does not hold a module object");
  out.container = "module";
  return Walk(root, "", classes, max_depth, budget, binder, out);
}

}  // namespace pt2tf
