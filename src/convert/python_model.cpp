#include "convert/python_model.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace pt2tf {
namespace {

// Run as `python -c <this> ARGS`. Every failure is one line "PT2TF_ERROR: ..." on stderr and
// exit status 3; a warning is a "PT2TF_WARNING: ..." line.
constexpr const char* kHelper = R"PY(
import importlib.util, json, sys

def fail(msg):
    sys.stderr.write("PT2TF_ERROR: " + " ".join(str(msg).split()) + "\n")
    sys.exit(3)

def main(model_file, class_name, args_json, checkpoint, shape_text, batch, strict, out):
    try:
        import torch
    except ImportError:
        fail(sys.executable + " cannot import torch (the Python model route needs PyTorch)")
    spec = importlib.util.spec_from_file_location("pt2tf_user_model", model_file)
    if spec is None:
        fail(model_file + ": not an importable Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        fail(f"{model_file}: import failed: {type(e).__name__}: {e}")
    cls = getattr(module, class_name, None)
    if cls is None:
        fail(f"{model_file} defines no {class_name}")
    try:
        kwargs = json.loads(args_json) if args_json else {}
    except ValueError as e:
        fail(f"--model-args is not JSON: {e}")
    if not isinstance(kwargs, dict):
        fail("--model-args must be a JSON object of keyword arguments")
    try:
        model = cls(**kwargs)
    except Exception as e:
        fail(f"{class_name}(**{kwargs}) failed: {type(e).__name__}: {e}")
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as e:
        fail(f"{checkpoint}: not a state_dict torch.load(weights_only=True) accepts: {type(e).__name__}: {e}")
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        fail(f"{checkpoint}: not a state_dict of tensors")
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [f"{k} (expected {'x'.join(map(str, own[k].shape))}, found {'x'.join(map(str, state[k].shape))})"
                  for k in own if k in state and own[k].shape != state[k].shape]
    problems = []
    if missing:
        problems.append("missing keys: " + ", ".join(missing))
    if unexpected:
        if strict == "1":
            problems.append("unexpected keys: " + ", ".join(unexpected))
        else:
            sys.stderr.write("PT2TF_WARNING: unexpected keys: " + ", ".join(unexpected) + " (ignored: --non-strict)\n")
    if mismatched:
        problems.append("shape mismatches: " + ", ".join(mismatched))
    if problems:
        fail(f"{checkpoint}: checkpoint does not match {class_name}: " + "; ".join(problems))
    model.load_state_dict({k: v for k, v in state.items() if k in own}, strict=True)
    model.eval()
    if shape_text:
        dims = [int(d) for d in shape_text.split("x")]
    else:
        dims = getattr(cls, "input_shape", None) or getattr(module, "INPUT_SHAPE", None)
        if dims is None:
            fail(f"{model_file}: no input shape: pass --input-shape or define INPUT_SHAPE")

    dims = [int(d) for d in dims]
    dynamic_shapes = None
    if batch == "dynamic":
        # torch.export specialises a dim whose example size is 1: export at batch 2.
        dims[0] = max(dims[0], 2)
        dynamic_shapes = ({0: torch.export.Dim("batch")},)
    elif batch:
        dims[0] = int(batch)

    class Named(torch.nn.Module):  # the graph input is called "input", as on the C++ route
        def __init__(self, inner):
            super().__init__()
            self.inner = inner
        def forward(self, input):
            return self.inner(input)

    try:
        with torch.no_grad():
            program = torch.export.export(Named(model), (torch.zeros(*dims),),
                                          dynamic_shapes=dynamic_shapes)
        torch.export.save(program, out)
    except Exception as e:
        fail(f"torch.export of {class_name} failed: {type(e).__name__}: {e}")

main(*sys.argv[1:])
)PY";

std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

bool IsPythonModel(const std::string& model_name) {
  const size_t colon = model_name.rfind(':');
  return colon != std::string::npos && colon >= 3 && model_name.compare(colon - 3, 3, ".py") == 0 &&
         colon + 1 < model_name.size();
}

Result<std::string> FindPython(const ConvertOptions& options) {
  if (!options.python.empty()) return options.python;
  if (std::string env = GetEnv("PT2TF_PYTHON"); !env.empty()) return env;
  if (std::string venv = GetEnv("VIRTUAL_ENV"); !venv.empty()) return venv + "/bin/python";
  return UsageError(
      "--model " + options.model_name +
      " runs your Python model file and needs a Python with torch: pass --python PATH, set "
      "PT2TF_PYTHON, or activate a virtualenv (none of them is set)");
}

Status ExportPythonModel(const ConvertOptions& options, const std::string& pt2_path,
                         std::vector<std::string>& warnings) {
  const size_t colon = options.model_name.rfind(':');
  const std::string file = options.model_name.substr(0, colon);
  const std::string cls = options.model_name.substr(colon + 1);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return UsageError("--model " + options.model_name + ": no such file " + file);
  PT2TF_ASSIGN_OR_RETURN(std::string python, FindPython(options));
  std::string shape;
  if (options.input_shape)
    for (size_t i = 0; i < options.input_shape->size(); ++i)
      shape += (i ? "x" : "") + std::to_string((*options.input_shape)[i]);
  std::vector<std::string> args = {python,
                                   "-c",
                                   kHelper,
                                   file,
                                   cls,
                                   options.model_args,
                                   options.input_path,
                                   shape,
                                   options.dynamic_batch ? "dynamic"
                                   : options.batch       ? std::to_string(*options.batch)
                                                         : "",
                                   options.strict ? "1" : "0",
                                   pt2_path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int err_pipe[2];
  if (::pipe(err_pipe) != 0) return IoError("cannot create a pipe for " + python);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(err_pipe[0]);
    return UsageError("cannot run Python " + python + " (" + std::strerror(rc) +
                      "): pass --python PATH or set PT2TF_PYTHON");
  }
  std::string err;
  char buf[4096];
  for (ssize_t n; (n = ::read(err_pipe[0], buf, sizeof buf)) > 0;)
    if (err.size() < (1u << 20)) err.append(buf, static_cast<size_t>(n));
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string error_line;
  size_t at = 0;
  while (at < err.size()) {
    size_t end = err.find('\n', at);
    if (end == std::string::npos) end = err.size();
    const std::string line = err.substr(at, end - at);
    if (line.rfind("PT2TF_ERROR: ", 0) == 0) error_line = line.substr(13);
    if (line.rfind("PT2TF_WARNING: ", 0) == 0) warnings.push_back(line.substr(15));
    at = end + 1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OkStatus();
  if (!error_line.empty()) return InvalidInput(error_line);
  // Python itself failed (not our helper's report): its last stderr line says why.
  std::string last;
  for (size_t s = 0, e; s < err.size(); s = e + 1) {
    e = err.find('\n', s);
    if (e == std::string::npos) e = err.size();
    if (e > s) last = err.substr(s, e - s);
  }
  return InvalidInput("Python model export with " + python + " failed" +
                      (last.empty() ? "" : ": " + last));
}

}  // namespace pt2tf
