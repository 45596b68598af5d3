// Placeholders for the families the zoo-effnet branch writes (EfficientNet, MobileNet).
// That branch deletes this file when its real definitions land.
#include "zoo/families.h"

namespace pt2tf::zoo {
namespace {
Result<std::string> Pending(const Checkpoint& checkpoint) {
  const ModuleInfo* root = checkpoint.root_module();
  return Unsupported("whole-model pickles of " +
                     (root ? root->class_module + "." + root->class_name : std::string("?")) +
                     " are not supported yet");
}
}  // namespace

void RegisterEfficientNetPytorch(ModelRegistry&) {}
void RegisterTorchvisionEfficientNet(ModelRegistry&) {}
void RegisterMobileNetV2(ModelRegistry&) {}
void RegisterMobileNetV3(ModelRegistry&) {}

Result<std::string> DetectEfficientNetPytorch(const Checkpoint& c) {
  return Pending(c);
}
Result<std::string> DetectTorchvisionEfficientNet(const Checkpoint& c) {
  return Pending(c);
}
Result<std::string> DetectMobileNetV2(const Checkpoint& c) {
  return Pending(c);
}
Result<std::string> DetectMobileNetV3(const Checkpoint& c) {
  return Pending(c);
}

}  // namespace pt2tf::zoo
