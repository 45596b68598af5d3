// Conv (1-D/2-D, grouped, depthwise, dilated, padded, auto_pad) and ConvTranspose (1-D/2-D).
// Dense convolutions are im2col + sgemm per (image, group); depthwise ones (one input channel
// per group) are a direct loop, where a GEMM of one row would waste the BLAS.
#include <algorithm>
#include <cstring>

#include "ir/run/kernels.h"

namespace pt2tf::ir::run {

Result<Window2D> MakeWindow(const Node& node, const Dims& x_shape, const Dims& kernel,
                            bool ceil_mode) {
  const size_t spatial = x_shape.size() - 2;
  if (spatial != 1 && spatial != 2)
    return Unsupported(node.Describe() + ": only 1-D and 2-D windows are supported, input is " +
                       ShapeToString(x_shape));
  if (kernel.size() != spatial)
    return InvalidInput(node.Describe() + ": kernel rank does not match the input");
  const Dims strides = node.GetInts("strides", Dims(spatial, 1));
  const Dims dilations = node.GetInts("dilations", Dims(spatial, 1));
  Dims pads = node.GetInts("pads", Dims(2 * spatial, 0));
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial)
    return InvalidInput(node.Describe() + ": strides/dilations/pads do not match the input rank");
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  Window2D w;
  // 1-D windows are 2-D ones of height 1.
  auto at = [&](const Dims& v, size_t k, int64_t one) { return spatial == 1 ? one : v[k]; };
  const size_t last = spatial - 1;
  w.in_h = spatial == 1 ? 1 : x_shape[2];
  w.in_w = x_shape.back();
  w.k_h = at(kernel, 0, 1);
  w.k_w = kernel[last];
  w.s_h = at(strides, 0, 1);
  w.s_w = strides[last];
  w.d_h = at(dilations, 0, 1);
  w.d_w = dilations[last];
  for (int64_t v : {w.k_h, w.k_w, w.s_h, w.s_w, w.d_h, w.d_w})
    if (v <= 0) return InvalidInput(node.Describe() + ": kernel, strides, dilations must be > 0");
  const int64_t in[2] = {w.in_h, w.in_w}, k[2] = {w.k_h, w.k_w}, s[2] = {w.s_h, w.s_w},
                d[2] = {w.d_h, w.d_w};
  int64_t begin[2] = {0, 0}, end[2] = {0, 0}, out[2] = {0, 0};
  for (int a = 0; a < 2; ++a) {
    const bool real = spatial == 2 || a == 1;
    const size_t idx = spatial == 2 ? a : 0;
    const int64_t extent = (k[a] - 1) * d[a] + 1;
    if (real && (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")) {
      out[a] = (in[a] + s[a] - 1) / s[a];
      const int64_t total = std::max<int64_t>(0, (out[a] - 1) * s[a] + extent - in[a]);
      begin[a] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end[a] = total - begin[a];
      continue;
    }
    if (real && auto_pad == "NOTSET") {
      begin[a] = pads[idx];
      end[a] = pads[idx + spatial];
    }
    const int64_t span = in[a] + begin[a] + end[a] - extent;
    if (span < 0)
      return InvalidInput(node.Describe() + ": window larger than the padded input " +
                          ShapeToString(x_shape));
    out[a] = (ceil_mode ? (span + s[a] - 1) / s[a] : span / s[a]) + 1;
    // A window must start inside the input or its left padding.
    if (ceil_mode && (out[a] - 1) * s[a] >= in[a] + begin[a]) --out[a];
  }
  w.pad_t = begin[0];
  w.pad_l = begin[1];
  w.pad_b = end[0];
  w.pad_r = end[1];
  w.out_h = out[0];
  w.out_w = out[1];
  return w;
}

namespace {

// col[(c·kh + i)·kw + j][oh·OW + ow] = x[c][oh·sh − pt + i·dh][ow·sw − pl + j·dw], 0 outside.
void Im2Col(const float* x, int64_t channels, const Window2D& w, float* col) {
  const int64_t ohw = w.out_h * w.out_w;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < w.k_h; ++i)
      for (int64_t j = 0; j < w.k_w; ++j) {
        float* row = col + ((c * w.k_h + i) * w.k_w + j) * ohw;
        const float* plane = x + c * w.in_h * w.in_w;
        for (int64_t oh = 0; oh < w.out_h; ++oh) {
          const int64_t ih = oh * w.s_h - w.pad_t + i * w.d_h;
          float* dst = row + oh * w.out_w;
          if (ih < 0 || ih >= w.in_h) {
            std::fill(dst, dst + w.out_w, 0.0f);
            continue;
          }
          const float* src = plane + ih * w.in_w;
          if (w.s_w == 1) {  // the valid span is one contiguous run of the input row
            const int64_t off = j * w.d_w - w.pad_l;
            const int64_t lo = std::clamp<int64_t>(-off, 0, w.out_w);
            const int64_t hi = std::clamp<int64_t>(w.in_w - off, lo, w.out_w);
            std::fill(dst, dst + lo, 0.0f);
            std::copy(src + lo + off, src + hi + off, dst + lo);
            std::fill(dst + hi, dst + w.out_w, 0.0f);
            continue;
          }
          for (int64_t ow = 0; ow < w.out_w; ++ow) {
            const int64_t iw = ow * w.s_w - w.pad_l + j * w.d_w;
            dst[ow] = iw >= 0 && iw < w.in_w ? src[iw] : 0.0f;
          }
        }
      }
}

// One output plane of a depthwise conv: out += Σ_ij w[i][j] · x[shifted], bounds hoisted out
// of the inner loop so it vectorises.
void DepthwisePlane(const float* x, const float* k, const Window2D& w, float* out) {
  for (int64_t i = 0; i < w.k_h; ++i)
    for (int64_t j = 0; j < w.k_w; ++j) {
      const float kv = k[i * w.k_w + j];
      const int64_t off = j * w.d_w - w.pad_l;
      // ow range with 0 <= ow·sw + off < in_w.
      int64_t lo = off >= 0 ? 0 : (-off + w.s_w - 1) / w.s_w;
      int64_t hi = w.in_w - off <= 0 ? 0 : (w.in_w - off - 1) / w.s_w + 1;
      hi = std::min(hi, w.out_w);
      if (lo >= hi) continue;
      for (int64_t oh = 0; oh < w.out_h; ++oh) {
        const int64_t ih = oh * w.s_h - w.pad_t + i * w.d_h;
        if (ih < 0 || ih >= w.in_h) continue;
        const float* src = x + ih * w.in_w + off;
        float* dst = out + oh * w.out_w;
        if (w.s_w == 1)
          for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += kv * src[ow];
        else
          for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += kv * src[ow * w.s_w];
      }
    }
}

Dims OutShape(const Dims& x_shape, int64_t channels, const Window2D& w) {
  Dims out = {x_shape[0], channels};
  if (x_shape.size() == 4) out.push_back(w.out_h);
  out.push_back(w.out_w);
  return out;
}

Result<const RunTensor*> Bias(const Node& node, const Inputs& in, int64_t channels) {
  const RunTensor* b = in.size() > 2 ? in[2] : nullptr;
  if (!b) return b;
  if (!b->is_float() || b->numel() != channels)
    return InvalidInput(node.Describe() + ": bias " + ShapeToString(b->shape) + " does not have " +
                        std::to_string(channels) + " elements");
  return b;
}

}  // namespace

