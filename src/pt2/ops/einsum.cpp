// aten.einsum, decomposed into ReduceSum / Transpose / Reshape / MatMul rather than ONNX
// Einsum: the TFLite writer has no EINSUM, and a MatMul is what every backend runs fastest.
//
// Operands are folded left to right. For a pair (A, B), with `keep` the labels the output or
// a later operand still needs, each label is one of
//   batch    in A, B and keep  → MatMul's (broadcasting) batch dims
//   contract in A and B only   → K
//   a-only / b-only, kept      → M / N
//   in one operand only, not kept → summed away before the product.
// A is laid out [batch, M, K], B [batch, K, N] (a Reshape only when a group is not exactly one
// label, which needs the group's sizes static), and the product [batch, M, N] is reshaped
// back to labelled dims. One operand alone is a ReduceSum and a Transpose.
// "..." expands to labels of its own, right-aligned across operands as torch broadcasts.
// A label repeated inside one operand (a diagonal, "ii->i") is refused.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

using Label = int;  // a letter's char code; ellipsis dims get 256 + k

struct Term {
  ir::Value* value = nullptr;
  std::vector<Label> labels;   // one per dim
  std::vector<int64_t> sizes;  // kUnknownDim for dynamic
};

bool Contains(const std::vector<Label>& v, Label l) {
  return std::find(v.begin(), v.end(), l) != v.end();
}

// Letters of one term, "..." as -1.
Result<std::vector<Label>> ParseTerm(OpCall& c, const std::string& s) {
  std::vector<Label> out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s.compare(i, 3, "...") != 0) return c.Error("malformed equation term '" + s + "'");
      out.push_back(-1);
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(s[i]))) {
      out.push_back(static_cast<unsigned char>(s[i]));
    } else {
      return c.Error("unexpected character in equation term '" + s + "'");
    }
  }
  return out;
}

// Replaces "..." by `count` labels right-aligned within `total` ellipsis labels.
std::vector<Label> ExpandEllipsis(const std::vector<Label>& term, int64_t count, int64_t total) {
  std::vector<Label> out;
  for (Label l : term) {
    if (l != -1) {
      out.push_back(l);
      continue;
    }
    for (int64_t k = total - count; k < total; ++k) out.push_back(256 + static_cast<Label>(k));
  }
  return out;
}

// Sums away the dims of `t` whose labels are not in `keep`.
Term SumAway(ImportContext& ctx, Term t, const std::vector<Label>& keep) {
  std::vector<int64_t> axes;
  Term out;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    if (Contains(keep, t.labels[i])) {
      out.labels.push_back(t.labels[i]);
      out.sizes.push_back(t.sizes[i]);
    } else {
      axes.push_back(static_cast<int64_t>(i));
    }
  }
  out.value = axes.empty() ? t.value
                           : ctx.Op("ReduceSum", {t.value, ctx.ConstInts(axes)},
                                    {{"keepdims", Attribute::Int(0)}});
  return out;
}

// Transposes `t` so its labels follow `order` (a permutation of t's labels).
Term Arrange(ImportContext& ctx, Term t, const std::vector<Label>& order) {
  std::vector<int64_t> perm;
  Term out;
  for (Label l : order) {
    const size_t i = std::find(t.labels.begin(), t.labels.end(), l) - t.labels.begin();
    perm.push_back(static_cast<int64_t>(i));
    out.labels.push_back(l);
    out.sizes.push_back(t.sizes[i]);
  }
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity = identity && perm[i] == static_cast<int64_t>(i);
  out.value =
      identity ? t.value : ctx.Op("Transpose", {t.value}, {{"perm", Attribute::Ints(perm)}});
  return out;
}

int64_t SizeOf(const Term& t, Label l) {
  const size_t i = std::find(t.labels.begin(), t.labels.end(), l) - t.labels.begin();
  return i < t.sizes.size() ? t.sizes[i] : 1;
}

