#include "cli/command.h"

namespace pt2tf::cli {

Command AddModelsCommand(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("models", "(not implemented yet)");
  return {app, [] { return ReportError(Unsupported("'models' is not implemented yet")); }};
}

}  // namespace pt2tf::cli
