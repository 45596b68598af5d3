// `pt2tf models [--json]`: every architecture the zoo and models/ provide.
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/text_format.h"
#include "pt2tf/tensor.h"
#include "pt2tf/text.h"
#include "pt2tf/zoo/registry.h"

namespace pt2tf::cli {

Command AddModelsCommand(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand(
      "models",
      "List the built-in architectures: name, default input shape, parameter count, "
      "source library");
  auto json = std::make_shared<bool>(false);
  app->add_flag("--json", *json, "Print a JSON array instead of a table");
  return {app, [json] {
            const auto& models = zoo::Registry().models();
            if (*json) {
              nlohmann::ordered_json out = nlohmann::ordered_json::array();
              for (const zoo::ModelSpec& m : models)
                out.push_back({{"name", m.name},
                               {"input_shape", m.default_input_shape},
                               {"parameter_count", m.parameter_count()},
                               {"source", m.source}});
              std::cout << JsonDump(out, 2) << "\n";
              return kExitOk;
            }
            Print("%-20s %-16s %14s  %s\n", "NAME", "INPUT SHAPE", "PARAMETERS", "SOURCE");
            for (const zoo::ModelSpec& m : models)
              Print("%-20s %-16s %14lld  %s\n", m.name.c_str(),
                    ShapeToString(m.default_input_shape).c_str(),
                    static_cast<long long>(m.parameter_count()), m.source.c_str());
            return kExitOk;
          }};
}

}  // namespace pt2tf::cli
