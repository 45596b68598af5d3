#include "cli/command.h"

namespace pt2tf::cli {

Command AddInspectCommand(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("inspect", "(not implemented yet)");
  return {app, [] { return ReportError(Unsupported("'inspect' is not implemented yet")); }};
}

}  // namespace pt2tf::cli
