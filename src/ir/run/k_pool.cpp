// MaxPool, AveragePool (1-D/2-D, ceil_mode, count_include_pad, dilations) and the global
// pools.
#include <algorithm>
#include <limits>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {

Result<Outputs> RunPool(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  if (x.shape.size() < 3) return InvalidInput(node.Describe() + ": input rank below 3");
  const Dims kernel = node.GetInts("kernel_shape");
  const bool is_max = node.op_type == "MaxPool";
  if (is_max && node.GetInt("storage_order", 0) != 0 && node.outputs.size() > 1)
    return Unsupported(node.Describe() + ": storage_order");
  PT2TF_ASSIGN_OR_RETURN(Window2D w,
                         MakeWindow(node, x.shape, kernel, node.GetInt("ceil_mode", 0)));
  const bool include_pad = node.GetInt("count_include_pad", 0) != 0;
  Dims out_shape = {x.shape[0], x.shape[1]};
  if (x.shape.size() == 4) out_shape.push_back(w.out_h);
  out_shape.push_back(w.out_w);
  PT2TF_ASSIGN_OR_RETURN(int64_t total, CheckedNumel(node, out_shape));
  (void)total;
  RunTensor out = RunTensor::Zeros(DType::kFloat32, out_shape);
  const int64_t planes = x.shape[0] * x.shape[1];
  const int64_t hw = w.in_h * w.in_w, ohw = w.out_h * w.out_w;
  for (int64_t p = 0; p < planes; ++p) {
    const float* src = x.f.data() + p * hw;
    float* dst = out.f.data() + p * ohw;
    for (int64_t oh = 0; oh < w.out_h; ++oh)
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        const int64_t h0 = oh * w.s_h - w.pad_t, w0 = ow * w.s_w - w.pad_l;
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        int64_t count = 0;
        for (int64_t i = 0; i < w.k_h; ++i) {
          const int64_t ih = h0 + i * w.d_h;
          if (ih < 0 || ih >= w.in_h) continue;
          for (int64_t j = 0; j < w.k_w; ++j) {
            const int64_t iw = w0 + j * w.d_w;
            if (iw < 0 || iw >= w.in_w) continue;
            const float v = src[ih * w.in_w + iw];
            acc = is_max ? std::max(acc, v) : acc + v;
            ++count;
          }
        }
        if (!is_max) {
          if (include_pad) {
            // The window clipped to the padded input (ceil_mode windows may overhang it).
            const int64_t h1 = std::min(h0 + (w.k_h - 1) * w.d_h + 1, w.in_h + w.pad_b);
            const int64_t w1 = std::min(w0 + (w.k_w - 1) * w.d_w + 1, w.in_w + w.pad_r);
            count = ((h1 - h0 + w.d_h - 1) / w.d_h) * ((w1 - w0 + w.d_w - 1) / w.d_w);
          }
          acc = count > 0 ? acc / static_cast<float>(count) : 0.0f;
        }
        dst[oh * w.out_w + ow] = acc;
      }
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunGlobalPool(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 1));
  const RunTensor& x = *in[0];
  if (x.shape.size() < 3) return InvalidInput(node.Describe() + ": input rank below 3");
  Dims out_shape(x.shape.size(), 1);
  out_shape[0] = x.shape[0];
  out_shape[1] = x.shape[1];
  RunTensor out = RunTensor::Zeros(DType::kFloat32, out_shape);
  const int64_t planes = x.shape[0] * x.shape[1], size = Prod(x.shape, 2, x.shape.size());
  const bool is_max = node.op_type == "GlobalMaxPool";
  for (int64_t p = 0; p < planes; ++p) {
    const float* src = x.f.data() + p * size;
    if (is_max) {
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t q = 0; q < size; ++q) m = std::max(m, src[q]);
      out.f[p] = m;
    } else {
      double s = 0;  // double: a 7x7..56x56 sum in float loses digits the tolerance notices
      for (int64_t q = 0; q < size; ++q) s += src[q];
      out.f[p] = static_cast<float>(s / static_cast<double>(size));
    }
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
