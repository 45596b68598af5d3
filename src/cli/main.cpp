// pt2tf: flags → options → library call → diagnostics. No conversion logic lives here.
#include <iostream>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "cli/command.h"
#include "pt2tf/ir/runner.h"
#include "pt2tf/text.h"

namespace pt2tf::cli {

int ReportError(const Status& status) {
  std::string message = status.message();
  for (char& c : message)
    if (c == '\n') c = ' ';  // one line, always
  std::cerr << "pt2tf: error: " << pt2tf::TerminalText(message) << "\n";
  return status.kind() == ErrorKind::kUsage ? kExitUsage : kExitFailure;
}

}  // namespace pt2tf::cli

int main(int argc, char** argv) {
  using namespace pt2tf::cli;
  // protobuf logs a line to stderr for a string field that is not valid UTF-8 (proto3
  // always, proto2 in builds without NDEBUG, e.g. the sanitizer build) and for other
  // oddities of a file; the parse outcome is reported as our one-line error instead.
  // Process-wide and set once here, as protobuf asks (not from library code).
  google::protobuf::SetLogHandler(nullptr);
  pt2tf::ir::run::ParkBlasThreads();
  CLI::App app{
      "pt2tf: convert PyTorch checkpoints to ONNX and TensorFlow, natively.\n"
      "Exit codes: 0 success, 1 the input could not be read or converted, 2 usage error."};
  app.name("pt2tf");
  app.set_version_flag("--version", "pt2tf 0.1.0");
  app.require_subcommand(1);
  const std::vector<Command> commands = {
      AddInspectCommand(app), AddConvertCommand(app),   AddModelsCommand(app),
      AddRunCommand(app),     AddCalibrateCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11's own report is two lines; errors here are one.
    return ReportError(pt2tf::UsageError(std::string(e.what()) + " (see --help)"));
  }
  for (const Command& command : commands)
    if (command.app->parsed()) return command.run();
  return kExitUsage;
}
