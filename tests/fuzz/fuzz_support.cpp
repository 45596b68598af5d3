#include "fuzz_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "pt2tf/hash.h"
#include "pt2tf/io/checkpoint.h"
#include "pt2tf/text.h"

namespace pt2tf::fuzz {

namespace {

// Removes the directory when the process exits normally (a crash leaves it in /dev/shm).
struct Scratch {
  std::string dir;
  Scratch() {
    std::error_code ec;
    std::string base = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
    dir = base + "/pt2tf_fuzz_XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) std::abort();
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace

const std::string& ScratchDir() {
  static const Scratch scratch;
  return scratch.dir;
}

std::string WriteScratch(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = ScratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
  return path;
}

void FuzzCheckpoint(const uint8_t* data, size_t size, const std::string& file_name) {
  std::string path = WriteScratch(file_name, data, size);
  Result<Checkpoint> c = LoadCheckpoint(path);
  if (!c.ok()) {
    (void)TerminalText(c.status().message());
    return;
  }
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const NamedTensor& t : c->tensors) {
    Result<std::string> hash = Sha256Hex(t.tensor);
    tensors.push_back({{"name", t.name},
                       {"shape", t.tensor.shape()},
                       {"nbytes", t.tensor.nbytes()},
                       {"sha256", hash.ok() ? *hash : ""}});
    (void)TerminalText(t.name);
  }
  nlohmann::ordered_json modules = nlohmann::ordered_json::array();
  for (const ModuleInfo& m : c->modules) {
    modules.push_back({{"path", m.path}, {"attributes", m.attributes}});
    (void)TerminalText(m.path + " " + m.class_module + "." + m.class_name + JsonDump(m.attributes));
  }
  (void)JsonDump(nlohmann::ordered_json{
      {"tensors", tensors}, {"modules", modules}, {"metadata", c->metadata}});
}

}  // namespace pt2tf::fuzz