// The product of a group's sizes as one Reshape entry (-1 for the one dynamic group allowed).
Result<int64_t> GroupSize(OpCall& c, const Term& t, const std::vector<Label>& group,
                          bool& used_minus_one) {
  if (group.size() == 1 && SizeOf(t, group[0]) < 0) {
    if (used_minus_one) return c.Error("more than one dynamic dim to merge");
    used_minus_one = true;
    return -1;
  }
  int64_t n = 1;
  for (Label l : group) {
    const int64_t s = SizeOf(t, l);
    if (s < 0) return c.Error("merging a dynamic dim with others");
    n *= s;
  }
  return n;
}

// A·B over their shared labels; the result's labels are [batch, a-only, b-only].
Result<Term> Contract(OpCall& c, Term a, Term b, const std::vector<Label>& keep) {
  ImportContext& ctx = c.ctx();
  std::vector<Label> keep_a = keep, keep_b = keep;
  keep_a.insert(keep_a.end(), b.labels.begin(), b.labels.end());
  keep_b.insert(keep_b.end(), a.labels.begin(), a.labels.end());
  a = SumAway(ctx, a, keep_a);
  b = SumAway(ctx, b, keep_b);
  std::vector<Label> batch, contract, a_only, b_only;
  for (Label l : a.labels) {
    if (!Contains(b.labels, l))
      a_only.push_back(l);
    else if (Contains(keep, l))
      batch.push_back(l);
    else
      contract.push_back(l);
  }
  for (Label l : b.labels)
    if (!Contains(a.labels, l)) b_only.push_back(l);
  for (Label l : contract) {
    const int64_t sa = SizeOf(a, l), sb = SizeOf(b, l);
    if (sa >= 0 && sb >= 0 && sa != sb) return c.Error("a summed dim broadcasts (sizes differ)");
  }
  auto concat = [](std::vector<Label> x, const std::vector<Label>& y, const std::vector<Label>& z) {
    x.insert(x.end(), y.begin(), y.end());
    x.insert(x.end(), z.begin(), z.end());
    return x;
  };
  a = Arrange(ctx, a, concat(batch, a_only, contract));
  b = Arrange(ctx, b, concat(batch, contract, b_only));
  // A Reshape into [batch(0 = keep), M, K] unless the groups are single dims already.
  auto merge = [&](Term& t, const std::vector<Label>& g1, const std::vector<Label>& g2) -> Status {
    if (g1.size() == 1 && g2.size() == 1) return OkStatus();
    std::vector<int64_t> target(batch.size(), 0);
    bool minus_one = false;
    PT2TF_ASSIGN_OR_RETURN(int64_t n1, GroupSize(c, t, g1, minus_one));
    PT2TF_ASSIGN_OR_RETURN(int64_t n2, GroupSize(c, t, g2, minus_one));
    target.push_back(n1);
    target.push_back(n2);
    t.value = ctx.Op("Reshape", {t.value, ctx.ConstInts(target)});
    return OkStatus();
  };
  PT2TF_RETURN_IF_ERROR(merge(a, a_only, contract));
  PT2TF_RETURN_IF_ERROR(merge(b, contract, b_only));
  Term out;
  out.value = ctx.Op("MatMul", {a.value, b.value});
  out.labels = concat(batch, a_only, b_only);
  for (Label l : batch) out.sizes.push_back(std::max(SizeOf(a, l), SizeOf(b, l)));
  for (Label l : a_only) out.sizes.push_back(SizeOf(a, l));
  for (Label l : b_only) out.sizes.push_back(SizeOf(b, l));
  if (a_only.size() != 1 || b_only.size() != 1) {
    std::vector<int64_t> target(batch.size(), 0);
    bool minus_one = false;
    for (Label l : a_only) {
      PT2TF_ASSIGN_OR_RETURN(int64_t n, GroupSize(c, a, {l}, minus_one));
      target.push_back(n);
    }
    for (Label l : b_only) {
      PT2TF_ASSIGN_OR_RETURN(int64_t n, GroupSize(c, b, {l}, minus_one));
      target.push_back(n);
    }
    out.value = ctx.Op("Reshape", {out.value, ctx.ConstInts(target)});
  }
  return out;
}

}  // namespace

