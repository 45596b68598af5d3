#include "cli/command.h"

namespace pt2tf::cli {

Command AddConvertCommand(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("convert", "(not implemented yet)");
  return {app, [] { return ReportError(Unsupported("'convert' is not implemented yet")); }};
}

}  // namespace pt2tf::cli
