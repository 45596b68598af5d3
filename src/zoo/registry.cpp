// The one place that lists the model families and the pickled classes that pick them.
#include "pt2tf/zoo/registry.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "zoo/families.h"

namespace pt2tf::zoo {

const ModelRegistry& Registry() {
  static const ModelRegistry registry = [] {
    ModelRegistry r;
    // Built-in families, in `pt2tf models` order.
    RegisterResNet(r);
    RegisterVgg(r);
    RegisterAlexNet(r);
    RegisterSqueezeNet(r);
    RegisterDenseNet(r);
    // zoo-effnet's families.
    RegisterMobileNetV2(r);
    RegisterMobileNetV3(r);
    RegisterEfficientNetPytorch(r);
    RegisterTorchvisionEfficientNet(r);
    // models/*.cpp (generated list).
    RegisterUserModels(r);
    return r;
  }();
  return registry;
}

namespace {

// A pickled root class and how to name the model it holds: either one fixed model name or a
// detector that reads the module tree. A rule without a module part ("CivilNet") matches the
// class from any module (__main__ when saved from a script, the file's name when imported).
struct DetectRule {
  std::string_view class_path;
  std::string_view model;  // fixed answer when non-empty
  Detector detect = nullptr;
};

constexpr DetectRule kDetectRules[] = {
    {"CivilNet", "civilnet"},
    {"torchvision.models.resnet.ResNet", "", DetectResNet},
    {"torchvision.models.vgg.VGG", "", DetectVgg},
    {"torchvision.models.alexnet.AlexNet", "alexnet"},
    {"torchvision.models.squeezenet.SqueezeNet", "", DetectSqueezeNet},
    {"torchvision.models.densenet.DenseNet", "", DetectDenseNet},
    // zoo-effnet's classes.
    {"torchvision.models.mobilenetv2.MobileNetV2", "", DetectMobileNetV2},
    {"torchvision.models.mobilenetv3.MobileNetV3", "", DetectMobileNetV3},
    {"efficientnet_pytorch.model.EfficientNet", "", DetectEfficientNetPytorch},
    {"torchvision.models.efficientnet.EfficientNet", "", DetectTorchvisionEfficientNet},
};

bool RuleMatches(std::string_view rule, const ModuleInfo& m) {
  if (rule.find('.') == std::string_view::npos) return rule == m.class_name;
  return rule == m.class_module + "." + m.class_name;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

void ModelRegistry::Add(ModelSpec spec) { models_.push_back(std::move(spec)); }

const ModelSpec* ModelRegistry::Find(const std::string& name) const {
  for (const ModelSpec& m : models_)
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> ModelRegistry::Suggest(const std::string& name, size_t limit) const {
  // Close enough to be a typo, or a prefix ("resnet" → resnet18, resnet34 ...).
  const size_t threshold = std::max<size_t>(2, name.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const ModelSpec& m : models_) {
    size_t d = EditDistance(name, m.name);
    bool prefix = !name.empty() && m.name.rfind(name, 0) == 0;
    if (d <= threshold || prefix) scored.emplace_back(prefix ? std::min<size_t>(d, 1) : d, m.name);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> result;
  for (size_t i = 0; i < scored.size() && i < limit; ++i) result.push_back(scored[i].second);
  return result;
}

const ModuleInfo* FindModule(const Checkpoint& checkpoint, const std::string& path) {
  for (const ModuleInfo& m : checkpoint.modules)
    if (m.path == path) return &m;
  return nullptr;
}

int CountNumberedChildren(const Checkpoint& checkpoint, const std::string& path) {
  const std::string prefix = path.empty() ? "" : path + ".";
  int n = 0;
  while (FindModule(checkpoint, prefix + std::to_string(n))) ++n;
  return n;
}

int64_t IntAttribute(const ModuleInfo& module, const std::string& key, int64_t fallback) {
  auto it = module.attributes.find(key);
  if (it == module.attributes.end()) return fallback;
  const auto& v = it->is_array() && !it->empty() ? (*it)[0] : *it;
  return v.is_number_integer() ? v.get<int64_t>() : fallback;
}

Result<std::string> DetectModel(const Checkpoint& checkpoint) {
  const ModuleInfo* root = checkpoint.root_module();
  if (!root)
    return UsageError(checkpoint.path +
                      ": holds a state dict, not a whole pickled model; name the architecture "
                      "with --model (see `pt2tf models`)");
  const std::string class_path = root->class_module + "." + root->class_name;
  for (const DetectRule& rule : kDetectRules) {
    if (!RuleMatches(rule.class_path, *root)) continue;
    if (!rule.model.empty()) return std::string(rule.model);
    Result<std::string> name = rule.detect(checkpoint);
    if (!name.ok()) return name.status().WithContext(checkpoint.path + ": " + class_path);
    return name;
  }
  std::string names;
  for (const ModelSpec& m : Registry().models()) names += (names.empty() ? "" : ", ") + m.name;
  return Unsupported(checkpoint.path + ": the pickled model class " + class_path +
                     " is not one pt2tf knows; pass --model with one of `pt2tf models`: " + names);
}

}  // namespace pt2tf::zoo