Status Einsum(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(std::string equation, c.String("equation"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<ir::Value*> operands, c.Tensors("tensors"));
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<std::vector<Label>> terms;
  for (size_t at = 0;;) {
    const size_t comma = lhs.find(',', at);
    PT2TF_ASSIGN_OR_RETURN(std::vector<Label> t, ParseTerm(c, lhs.substr(at, comma - at)));
    terms.push_back(std::move(t));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  if (terms.size() != operands.size())
    return c.Error("equation '" + equation + "' names " + std::to_string(terms.size()) +
                   " operands, " + std::to_string(operands.size()) + " given");

  // Ellipsis dims per operand, and the widest.
  const Arg* list = c.Find("tensors");
  std::vector<Term> ops(terms.size());
  int64_t ellipsis = 0;
  std::vector<int64_t> counts(terms.size(), 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    if (operands[i] == nullptr) return c.Error("a missing operand");
    const TensorMeta* m = ctx.Meta(list->names[i]);
    if (m == nullptr) return c.Error("no metadata for operand " + std::to_string(i));
    const int64_t named =
        std::count_if(terms[i].begin(), terms[i].end(), [](Label l) { return l != -1; });
    const bool has_ellipsis = Contains(terms[i], -1);
    const int64_t rank = static_cast<int64_t>(m->sizes.size());
    if (has_ellipsis ? rank < named : rank != named)
      return c.Error("operand " + std::to_string(i) + " of rank " + std::to_string(rank) +
                     " does not match its term");
    counts[i] = has_ellipsis ? rank - named : 0;
    ellipsis = std::max(ellipsis, counts[i]);
    ops[i].value = operands[i];
    for (const SymDim& d : m->sizes)
      ops[i].sizes.push_back(d.symbolic() ? ir::kUnknownDim : d.value);
  }
  for (size_t i = 0; i < terms.size(); ++i) {
    ops[i].labels = ExpandEllipsis(terms[i], counts[i], ellipsis);
    std::set<Label> seen(ops[i].labels.begin(), ops[i].labels.end());
    if (seen.size() != ops[i].labels.size())
      return c.Error("a label repeated within one operand (diagonals) in '" + equation + "'");
  }

  // The output labels: given, or (implicit form) the ellipsis then the letters used once,
  // in alphabetical order.
  std::vector<Label> output;
  if (arrow != std::string::npos) {
    PT2TF_ASSIGN_OR_RETURN(std::vector<Label> t, ParseTerm(c, equation.substr(arrow + 2)));
    output = ExpandEllipsis(t, ellipsis, ellipsis);
  } else {
    for (int64_t k = 0; k < ellipsis; ++k) output.push_back(256 + static_cast<Label>(k));
    std::map<Label, int> uses;
    for (const Term& t : ops)
      for (Label l : t.labels)
        if (l < 256) ++uses[l];
    for (const auto& [l, n] : uses)
      if (n == 1) output.push_back(l);
  }
  for (Label l : output) {
    bool found = false;
    for (const Term& t : ops) found = found || Contains(t.labels, l);
    if (!found) return c.Error("output label not in any operand in '" + equation + "'");
  }

  Term acc = ops[0];
  for (size_t i = 1; i < ops.size(); ++i) {
    std::vector<Label> keep = output;
    for (size_t j = i + 1; j < ops.size(); ++j)
      keep.insert(keep.end(), ops[j].labels.begin(), ops[j].labels.end());
    PT2TF_ASSIGN_OR_RETURN(acc, Contract(c, acc, ops[i], keep));
  }
  acc = SumAway(ctx, acc, output);
  acc = Arrange(ctx, acc, output);
  return c.SetOutput(acc.value);
}

}  // namespace pt2tf::pt2::ops