Result<Outputs> RunConv(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  PT2TF_RETURN_IF_ERROR(NeedFloat(node, in, 1));
  const RunTensor& x = *in[0];
  const RunTensor& wt = *in[1];
  if (x.shape.size() < 3 || wt.shape.size() != x.shape.size())
    return InvalidInput(node.Describe() + ": Conv of " + ShapeToString(x.shape) + " with weight " +
                        ShapeToString(wt.shape));
  const int64_t n = x.shape[0], c = x.shape[1], m = wt.shape[0];
  const int64_t group = node.GetInt("group", 1);
  if (group <= 0 || c % group != 0 || m % group != 0 || wt.shape[1] * group != c)
    return InvalidInput(node.Describe() + ": input channels " + std::to_string(c) + ", weight " +
                        ShapeToString(wt.shape) + " and group " + std::to_string(group) +
                        " do not fit");
  const Dims kernel(wt.shape.begin() + 2, wt.shape.end());
  const Dims given = node.GetInts("kernel_shape", kernel);
  if (given != kernel) return InvalidInput(node.Describe() + ": kernel_shape differs from weight");
  PT2TF_ASSIGN_OR_RETURN(Window2D w, MakeWindow(node, x.shape, kernel, false));
  PT2TF_ASSIGN_OR_RETURN(const RunTensor* bias, Bias(node, in, m));
  const Dims out_shape = OutShape(x.shape, m, w);
  PT2TF_ASSIGN_OR_RETURN(int64_t total, CheckedNumel(node, out_shape));
  (void)total;
  RunTensor out = RunTensor::Zeros(DType::kFloat32, out_shape);
  const int64_t cg = c / group, mg = m / group, hw = w.in_h * w.in_w, ohw = w.out_h * w.out_w;
  // The bias goes in first; the GEMM / depthwise loop accumulates onto it.
  if (bias)
    for (int64_t b = 0; b < n; ++b)
      for (int64_t oc = 0; oc < m; ++oc) {
        float* p = out.f.data() + (b * m + oc) * ohw;
        std::fill(p, p + ohw, bias->f[oc]);
      }
  const int64_t kk = cg * w.k_h * w.k_w;
  const bool pointwise = w.k_h == 1 && w.k_w == 1 && w.s_h == 1 && w.s_w == 1 && w.pad_t == 0 &&
                         w.pad_l == 0 && w.pad_b == 0 && w.pad_r == 0;
  if (cg == 1 && !pointwise) {
    const int64_t mult = mg;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t oc = 0; oc < m; ++oc)
        DepthwisePlane(x.f.data() + (b * c + oc / mult) * hw, wt.f.data() + oc * w.k_h * w.k_w, w,
                       out.f.data() + (b * m + oc) * ohw);
  } else {
    PT2TF_ASSIGN_OR_RETURN(int64_t col_size, CheckedNumel(node, {pointwise ? 0 : kk, ohw}));
    std::vector<float> col(static_cast<size_t>(col_size));
    for (int64_t b = 0; b < n; ++b)
      for (int64_t g = 0; g < group; ++g) {
        const float* xg = x.f.data() + (b * c + g * cg) * hw;
        const float* src = xg;
        if (!pointwise) {
          Im2Col(xg, cg, w, col.data());
          src = col.data();
        }
        Sgemm(false, false, mg, ohw, kk, 1.0f, wt.f.data() + g * mg * kk, kk, src, ohw,
              bias ? 1.0f : 0.0f, out.f.data() + (b * m + g * mg) * ohw, ohw);
      }
  }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

