// The work of one runner step before it runs (core/work_budget.h): every input element, and
// for the contractions one multiply-add per output element and reduced input element,
// bounded from the inputs (the outputs do not exist yet; they are counted once computed).
#include "core/work_budget.h"
#include "ir/run/kernels.h"

namespace pt2tf::ir::run {
namespace {

uint64_t U(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

uint64_t Dim(const Dims& s, int64_t k) {
  if (k < 0) k += static_cast<int64_t>(s.size());
  return k >= 0 && k < static_cast<int64_t>(s.size()) ? U(s[k]) : 1;
}

uint64_t Extent(const Dims& s, size_t begin, size_t end) {  // saturating product
  uint64_t n = 1;
  for (size_t k = begin; k < end && k < s.size(); ++k) n = SaturatingMul(n, U(s[k]));
  return n;
}

// Conv: N · Cout · (each spatial dim's input size + kernel + pads: an upper bound of the
// output's, whatever the strides) · Cin/groups · kernel size.
uint64_t ConvWork(const Node& node, const Dims& x, const Dims& w) {
  if (x.size() < 3 || w.size() != x.size()) return 0;
  const std::vector<int64_t> pads = node.GetInts("pads");
  uint64_t out = SaturatingMul(U(x[0]), U(w[0]));
  for (size_t d = 2; d < x.size(); ++d) {
    uint64_t extent = U(x[d]) + U(w[d]);
    const size_t k = d - 2, n = x.size() - 2;
    if (pads.size() == 2 * n) extent += U(pads[k]) + U(pads[k + n]);
    out = SaturatingMul(out, extent);
  }
  return SaturatingMul(out, Extent(w, 1, w.size()));
}

}  // namespace

uint64_t WorkOf(const Node& node, const Inputs& in) {
  uint64_t units = 0;
  for (const RunTensor* t : in)
    if (t) units += U(t->numel());
  auto shape = [&](size_t k) { return k < in.size() && in[k] ? in[k]->shape : Dims{}; };
  uint64_t macs = 0;
  const std::string& op = node.op_type;
  if (op == "Conv") {
    macs = ConvWork(node, shape(0), shape(1));
  } else if (op == "ConvTranspose") {  // each input element × W[c] (Cout/groups · kernel)
    const Dims w = shape(1);
    if (!w.empty()) macs = SaturatingMul(U(in[0]->numel()), Extent(w, 1, w.size()));
  } else if (op == "MatMul") {  // batch · M · K · N
    const Dims a = shape(0), b = shape(1);
    const uint64_t batch = std::max(Extent(a, 0, a.size() >= 2 ? a.size() - 2 : 0),
                                    Extent(b, 0, b.size() >= 2 ? b.size() - 2 : 0));
    const uint64_t m = a.size() >= 2 ? Dim(a, -2) : 1, k = Dim(a, -1);
    const uint64_t n = b.size() >= 2 ? Dim(b, -1) : 1;
    macs = SaturatingMul(SaturatingMul(batch, m), SaturatingMul(k, n));
  } else if (op == "Gemm") {  // M · K · N
    const Dims a = shape(0), b = shape(1);
    if (a.size() == 2 && b.size() == 2) {
      const uint64_t n = node.GetInt("transB", 0) ? U(b[0]) : U(b[1]);
      macs = SaturatingMul(Extent(a, 0, 2), n);
    }
  }
  return units + macs;
}

}  // namespace pt2tf::ir::run
