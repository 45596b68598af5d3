#include "tf/layout.h"

#include <numeric>

namespace pt2tf::tf {

Perm ChannelsLast(int64_t rank) {
  Perm p;
  if (rank < 3) {
    for (int64_t i = 0; i < rank; ++i) p.push_back(i);
    return p;
  }
  p.push_back(0);
  for (int64_t i = 2; i < rank; ++i) p.push_back(i);
  p.push_back(1);
  return p;
}

bool IsIdentity(const Perm& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

Perm Normalize(const Perm& perm, int64_t rank) {
  if (!perm.empty()) return perm;
  Perm p(rank);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

Perm Inverse(const Perm& perm) {
  Perm inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return inv;
}

ir::Dims Permute(const ir::Dims& dims, const Perm& perm) {
  if (perm.empty()) return dims;
  ir::Dims out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = dims[perm[i]];
  return out;
}

Perm Relative(const Perm& from, const Perm& to, int64_t rank) {
  // x.permute(from)'s dim k is x's dim from[k]; we want dim j of the result to be x's dim
  // to[j], which sits at position inverse(from)[to[j]].
  Perm f = Inverse(Normalize(from, rank)), t = Normalize(to, rank);
  Perm q(rank);
  for (int64_t j = 0; j < rank; ++j) q[j] = f[t[j]];
  return q;
}

int64_t TfAxis(const Perm& perm, int64_t axis) {
  if (perm.empty()) return axis;
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] == axis) return static_cast<int64_t>(i);
  return axis;
}

bool IsPureReshape(const ir::Dims& tf_dims, const Perm& relative) {
  // Order of the non-1 dims must be kept.
  int64_t last = -1;
  for (int64_t src : relative) {
    if (tf_dims[src] == 1) continue;
    if (src < last) return false;
    last = src;
  }
  return true;
}

bool NormalizeAxis(int64_t& axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return false;
  if (axis < 0) axis += rank;
  return true;
}

}  // namespace pt2tf::tf
