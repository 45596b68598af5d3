// CivilNet: the worked example of a user model (docs/MODELS.md). Copy this file to
// models/<name>.cpp, rename RegisterModel_civilnet to RegisterModel_<name>, rebuild, and
// `pt2tf convert --model <name>` knows your network.
//
// Each C++ line sits beside the PyTorch line it mirrors (examples/civilnet.py). The rules:
//   - a submodule is a member reference initialised with add("<attribute name>", layer);
//     the name is what state_dict() prefixes its weights with ("conv1.weight", "fc3.bias");
//   - layers take torch's positional arguments; keyword arguments go in braces:
//     nn.Conv2d(6, 16, 5, padding=2)  →  nn::Conv2d(6, 16, 5, {.padding = 2});
//   - forward() receives and returns nn::Var (a symbolic tensor); calling a submodule or an
//     F:: function adds ONNX nodes named after the module ("conv1", "fc2").
#include "nn/nn.h"
#include "zoo/spec.h"

namespace {

using namespace pt2tf;
namespace F = nn::F;

// clang-format off
struct CivilNet : nn::Module {                                  // class CivilNet(nn.Module):
  CivilNet() : Module("CivilNet") {}                            //   def __init__(self):
                                                                //     super().__init__()
  nn::Conv2d& conv1 = add("conv1", nn::Conv2d(3, 6, 5));        //     self.conv1 = nn.Conv2d(3, 6, 5)
  nn::MaxPool2d& pool = add("pool", nn::MaxPool2d(2, 2));       //     self.pool = nn.MaxPool2d(2, 2)
  nn::Conv2d& conv2 = add("conv2", nn::Conv2d(6, 16, 5));       //     self.conv2 = nn.Conv2d(6, 16, 5)
  nn::Linear& fc1 = add("fc1", nn::Linear(16 * 5 * 5, 120));    //     self.fc1 = nn.Linear(16 * 5 * 5, 120)
  nn::Linear& fc2 = add("fc2", nn::Linear(120, 84));            //     self.fc2 = nn.Linear(120, 84)
  nn::Linear& fc3 = add("fc3", nn::Linear(84, 10));             //     self.fc3 = nn.Linear(84, 10)
                                                                //
  nn::Var forward(nn::Var x) override {                         //   def forward(self, x):
    x = pool(F::relu(conv1(x)));                                //     x = self.pool(F.relu(self.conv1(x)))
    x = pool(F::relu(conv2(x)));                                //     x = self.pool(F.relu(self.conv2(x)))
    x = F::flatten(x, 1);                                       //     x = torch.flatten(x, 1)
    x = F::relu(fc1(x));                                        //     x = F.relu(self.fc1(x))
    x = F::relu(fc2(x));                                        //     x = F.relu(self.fc2(x))
    x = fc3(x);                                                 //     x = self.fc3(x)
    return x;                                                   //     return x
  }
};
// clang-format on

}  // namespace

// Called by the generated RegisterUserModels(): name, origin, default NCHW input shape, and
// how to construct the module.
void RegisterModel_civilnet(pt2tf::zoo::ModelRegistry& registry) {
  registry.Add(pt2tf::zoo::MakeSpec("civilnet", "models/civilnet.cpp", {1, 3, 32, 32},
                                    [] { return std::make_unique<CivilNet>(); }));
}