Result<Outputs> RunConvTranspose(const Node& node, const Inputs& in) {
  PT2TF_RETURN_IF_ERROR(NeedInputs(node, in, 2));
  PT2TF_RETURN_IF_ERROR(NeedFloat(node, in, 1));
  const RunTensor& x = *in[0];
  const RunTensor& wt = *in[1];
  const size_t spatial = x.shape.size() - 2;
  if (x.shape.size() < 3 || wt.shape.size() != x.shape.size() || spatial > 2)
    return Unsupported(node.Describe() + ": ConvTranspose of " + ShapeToString(x.shape) +
                       " with weight " + ShapeToString(wt.shape));
  const int64_t n = x.shape[0], c = x.shape[1];
  const int64_t group = node.GetInt("group", 1);
  if (group <= 0 || wt.shape[0] != c || c % group != 0)
    return InvalidInput(node.Describe() + ": weight " + ShapeToString(wt.shape) +
                        " does not fit input channels " + std::to_string(c));
  const int64_t mg = wt.shape[1], m = mg * group, cg = c / group;
  Dims k(wt.shape.begin() + 2, wt.shape.end());
  const Dims strides = node.GetInts("strides", Dims(spatial, 1));
  const Dims dil = node.GetInts("dilations", Dims(spatial, 1));
  const Dims out_pad = node.GetInts("output_padding", Dims(spatial, 0));
  Dims pads = node.GetInts("pads", Dims(2 * spatial, 0));
  const Dims out_shape_attr = node.GetInts("output_shape");
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  if (strides.size() != spatial || dil.size() != spatial || out_pad.size() != spatial ||
      pads.size() != 2 * spatial)
    return InvalidInput(node.Describe() + ": attributes do not match the input rank");
  Dims in_sp(x.shape.begin() + 2, x.shape.end()), out_sp(spatial);
  for (size_t a = 0; a < spatial; ++a) {
    if (strides[a] <= 0 || dil[a] <= 0)
      return InvalidInput(node.Describe() + ": strides and dilations must be > 0");
    const int64_t full = strides[a] * (in_sp[a] - 1) + out_pad[a] + (k[a] - 1) * dil[a] + 1;
    if (!out_shape_attr.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t want = !out_shape_attr.empty()
                               ? out_shape_attr[out_shape_attr.size() - spatial + a]
                               : in_sp[a] * strides[a];
      const int64_t total = full - want;
      if (total < 0) return InvalidInput(node.Describe() + ": output_shape too large");
      pads[a] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[a + spatial] = total - pads[a];
    }
    out_sp[a] = full - pads[a] - pads[a + spatial];
    if (out_sp[a] <= 0) return InvalidInput(node.Describe() + ": empty output");
  }
  auto two = [&](const Dims& v, size_t a, int64_t one) { return spatial == 1 ? one : v[a]; };
  const size_t L = spatial - 1;
  const int64_t ih = two(in_sp, 0, 1), iw = in_sp[L], oh = two(out_sp, 0, 1), ow = out_sp[L];
  const int64_t kh = two(k, 0, 1), kw = k[L], sh = two(strides, 0, 1), sw = strides[L];
  const int64_t dh = two(dil, 0, 1), dw = dil[L];
  const int64_t pt = spatial == 1 ? 0 : pads[0], pl = pads[L];
  Dims out_shape = {n, m};
  for (int64_t d : out_sp) out_shape.push_back(d);
  PT2TF_ASSIGN_OR_RETURN(int64_t total, CheckedNumel(node, out_shape));
  (void)total;
  PT2TF_ASSIGN_OR_RETURN(const RunTensor* bias, Bias(node, in, m));
  RunTensor out = RunTensor::Zeros(DType::kFloat32, out_shape);
  const int64_t rows = mg * kh * kw, ihw = ih * iw, ohw = oh * ow;
  PT2TF_ASSIGN_OR_RETURN(int64_t col_size, CheckedNumel(node, {rows, ihw}));
  std::vector<float> col(static_cast<size_t>(col_size));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < group; ++g) {
      // col[rows × ihw] = W_gᵀ · X_g, W_g being [cg × rows].
      Sgemm(true, false, rows, ihw, cg, 1.0f, wt.f.data() + g * cg * rows, rows,
            x.f.data() + (b * c + g * cg) * ihw, ihw, 0.0f, col.data(), ihw);
      for (int64_t co = 0; co < mg; ++co) {
        float* plane = out.f.data() + (b * m + g * mg + co) * ohw;
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j) {
            const float* row = col.data() + ((co * kh + i) * kw + j) * ihw;
            for (int64_t y = 0; y < ih; ++y) {
              const int64_t py = y * sh - pt + i * dh;
              if (py < 0 || py >= oh) continue;
              for (int64_t xx = 0; xx < iw; ++xx) {
                const int64_t px = xx * sw - pl + j * dw;
                if (px >= 0 && px < ow) plane[py * ow + px] += row[y * iw + xx];
              }
            }
          }
      }
    }
  if (bias)
    for (int64_t b = 0; b < n; ++b)
      for (int64_t oc = 0; oc < m; ++oc) {
        float* p = out.f.data() + (b * m + oc) * ohw;
        for (int64_t q = 0; q < ohw; ++q) p[q] += bias->f[oc];
      }
  Outputs result;
  result.push_back(std::move(out));
  return result;
}

}  // namespace pt2tf::ir::run
