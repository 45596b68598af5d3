#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "fuzz_support.h"

// src/cli/main.cpp compiled with -Dmain=pt2tf_cli_main (tests/fuzz/CMakeLists.txt), so the
// targets drive exactly the command line users run.
int pt2tf_cli_main(int argc, char** argv);

namespace pt2tf::fuzz {

int RunCli(const std::vector<std::string>& args) {
  static const int devnull = open("/dev/null", O_WRONLY);
  std::vector<std::string> argv_storage = {"pt2tf"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  int saved = dup(1);
  dup2(devnull, 1);
  int rc = pt2tf_cli_main(static_cast<int>(argv_storage.size()), argv.data());
  std::fflush(stdout);
  dup2(saved, 1);
  close(saved);
  if (rc != 0 && rc != 1 && rc != 2) std::abort();
  return rc;
}

}  // namespace pt2tf::fuzz
