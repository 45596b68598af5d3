// From an unpickled torch object to a Checkpoint's tensors and module tree.
#pragma once

#include <nlohmann/json.hpp>

#include "io/pickle.h"
#include "io/torch_pickle.h"
#include "pt2tf/io/checkpoint.h"

namespace pt2tf {

// Finds the state dict in what torch.save stored and fills out.tensors / out.container
// (and out.modules for a pickled nn.Module). The rule:
//  1. an nn.Module object: its state_dict() (container "module");
//  2. a dict whose values are all tensors: that dict (container "");
//  3. a dict holding exactly one such dict or module, one or two levels down: that one
//     (container = its key path, e.g. "state_dict", "model", "checkpoint.model"); several:
//     the first of state_dict, model_state_dict, model, module, net, network, params,
//     weights, ema, found in that order; else an error listing them.
// Every copy it makes (names, tensors, attribute JSON) is charged to `budget`.
Status ExtractTorchObject(const pickle::Value& root, TensorBinder& binder, int max_depth,
                          pickle::Budget& budget, Checkpoint& out);

// The JSON rendering of a plain attribute value (see ModuleInfo::attributes). Depth beyond
// `depth_left` renders as "...".
nlohmann::ordered_json ValueToJson(const pickle::Value& v, int depth_left);

// Whether `v` is a pickled nn.Module (an object whose state has _modules and _parameters).
bool IsModuleObject(const pickle::Value& v);

}  // namespace pt2tf
