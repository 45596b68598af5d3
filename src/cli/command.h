// The CLI's subcommands. Each lives in its own cmd_*.cpp and registers itself with
// main.cpp's one explicit list. A command returns the process exit code.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "pt2tf/status.h"

namespace pt2tf::cli {

// Exit codes (docs/CLI.md): success, input not convertible, usage error.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

struct Command {
  CLI::App* app;             // the parsed subcommand
  std::function<int()> run;  // runs it after parsing succeeded
};

Command AddInspectCommand(CLI::App& parent);
Command AddConvertCommand(CLI::App& parent);
Command AddModelsCommand(CLI::App& parent);
Command AddRunCommand(CLI::App& parent);
Command AddCalibrateCommand(CLI::App& parent);

// Prints "pt2tf: error: <message>" on one line to stderr; returns the exit code for it.
int ReportError(const Status& status);

}  // namespace pt2tf::cli
