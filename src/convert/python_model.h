// `--model FILE.py:Class`: the one route that runs Python. The user's own model file (never
// anything from the checkpoint) is imported by the user's Python with torch, the class is
// built (`--model-args` JSON as keyword arguments), the state_dict is loaded strictly
// (torch.load(weights_only=True): the checkpoint's pickle cannot name code), and the module
// is captured with torch.export into a temporary .pt2 that the native importer converts.
#pragma once

#include <string>
#include <vector>

#include "pt2tf/convert.h"
#include "pt2tf/status.h"

namespace pt2tf {

// True when `model_name` names a Python file and class ("models/civilnet.py:CivilNet").
bool IsPythonModel(const std::string& model_name);

// The Python to run: options.python, $PT2TF_PYTHON, or $VIRTUAL_ENV/bin/python; an error
// saying so plainly when none is set.
Result<std::string> FindPython(const ConvertOptions& options);

// Exports the model to `pt2_path`; warnings (e.g. ignored keys with --non-strict) are added
// to `warnings`. Errors are one line, naming the model file or the checkpoint.
Status ExportPythonModel(const ConvertOptions& options, const std::string& pt2_path,
                         std::vector<std::string>& warnings);

}  // namespace pt2tf
