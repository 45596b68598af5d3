// In-place ATen ops and the names that share their storage.
//
// torch.export keeps in-place ops (relu_, add_, mul_, ...) in its graphs. The importer builds
// them as their functional form, which is exact as long as nothing reads the old storage
// under another name afterwards: make_fx routes later reads of the written tensor through the
// op's output, but a *view* of it (or the base of a written view) keeps its own name, and in
// PyTorch it sees the write:
//   slice_1 = slice(mul, 1, 0, 2);  mul_ = mul_(slice_1, 2);  add = add(mul, 1)   # mul changed
// InPlaceWrites follows which names alias which (view ops give their output the root of their
// input) and refuses an in-place write when another name of the same storage is read after
// it, instead of converting to different numbers. fill_ / zero_ through a chain of slice /
// select views write back to the chain's base and rebuild its slice / select views
// (ops/inplace.cpp): those names are exempt, any other alias read later is refused too.
// detach_ and dropout_ (eval) change no values.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "pt2/program.h"
#include "pt2tf/status.h"

namespace pt2tf::pt2 {

class InPlaceWrites {
 public:
  // `nodes` is one graph's node list; `read_at_end` the names its caller reads afterwards
  // (the program's outputs, or a branch's).
  InPlaceWrites(const std::vector<Node>& nodes, const std::vector<std::string>& read_at_end);

  // Before node `i` is imported: an error when it writes in place into storage that another
  // name reads later.
  Status Check(size_t i) const;
  // After node `i` is imported: its outputs join the alias set of their view input. Returns
  // the name of the tensor node `i` wrote in place (its later reads take the op's output),
  // or an empty string.
  std::string Record(size_t i);

 private:
  const std::string& Root(const std::string& name) const;
  // The top of `name`'s chain of slice / select views (`name` itself when it is none).
  const std::string& SliceBase(const std::string& name) const;

  const std::vector<Node>& nodes_;
  std::map<std::string, size_t> last_read_;               // name → index of its last reader
  std::map<std::string, std::string> root_;               // view → the name it aliases
  std::map<std::string, std::set<std::string>> members_;  // root → every view of it
  std::map<std::string, std::string> slice_parent_;       // slice / select → its input
};

}  // namespace pt2tf::pt2
