// MatMul (numpy semantics, batch broadcast) and Gemm, on OpenBLAS's sgemm.
#include <cblas.h>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {

void SetBlasThreads(int threads) {
  if (threads > 0) openblas_set_num_threads(threads);
}

// OpenBLAS (pthreads build) starts its worker threads when the library is loaded, and each
// spins on sched_yield for ~0.1 s before it sleeps: a whole core of CPU on every run, though
// most runs never multiply a matrix. blas_thread_shutdown_ is exported by OpenBLAS (it is
// what its fork handler calls) and the next sgemm starts the pool again. Weak, so any other
// BLAS links and this does nothing.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

void ParkBlasThreads() {
  if (blas_thread_shutdown_ != nullptr) blas_thread_shutdown_();
}

void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // BLAS leaves C untouched for k == 0 only when beta == 1
    for (int64_t r = 0; r < m; ++r)
      for (int64_t q = 0; q < n; ++q) c[r * ldc + q] = beta == 0 ? 0 : beta * c[r * ldc + q];
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

Result<Outputs> RunMatMul(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  PT2TF_RETURN_IF_ERROR(NeedFloat(node, in, 1));
  const RunTensor& a = *in[0];
  const RunTensor& b = *in[1];
  if (a.shape.empty() || b.shape.empty())
    return InvalidInput(node.Describe() + ": MatMul of a scalar");
  // numpy: a 1-D operand gets a unit dim prepended (a) / appended (b), removed afterwards.
  Dims as = a.shape, bs = b.shape;
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  if (bs[bs.size() - 2] != k)
    return InvalidInput(node.Describe() + ": MatMul of " + ShapeToString(a.shape) + " and " +
                        ShapeToString(b.shape));
  const Dims a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  PT2TF_ASSIGN_OR_RETURN(Dims batch, Broadcast(node, a_batch, b_batch));
  Dims out_shape = batch;
  if (!a_vec) out_shape.push_back(m);
  if (!b_vec) out_shape.push_back(n);
  PT2TF_ASSIGN_OR_RETURN(int64_t total, CheckedNumel(node, out_shape));
  (void)total;
  RunTensor out = RunTensor::Zeros(DType::kFloat32, out_shape);
  const int64_t nb = Prod(batch, 0, batch.size());
  const Dims sa = BroadcastStrides(a_batch, batch), sb = BroadcastStrides(b_batch, batch);
  Dims index(batch.size(), 0);
  for (int64_t bi = 0; bi < nb; ++bi) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < batch.size(); ++d) {
      oa += index[d] * sa[d];
      ob += index[d] * sb[d];
    }
    Sgemm(false, false, m, n, k, 1.0f, a.f.data() + oa * m * k, k, b.f.data() + ob * k * n, n, 0.0f,
          out.f.data() + bi * m * n, n);
    for (size_t d = batch.size(); d-- > 0;) {
      if (++index[d] < batch[d]) break;
      index[d] = 0;
    }
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunGemm(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  PT2TF_RETURN_IF_ERROR(NeedFloat(node, in, 1));
  const RunTensor& a = *in[0];
  const RunTensor& b = *in[1];
  if (a.shape.size() != 2 || b.shape.size() != 2)
    return InvalidInput(node.Describe() + ": Gemm needs 2-D A and B");
  const bool ta = node.GetInt("transA", 0) != 0, tb = node.GetInt("transB", 0) != 0;
  const float alpha = node.GetFloat("alpha", 1.0f), beta = node.GetFloat("beta", 1.0f);
  const int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
  const int64_t n = tb ? b.shape[0] : b.shape[1];
  if ((tb ? b.shape[1] : b.shape[0]) != k)
    return InvalidInput(node.Describe() + ": Gemm of " + ShapeToString(a.shape) + " and " +
                        ShapeToString(b.shape));
  RunTensor out = RunTensor::Zeros(DType::kFloat32, {m, n});
  const RunTensor* c = in.size() > 2 ? in[2] : nullptr;
  float c_beta = 0.0f;
  if (c && beta != 0.0f) {
    if (!c->is_float()) return Unsupported(node.Describe() + ": non-float C");
    PT2TF_ASSIGN_OR_RETURN(Dims bs, Broadcast(node, c->shape, {m, n}));
    if (bs != Dims{m, n})
      return InvalidInput(node.Describe() + ": C " + ShapeToString(c->shape) +
                          " does not broadcast to " + ShapeToString({m, n}));
    const Dims s = BroadcastStrides(c->shape, {m, n});
    for (int64_t r = 0; r < m; ++r)
      for (int64_t q = 0; q < n; ++q) out.f[r * n + q] = c->f[r * s[0] + q * s[1]];
    c_beta = beta;
  }
  Sgemm(ta, tb, m, n, k, alpha, a.f.data(), a.shape[1], b.f.data(), b.shape[1], c_beta,
        out.f.data(), n);
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
