// TorchScript archives (torch.jit.save): tensors by attribute path, named as the scripted
// module's state_dict() names them. Which attributes are parameters or buffers is declared in
// the archive's code/ files (`__parameters__ = [...]`, `__buffers__ = [...]`).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/pickle.h"
#include "io/torch_pickle.h"
#include "pt2tf/io/checkpoint.h"
#include "pt2tf/io/zip.h"

namespace pt2tf {

struct ScriptClass {
  bool is_module = false;
  std::set<std::string> parameters;
  std::set<std::string> buffers;
};
// Qualified class name ("__torch__.torch.nn.modules.conv.Conv2d") -> declaration.
using ScriptClasses = std::map<std::string, ScriptClass>;

// Reads the class declarations of every code/**.py file of the archive.
Result<ScriptClasses> ReadScriptClasses(const ZipArchive& zip);

// Fills out.tensors from data.pkl's module objects: per module its parameters, then its
// buffers (both in attribute order, None skipped), then its child modules.
Status ExtractTorchScript(const pickle::Value& root, const ScriptClasses& classes,
                          TensorBinder& binder, int max_depth, pickle::Budget& budget,
                          Checkpoint& out);

}  // namespace pt2tf
