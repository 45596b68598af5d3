// Shape rules for matrix products: Gemm, MatMul (numpy semantics), Einsum (ONNX opset 21).
#include <algorithm>
#include <map>
#include <string>

#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {
namespace {

bool DimsDiffer(int64_t a, int64_t b) { return a >= 0 && b >= 0 && a != b; }

}  // namespace

Status InferGemm(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 3));
  auto a = ctx.shape(0), b = ctx.shape(1);
  if (!a || !b) {
    ctx.SetOutput(0, ctx.dtype(0), Dims{kUnknownDim, kUnknownDim});
    return OkStatus();
  }
  if (a->size() != 2 || b->size() != 2)
    return ctx.Error("A " + DimsToString(*a) + " and B " + DimsToString(*b) + " must be 2-D");
  const bool ta = ctx.node().GetInt("transA", 0) != 0, tb = ctx.node().GetInt("transB", 0) != 0;
  const int64_t m = ta ? (*a)[1] : (*a)[0], k = ta ? (*a)[0] : (*a)[1];
  const int64_t k2 = tb ? (*b)[1] : (*b)[0], n = tb ? (*b)[0] : (*b)[1];
  if (DimsDiffer(k, k2))
    return ctx.Error("A " + DimsToString(*a) + (ta ? " (transposed)" : "") + " has " +
                     std::to_string(k) + " columns but B " + DimsToString(*b) +
                     (tb ? " (transposed)" : "") + " has " + std::to_string(k2) + " rows");
  const Dims out = {m, n};
  if (auto c = ctx.shape(2)) {
    Dims bc;
    PT2TF_RETURN_IF_ERROR(Broadcast(ctx, out, *c, bc));
    if (bc.size() != 2 || DimsDiffer(bc[0], m) || DimsDiffer(bc[1], n))
      return ctx.Error("C " + DimsToString(*c) + " does not broadcast to " + DimsToString(out));
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferMatMul(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  if (ctx.dtype(0) != ctx.dtype(1))
    return ctx.Error("input dtypes differ (" + std::string(TorchName(ctx.dtype(0))) + " vs " +
                     std::string(TorchName(ctx.dtype(1))) + ")");
  auto a = ctx.shape(0), b = ctx.shape(1);
  if (!a || !b) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  if (a->empty() || b->empty()) return ctx.Error("inputs must not be scalars");
  Dims a2 = *a, b2 = *b;
  if (a2.size() == 1) a2.insert(a2.begin(), 1);
  if (b2.size() == 1) b2.push_back(1);
  const int64_t k = a2.back(), k2 = b2[b2.size() - 2];
  if (DimsDiffer(k, k2))
    return ctx.Error("cannot multiply " + DimsToString(*a) + " by " + DimsToString(*b) +
                     ": inner dims " + std::to_string(k) + " and " + std::to_string(k2) +
                     " differ");
  Dims batch;
  PT2TF_RETURN_IF_ERROR(
      Broadcast(ctx, Dims(a2.begin(), a2.end() - 2), Dims(b2.begin(), b2.end() - 2), batch));
  Dims out = batch;
  if (a->size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b->size() > 1) out.push_back(b2.back());
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

namespace {

struct EinsumTerm {
  std::string letters;  // one char per labelled dim; '.' marks where the ellipsis sits
  bool has_ellipsis = false;
};

Status ParseTerm(const InferContext& ctx, const std::string& text, EinsumTerm& term) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (term.has_ellipsis || text.compare(i, 3, "...") != 0)
        return ctx.Error("malformed equation term '" + text + "'");
      term.has_ellipsis = true;
      term.letters += '.';
      i += 2;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      term.letters += c;
    } else {
      return ctx.Error("malformed equation term '" + text + "'");
    }
  }
  return OkStatus();
}

}  // namespace

Status InferEinsum(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, SIZE_MAX));
  const std::string eq = ctx.node().GetString("equation", "");
  if (eq.empty()) return ctx.Error("missing string attribute 'equation'");
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<EinsumTerm> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    EinsumTerm t;
    PT2TF_RETURN_IF_ERROR(ParseTerm(ctx, lhs.substr(start, comma - start), t));
    terms.push_back(t);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != ctx.num_inputs())
    return ctx.Error("equation '" + eq + "' has " + std::to_string(terms.size()) + " terms for " +
                     std::to_string(ctx.num_inputs()) + " inputs");
  std::map<char, int64_t> size;
  std::map<char, int> count;
  Dims ellipsis;
  bool all_known = true;
  for (size_t i = 0; i < terms.size(); ++i) {
    auto s = ctx.shape(i);
    for (char c : terms[i].letters)
      if (c != '.') ++count[c];
    if (!s) {
      all_known = false;
      continue;
    }
    const size_t labelled = terms[i].letters.size() - (terms[i].has_ellipsis ? 1 : 0);
    if (s->size() < labelled || (!terms[i].has_ellipsis && s->size() != labelled))
      return ctx.Error("input " + std::to_string(i) + " " + DimsToString(*s) +
                       " does not fit term '" + terms[i].letters + "'");
    const size_t ell_rank = s->size() - labelled;
    size_t d = 0;
    for (char c : terms[i].letters) {
      if (c == '.') {
        Dims part(s->begin() + d, s->begin() + d + ell_rank), merged;
        PT2TF_RETURN_IF_ERROR(Broadcast(ctx, ellipsis, part, merged));
        ellipsis = merged;
        d += ell_rank;
        continue;
      }
      const int64_t v = (*s)[d++];
      auto it = size.find(c);
      if (it == size.end() || it->second < 0) {
        size[c] = v;
      } else if (v >= 0 && v != it->second && v != 1 && it->second != 1) {
        return ctx.Error("label '" + std::string(1, c) + "' has sizes " +
                         std::to_string(it->second) + " and " + std::to_string(v));
      } else if (it->second == 1) {
        it->second = v;
      }
    }
  }
  std::string out_letters;
  if (arrow != std::string::npos) {
    EinsumTerm out;
    PT2TF_RETURN_IF_ERROR(ParseTerm(ctx, eq.substr(arrow + 2), out));
    out_letters = out.letters;
  } else {  // implicit output: ellipsis, then labels seen once, alphabetically
    bool any_ellipsis = false;
    for (const auto& t : terms) any_ellipsis |= t.has_ellipsis;
    if (any_ellipsis) out_letters += '.';
    for (const auto& [c, n] : count)
      if (n == 1) out_letters += c;
  }
  if (!all_known) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  Dims result;
  for (char c : out_letters) {
    if (c == '.') {
      result.insert(result.end(), ellipsis.begin(), ellipsis.end());
    } else if (!size.count(c)) {
      return ctx.Error("output label '" + std::string(1, c) + "' appears in no input");
    } else {
      result.push_back(size[c]);
    }
  }
  ctx.SetOutput(0, ctx.dtype(0), result);
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
