// The model API: a C++ twin of the parts of torch.nn the zoo needs.
//
// A model is a class derived from nn::Module. Its constructor registers submodules,
// parameters and buffers under the names PyTorch's state_dict uses; its `forward` builds IR
// nodes from symbolic tensors (nn::Var). Spellings follow torch (forward, add, relu, cat)
// rather than the house CamelCase, so a PyTorch definition can be copied line for line:
//
//   struct Net : nn::Module {                      //  class Net(nn.Module):
//     nn::Conv2d& conv = add("conv", nn::Conv2d(3, 6, 5));  //  self.conv = nn.Conv2d(3, 6, 5)
//     nn::Var forward(nn::Var x) override {        //  def forward(self, x):
//       return F::relu(conv(x));                   //      return F.relu(self.conv(x))
//     }
//   };
//
// Weights are bound before forward runs (BuildModel, load_state_dict(strict=True) semantics),
// so forward only wires nodes. Errors inside forward are sticky in the Builder: ops on a
// failed builder emit nothing, so model code needs no error plumbing; BuildModel reports the
// first error, prefixed with the module path where it happened.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pt2tf/io/checkpoint.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "pt2tf/zoo/registry.h"

namespace pt2tf::nn {

class Builder;

// A symbolic tensor while forward runs: an IR value plus the builder that owns its graph.
// Shapes are always static: the builder computes the output shape of every op it emits.
struct Var {
  Builder* builder = nullptr;
  ir::Value* value = nullptr;

  const ir::Dims& shape() const { return *value->shape; }
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  // Size of dimension d; negative d counts from the end, as in torch.
  int64_t size(int64_t d) const { return shape()[d < 0 ? d + dim() : d]; }
};

enum class TensorRole {
  kParameter,  // nn.Parameter: counted by parameter_count, bound as an initializer
  kBuffer,     // register_buffer (BN running stats): bound as an initializer, not counted
  kIgnored,    // accepted when present, never required nor used (num_batches_tracked)
};

// One registered parameter or buffer. `value` is the bound initializer once BuildModel ran.
struct Parameter {
  std::string name;  // local name: "weight"
  ir::Dims shape;
  TensorRole role = TensorRole::kParameter;
  ir::Value* value = nullptr;
};

// Graph construction state shared by every module during one forward pass.
class Builder {
 public:
  explicit Builder(ir::Graph& graph) : graph_(graph) {}

  ir::Graph& graph() { return graph_; }
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Records the first error, prefixed with the current module path ("layer1.0.conv1: ...").
  void Fail(Status status);

  // Emits `op_type` in the current scope with one output of `out_shape` (float32 unless
  // given). The first node a module emits is named by its path ("layer1.0.conv1"), further
  // ones "<path>/<OpType>". On a failed builder nothing is emitted and inputs[0] comes back.
  Var Op(const std::string& op_type, std::vector<ir::Value*> inputs, ir::AttributeMap attrs,
         ir::Dims out_shape, DType out_dtype = DType::kFloat32);
  // Owned constant initializers (Reshape shapes, ReduceMean axes, Clip bounds).
  ir::Value* Int64s(const std::vector<int64_t>& values);
  ir::Value* FloatScalar(float value);
  ir::Value* Floats(const std::vector<float>& values, const ir::Dims& shape);

  // The module path nodes are currently named after; ScopeGuard sets it.
  const std::string& scope() const { return scope_; }
  class ScopeGuard {
   public:
    ScopeGuard(Builder& b, const std::string& scope) : b_(b), saved_(b.scope_) { b.scope_ = scope; }
    ~ScopeGuard() { b_.scope_ = saved_; }

   private:
    Builder& b_;
    std::string saved_;
  };

 private:
  ir::Value* AddConstant(Result<Tensor> t);
  ir::Graph& graph_;
  Status status_;
  std::string scope_;
  std::vector<std::string> named_scopes_;  // scopes that already named a node
};

class Module {
 public:
  // `type` is the torch class name ("Conv2d"), used in messages.
  explicit Module(std::string type) : type_(std::move(type)) {}
  virtual ~Module() = default;
  Module(Module&&) = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module& operator=(Module&&) = delete;

  // Builds this module's nodes for input `x`. Called through operator(), which names the
  // nodes after this module's path.
  virtual Var forward(Var x) = 0;
  // Runs forward in this module's scope; on a failed builder returns x untouched.
  Var operator()(Var x);

  const std::string& type() const { return type_; }
  // Qualified name as named_modules() gives it ("layer1.0.conv1"; "" for the root).
  // Set by BuildModel before forward.
  const std::string& path() const { return path_; }

  const std::vector<std::pair<std::string, std::unique_ptr<Module>>>& children() const {
    return children_;
  }
  const std::vector<std::unique_ptr<Parameter>>& tensors() const { return tensors_; }

  // Every registered tensor with its qualified (state_dict) name, in state_dict order:
  // own parameters and buffers first, then each child's, depth first.
  void VisitTensors(const std::function<void(const std::string&, Parameter&)>& fn,
                    const std::string& prefix = "");
  // Sets path() on this module and every descendant.
  void AssignPaths(const std::string& path);

 protected:
  // torch's register_parameter / register_buffer / add_module. Returned references stay
  // valid when the module is moved (everything is heap-held).
  Parameter& register_parameter(std::string name, ir::Dims shape);
  Parameter& register_buffer(std::string name, ir::Dims shape);
  Parameter& register_ignored(std::string name, ir::Dims shape);
  template <typename M>
  M& add(std::string name, M module) {
    auto owned = std::make_unique<M>(std::move(module));
    M& ref = *owned;
    children_.emplace_back(std::move(name), std::move(owned));
    return ref;
  }
  Module& add_module(std::string name, std::unique_ptr<Module> module);

 private:
  std::string type_;
  std::string path_;
  std::vector<std::unique_ptr<Parameter>> tensors_;
  std::vector<std::pair<std::string, std::unique_ptr<Module>>> children_;
};

// sum(p.numel() for p in model.parameters()).
int64_t ParameterCount(Module& model);

// The checkpoint side of a build; `checkpoint == nullptr` is shape-only mode: every
// parameter becomes a placeholder initializer of the right shape (a zero-stride view of one
// zero, no memory per element), for structure and shape tests.
struct BindSource {
  const Checkpoint* checkpoint = nullptr;
  std::string model_name;  // for messages: "checkpoint does not match resnet18: ..."
};

// load_state_dict(strict) + forward: binds every registered tensor to the checkpoint tensor
// of the same qualified name (all problems collected into one error: missing keys,
// unexpected keys unless !options.strict, shape and dtype mismatches), converts float16 /
// bfloat16 / float64 weights to float32, then runs forward on graph input "input" of
// `input_shape` and names the result "output".
Result<zoo::BuildResult> BuildModel(Module& model, const BindSource& source,
                                    const ir::Dims& input_shape, const zoo::BuildOptions& options);

}  // namespace pt2tf::nn
