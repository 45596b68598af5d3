// efficientnet_pytorch 0.7.1 (lukemelas/EfficientNet-PyTorch, model.py + utils.py):
// `efficientnet-b0` ... `efficientnet-b7` as EfficientNet.from_name builds them.
//
// What makes this family unlike torchvision's: every convolution is a
// Conv2dStaticSamePadding whose TensorFlow-style SAME padding (the odd pixel at the bottom /
// right) is computed once, at construction, for the nominal image size; the size then flows
// through the blocks with calculate_output_image_size (ceil(size / stride)). So the padding
// depends on the image size the model was built for, not on the input it later gets:
//   - a state dict converts with image_size = the --input-shape's H x W (default
//     get_image_size(name)), as EfficientNet.from_name(name, image_size=(H, W)) would build it;
//   - a whole-model pickle converts with its own pickled GlobalParams and BlockArgs (so a model
//     built with image_size=... keeps its padding even when run at another input size, as in
//     PyTorch); image_size=None there means Conv2dDynamicSamePadding (padding for the input
//     each conv actually gets).
// Also mirrored: Swish = x * sigmoid(x); SE on every block; BatchNorm eps from GlobalParams
// (1e-3); drop connect and the final dropout are the identity in eval; a block adds its input
// only when id_skip, stride == 1 and in == out filters, where the first block of a stage keeps
// BlockDecoder's one-element stride list [s] and `[s] == 1` is False in Python; in_channels
// (_change_in_channels) and num_classes follow the checkpoint's tensors.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "nn/nn.h"
#include "pt2tf/text.h"
#include "zoo/families.h"
#include "zoo/torchvision_ops.h"

namespace pt2tf::zoo {
namespace {

namespace F = nn::F;
using nn::Var;
using Json = nlohmann::ordered_json;

constexpr const char* kSource = "efficientnet_pytorch 0.7.1";
constexpr const char* kClassPath = "efficientnet_pytorch.model.EfficientNet";

struct ImageSize {
  int64_t h = 0, w = 0;
};

// utils.GlobalParams (momentum and drop_connect_rate only matter in training).
struct GlobalParams {
  std::optional<double> width_coefficient, depth_coefficient;  // None: no scaling
  std::optional<ImageSize> image_size;                         // None: dynamic SAME padding
  double dropout_rate = 0.2;
  int64_t num_classes = 1000;
  double batch_norm_epsilon = 1e-3;
  int64_t depth_divisor = 8;
  std::optional<int64_t> min_depth;
  bool include_top = true;
};

// utils.BlockArgs.
struct BlockArgs {
  int64_t num_repeat = 1, kernel_size = 3;
  int64_t stride = 1;
  bool stride_is_int = false;  // false: the list [stride], which never equals 1 in Python
  int64_t expand_ratio = 1, input_filters = 0, output_filters = 0;
  std::optional<double> se_ratio;
  bool id_skip = true;
};

struct Config {
  GlobalParams global;
  std::vector<BlockArgs> blocks_args;
  int64_t in_channels = 3;
};

// efficientnet_params: (width, depth, resolution, dropout).
struct Variant {
  const char* name;
  double width, depth;
  int64_t resolution;
  double dropout;
};
constexpr Variant kVariants[] = {
    {"efficientnet-b0", 1.0, 1.0, 224, 0.2}, {"efficientnet-b1", 1.0, 1.1, 240, 0.2},
    {"efficientnet-b2", 1.1, 1.2, 260, 0.3}, {"efficientnet-b3", 1.2, 1.4, 300, 0.3},
    {"efficientnet-b4", 1.4, 1.8, 380, 0.4}, {"efficientnet-b5", 1.6, 2.2, 456, 0.4},
    {"efficientnet-b6", 1.8, 2.6, 528, 0.5}, {"efficientnet-b7", 2.0, 3.1, 600, 0.5},
};

// efficientnet()'s block strings, decoded: r1_k3_s11_e1_i32_o16_se0.25,
// r2_k3_s22_e6_i16_o24_se0.25, r2_k5_s22_e6_i24_o40_se0.25, r3_k3_s22_e6_i40_o80_se0.25,
// r3_k5_s11_e6_i80_o112_se0.25, r4_k5_s22_e6_i112_o192_se0.25, r1_k3_s11_e6_i192_o320_se0.25.
std::vector<BlockArgs> DefaultBlocksArgs() {
  struct Row {
    int64_t r, k, s, e, i, o;
  };
  constexpr Row kRows[] = {{1, 3, 1, 1, 32, 16},  {2, 3, 2, 6, 16, 24},  {2, 5, 2, 6, 24, 40},
                           {3, 3, 2, 6, 40, 80},  {3, 5, 1, 6, 80, 112}, {4, 5, 2, 6, 112, 192},
                           {1, 3, 1, 6, 192, 320}};
  std::vector<BlockArgs> args;
  for (const Row& row : kRows)
    args.push_back({.num_repeat = row.r,
                    .kernel_size = row.k,
                    .stride = row.s,
                    .stride_is_int = false,
                    .expand_ratio = row.e,
                    .input_filters = row.i,
                    .output_filters = row.o,
                    .se_ratio = 0.25,
                    .id_skip = true});
  return args;
}

// get_model_params(name, {}): what from_name builds without overrides.
Config DefaultConfig(const Variant& v) {
  Config c;
  c.global.width_coefficient = v.width;
  c.global.depth_coefficient = v.depth;
  c.global.image_size = ImageSize{v.resolution, v.resolution};
  c.global.dropout_rate = v.dropout;
  c.blocks_args = DefaultBlocksArgs();
  return c;
}

// round_filters.
int64_t RoundFilters(int64_t filters, const GlobalParams& g) {
  if (!g.width_coefficient || *g.width_coefficient == 0) return filters;
  const int64_t divisor = g.depth_divisor;
  const double scaled = static_cast<double>(filters) * *g.width_coefficient;
  const int64_t min_depth = g.min_depth && *g.min_depth != 0 ? *g.min_depth : divisor;
  int64_t new_filters =
      std::max(min_depth, static_cast<int64_t>(scaled + divisor / 2.0) / divisor * divisor);
  if (static_cast<double>(new_filters) < 0.9 * scaled) new_filters += divisor;
  return new_filters;
}

// round_repeats.
int64_t RoundRepeats(int64_t repeats, const GlobalParams& g) {
  if (!g.depth_coefficient || *g.depth_coefficient == 0) return repeats;
  return static_cast<int64_t>(std::ceil(*g.depth_coefficient * static_cast<double>(repeats)));
}

// calculate_output_image_size: ceil(size / stride); None stays None.
std::optional<ImageSize> OutputImageSize(std::optional<ImageSize> size, int64_t stride) {
  if (!size) return std::nullopt;
  return ImageSize{(size->h + stride - 1) / stride, (size->w + stride - 1) / stride};
}

// TensorFlow SAME padding of a k x k, stride-s conv on `in`: (left, right, top, bottom),
// the odd pixel at the right / bottom.
struct SamePad {
  int64_t left = 0, right = 0, top = 0, bottom = 0;
  bool any() const { return left || right || top || bottom; }
};
SamePad TfSamePadding(ImageSize in, int64_t kernel, int64_t stride) {
  auto total = [&](int64_t size) {
    const int64_t out = (size + stride - 1) / stride;
    return std::max<int64_t>((out - 1) * stride + kernel - size, 0);
  };
  const int64_t ph = total(in.h), pw = total(in.w);
  return {pw / 2, pw - pw / 2, ph / 2, ph - ph / 2};
}

// Conv2dStaticSamePadding (with an image size) / Conv2dDynamicSamePadding (without): an
// nn.Conv2d with padding 0 behind a ZeroPad2d child `static_padding`.
class Conv2dSamePadding : public nn::Conv2d {
 public:
  Conv2dSamePadding(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                    int64_t groups, bool bias, std::optional<ImageSize> image_size)
      : nn::Conv2d(in_channels, out_channels, kernel_size,
                   {.stride = stride, .groups = groups, .bias = bias}),
        dynamic_(!image_size) {
    if (!image_size) return;
    const SamePad p = TfSamePadding(*image_size, kernel_size, stride);
    if (p.any())
      static_padding_ = &add("static_padding", nn::ZeroPad2d(p.left, p.right, p.top, p.bottom));
    else
      static_padding_ = &add("static_padding", nn::Identity());
  }

  Var forward(Var x) override {
    if (dynamic_ && x.dim() == 4) {
      const SamePad p = TfSamePadding({x.size(2), x.size(3)}, kernel_size.h, options.stride.h);
      if (p.any()) x = F::zero_pad2d(x, p.left, p.right, p.top, p.bottom);
    } else if (static_padding_) {
      x = (*static_padding_)(x);
    }
    return nn::Conv2d::forward(x);
  }

 private:
  bool dynamic_;
  nn::Module* static_padding_ = nullptr;
};

class MBConvBlock : public nn::Module {
 public:
  MBConvBlock(const BlockArgs& args, const GlobalParams& g, std::optional<ImageSize> image_size)
      : Module("MBConvBlock") {
    const nn::BatchNormOptions bn{.eps = g.batch_norm_epsilon};
    has_se_ = args.se_ratio && *args.se_ratio > 0 && *args.se_ratio <= 1;
    skip_ = args.id_skip && args.stride_is_int && args.stride == 1 &&
            args.input_filters == args.output_filters;

    // Expansion phase (inverted bottleneck).
    const int64_t inp = args.input_filters;
    const int64_t oup = args.input_filters * args.expand_ratio;
    if (args.expand_ratio != 1) {
      expand_conv_ = &add("_expand_conv", Conv2dSamePadding(inp, oup, 1, 1, 1, false, image_size));
      bn0_ = &add("_bn0", nn::BatchNorm2d(oup, bn));
    }
    // Depthwise convolution phase.
    depthwise_conv_ =
        &add("_depthwise_conv",
             Conv2dSamePadding(oup, oup, args.kernel_size, args.stride, oup, false, image_size));
    bn1_ = &add("_bn1", nn::BatchNorm2d(oup, bn));
    image_size = OutputImageSize(image_size, args.stride);
    // Squeeze and excitation.
    if (has_se_) {
      const int64_t squeezed =
          std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(inp) * *args.se_ratio));
      se_reduce_ =
          &add("_se_reduce", Conv2dSamePadding(oup, squeezed, 1, 1, 1, true, ImageSize{1, 1}));
      se_expand_ =
          &add("_se_expand", Conv2dSamePadding(squeezed, oup, 1, 1, 1, true, ImageSize{1, 1}));
    }
    // Pointwise convolution phase.
    project_conv_ = &add("_project_conv",
                         Conv2dSamePadding(oup, args.output_filters, 1, 1, 1, false, image_size));
    bn2_ = &add("_bn2", nn::BatchNorm2d(args.output_filters, bn));
    swish_ = &add("_swish", nn::Swish());
  }

  Var forward(Var inputs) override {
    Var x = inputs;
    if (expand_conv_) x = (*swish_)((*bn0_)((*expand_conv_)(x)));
    x = (*swish_)((*bn1_)((*depthwise_conv_)(x)));
    if (has_se_) {
      Var squeezed = F::adaptive_avg_pool2d(x, 1);
      squeezed = (*se_expand_)((*swish_)((*se_reduce_)(squeezed)));
      x = F::sigmoid(squeezed) * x;
    }
    x = (*bn2_)((*project_conv_)(x));
    // Drop connect is the identity in eval.
    return skip_ ? x + inputs : x;
  }

 private:
  bool has_se_ = false;
  bool skip_ = false;
  nn::Module* expand_conv_ = nullptr;
  nn::Module* bn0_ = nullptr;
  nn::Module* depthwise_conv_ = nullptr;
  nn::Module* bn1_ = nullptr;
  nn::Module* se_reduce_ = nullptr;
  nn::Module* se_expand_ = nullptr;
  nn::Module* project_conv_ = nullptr;
  nn::Module* bn2_ = nullptr;
  nn::Module* swish_ = nullptr;
};

class EfficientNet : public nn::Module {
 public:
  explicit EfficientNet(const Config& c) : Module("EfficientNet") {
    const GlobalParams& g = c.global;
    const nn::BatchNormOptions bn{.eps = g.batch_norm_epsilon};
    std::optional<ImageSize> image_size = g.image_size;

    // Stem.
    int64_t out_channels = RoundFilters(32, g);
    conv_stem_ = &add("_conv_stem",
                      Conv2dSamePadding(c.in_channels, out_channels, 3, 2, 1, false, image_size));
    bn0_ = &add("_bn0", nn::BatchNorm2d(out_channels, bn));
    image_size = OutputImageSize(image_size, 2);

    // Blocks (an nn.ModuleList: children "0", "1", ... run in order).
    nn::Sequential blocks;
    int64_t last_filters = out_channels;
    for (BlockArgs args : c.blocks_args) {
      args.input_filters = RoundFilters(args.input_filters, g);
      args.output_filters = RoundFilters(args.output_filters, g);
      args.num_repeat = RoundRepeats(args.num_repeat, g);
      // The first block takes care of stride and filter size increase.
      blocks.append(MBConvBlock(args, g, image_size));
      image_size = OutputImageSize(image_size, args.stride);
      if (args.num_repeat > 1) {
        args.input_filters = args.output_filters;
        args.stride = 1;
        args.stride_is_int = true;
      }
      for (int64_t i = 0; i + 1 < args.num_repeat; ++i)
        blocks.append(MBConvBlock(args, g, image_size));
      last_filters = args.output_filters;
    }
    blocks_ = &add("_blocks", std::move(blocks));

    // Head.
    out_channels = RoundFilters(1280, g);
    conv_head_ = &add("_conv_head",
                      Conv2dSamePadding(last_filters, out_channels, 1, 1, 1, false, image_size));
    bn1_ = &add("_bn1", nn::BatchNorm2d(out_channels, bn));
    avg_pooling_ = &add("_avg_pooling", nn::AdaptiveAvgPool2d(1));
    if (g.include_top) {
      dropout_ = &add("_dropout", nn::Dropout(g.dropout_rate));
      fc_ = &add("_fc", nn::Linear(out_channels, g.num_classes));
    }
    swish_ = &add("_swish", nn::Swish());
  }

  Var forward(Var x) override {
    // extract_features
    x = (*swish_)((*bn0_)((*conv_stem_)(x)));
    x = (*blocks_)(x);
    x = (*swish_)((*bn1_)((*conv_head_)(x)));
    // Pooling and final linear layer.
    x = (*avg_pooling_)(x);
    if (!fc_) return x;
    x = F::flatten(x, 1);
    return (*fc_)((*dropout_)(x));
  }

 private:
  nn::Module* conv_stem_;
  nn::Module* bn0_;
  nn::Module* blocks_;
  nn::Module* conv_head_;
  nn::Module* bn1_;
  nn::Module* avg_pooling_;
  nn::Module* dropout_ = nullptr;
  nn::Module* fc_ = nullptr;
  nn::Module* swish_;
};

// ---- Reading the pickled GlobalParams / BlockArgs of a whole-model pickle. ----

// A namedtuple pickled as {"class": ..., "args": [fields in order]}; its args, or an error.
Result<std::vector<Json>> NamedTupleArgs(const Json& j, const std::string& cls, size_t fields) {
  if (!j.is_object() || j.value("class", "") != cls || !j.contains("args") ||
      !j["args"].is_array() || j["args"].size() != fields)
    return InvalidInput("expected a pickled " + cls + " of " + std::to_string(fields) +
                        " fields, found " + JsonDump(j).substr(0, 120));
  return std::vector<Json>(j["args"].begin(), j["args"].end());
}

bool IsTruthy(const Json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number()) return j.get<double>() != 0;
  return !j.is_null();
}

Result<std::optional<double>> OptionalNumber(const Json& j, const char* field) {
  if (j.is_null()) return std::optional<double>();
  if (!j.is_number()) return InvalidInput(std::string(field) + " is not a number");
  return std::optional<double>(j.get<double>());
}

Result<int64_t> Int(const Json& j, const char* field, int64_t lo, int64_t hi) {
  if (!j.is_number_integer() || j.get<int64_t>() < lo || j.get<int64_t>() > hi)
    return InvalidInput(std::string(field) + " is not an integer in [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "]: " + JsonDump(j));
  return j.get<int64_t>();
}

constexpr int64_t kMaxDim = 1 << 20;
constexpr int64_t kMaxBlocks = 4096;
constexpr double kMaxCoefficient = 64;

// A width / depth coefficient: None, or a number in [0, kMaxCoefficient] (0 = no scaling).
Result<std::optional<double>> Coefficient(const Json& j, const char* field) {
  PT2TF_ASSIGN_OR_RETURN(std::optional<double> v, OptionalNumber(j, field));
  if (v && !(*v >= 0 && *v <= kMaxCoefficient))
    return InvalidInput(std::string(field) + " " + JsonDump(j) + " is outside [0, 64]");
  return v;
}

Result<GlobalParams> ParseGlobalParams(const Json& j) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<Json> a,
                         NamedTupleArgs(j, "efficientnet_pytorch.utils.GlobalParams", 11));
  GlobalParams g;
  PT2TF_ASSIGN_OR_RETURN(g.width_coefficient, Coefficient(a[0], "width_coefficient"));
  PT2TF_ASSIGN_OR_RETURN(g.depth_coefficient, Coefficient(a[1], "depth_coefficient"));
  if (a[2].is_number_integer()) {  // an int, or an (H, W) list / tuple
    PT2TF_ASSIGN_OR_RETURN(int64_t s, Int(a[2], "image_size", 1, kMaxDim));
    g.image_size = ImageSize{s, s};
  } else if (a[2].is_array() && a[2].size() == 2) {
    PT2TF_ASSIGN_OR_RETURN(int64_t h, Int(a[2][0], "image_size[0]", 1, kMaxDim));
    PT2TF_ASSIGN_OR_RETURN(int64_t w, Int(a[2][1], "image_size[1]", 1, kMaxDim));
    g.image_size = ImageSize{h, w};
  } else if (!a[2].is_null()) {
    return InvalidInput("image_size is neither an int, an (H, W) pair nor None: " + JsonDump(a[2]));
  }
  if (a[3].is_number()) g.dropout_rate = a[3].get<double>();
  PT2TF_ASSIGN_OR_RETURN(g.num_classes, Int(a[4], "num_classes", 1, 1 << 30));
  if (!a[6].is_number() || a[6].get<double>() < 0)
    return InvalidInput("batch_norm_epsilon is not a non-negative number");
  g.batch_norm_epsilon = a[6].get<double>();
  PT2TF_ASSIGN_OR_RETURN(g.depth_divisor, Int(a[8], "depth_divisor", 1, 1 << 16));
  if (!a[9].is_null()) {
    PT2TF_ASSIGN_OR_RETURN(int64_t min_depth, Int(a[9], "min_depth", 0, 1 << 20));
    g.min_depth = min_depth;
  }
  g.include_top = IsTruthy(a[10]);
  return g;
}

Result<BlockArgs> ParseBlockArgs(const Json& j) {
  PT2TF_ASSIGN_OR_RETURN(std::vector<Json> a,
                         NamedTupleArgs(j, "efficientnet_pytorch.utils.BlockArgs", 8));
  BlockArgs b;
  PT2TF_ASSIGN_OR_RETURN(b.num_repeat, Int(a[0], "num_repeat", 0, 1 << 16));
  PT2TF_ASSIGN_OR_RETURN(b.kernel_size, Int(a[1], "kernel_size", 1, 64));
  if (a[2].is_array()) {  // [s] or [s, s]: conv and image size use stride[0]
    if (a[2].empty()) return InvalidInput("stride is an empty list");
    PT2TF_ASSIGN_OR_RETURN(b.stride, Int(a[2][0], "stride", 1, 64));
    for (const Json& s : a[2])
      if (s != a[2][0]) return Unsupported("unequal strides " + JsonDump(a[2]) + " are not built");
    b.stride_is_int = false;
  } else {
    PT2TF_ASSIGN_OR_RETURN(b.stride, Int(a[2], "stride", 1, 64));
    b.stride_is_int = true;
  }
  PT2TF_ASSIGN_OR_RETURN(b.expand_ratio, Int(a[3], "expand_ratio", 1, 64));
  PT2TF_ASSIGN_OR_RETURN(b.input_filters, Int(a[4], "input_filters", 1, 1 << 16));
  PT2TF_ASSIGN_OR_RETURN(b.output_filters, Int(a[5], "output_filters", 1, 1 << 16));
  if (!a[6].is_null()) {
    if (!a[6].is_number()) return InvalidInput("se_ratio is not a number");
    b.se_ratio = a[6].get<double>();
  }
  b.id_skip = IsTruthy(a[7]);
  return b;
}

// The pickled configuration of a whole efficientnet_pytorch EfficientNet, or nullopt when
// the checkpoint is not one.
Result<std::optional<Config>> PickledConfig(const Checkpoint& checkpoint) {
  const ModuleInfo* root = checkpoint.root_module();
  if (!root || root->class_module + "." + root->class_name != kClassPath)
    return std::optional<Config>();
  const Json& attrs = root->attributes;
  if (!attrs.contains("_global_params") || !attrs.contains("_blocks_args") ||
      !attrs["_blocks_args"].is_array() || attrs["_blocks_args"].empty())
    return InvalidInput("the pickled EfficientNet has no _global_params or no _blocks_args");
  Config c;
  Result<GlobalParams> g = ParseGlobalParams(attrs["_global_params"]);
  if (!g.ok()) return g.status().WithContext("_global_params");
  c.global = *g;
  for (size_t i = 0; i < attrs["_blocks_args"].size(); ++i) {
    Result<BlockArgs> b = ParseBlockArgs(attrs["_blocks_args"][i]);
    if (!b.ok()) return b.status().WithContext("_blocks_args[" + std::to_string(i) + "]");
    c.blocks_args.push_back(*b);
  }
  // Bound the work a hostile pickle can ask for (b7 has 55 blocks).
  int64_t blocks = 0;
  for (const BlockArgs& b : c.blocks_args)
    blocks += std::max<int64_t>(1, RoundRepeats(b.num_repeat, c.global));
  if (blocks > kMaxBlocks)
    return InvalidInput("the pickled EfficientNet asks for " + std::to_string(blocks) +
                        " blocks (at most " + std::to_string(kMaxBlocks) + " are built)");
  return std::optional<Config>(std::move(c));
}

bool SameCoefficient(std::optional<double> a, double b) { return a && std::fabs(*a - b) < 1e-9; }

std::string SizeString(ImageSize s) { return std::to_string(s.h) + "x" + std::to_string(s.w); }

// The configuration to build `v` with for this checkpoint and these options.
Result<Config> ConfigFor(const Variant& v, const Checkpoint& checkpoint,
                         const BuildOptions& options, std::vector<std::string>& warnings) {
  if (options.input_shape && options.input_shape->size() != 4)
    return InvalidInput(std::string(v.name) + " takes an NCHW input shape, not " +
                        ShapeToString(*options.input_shape));
  Config c = DefaultConfig(v);
  std::optional<Config> pickled;
  if (!options.shape_only) {  // shape-only builds ignore the checkpoint
    Result<std::optional<Config>> read = PickledConfig(checkpoint);
    if (!read.ok()) return read.status().WithContext(checkpoint.path + ": " + kClassPath);
    pickled = std::move(*read);
  }
  if (pickled && SameCoefficient(pickled->global.width_coefficient, v.width) &&
      SameCoefficient(pickled->global.depth_coefficient, v.depth)) {
    c = std::move(*pickled);
    if (options.input_shape && c.global.image_size &&
        ((*options.input_shape)[2] != c.global.image_size->h ||
         (*options.input_shape)[3] != c.global.image_size->w))
      warnings.push_back("static SAME padding follows the pickled image_size " +
                         SizeString(*c.global.image_size) + ", as the pickled model computes " +
                         "it, not the input shape " + ShapeToString(*options.input_shape));
  } else {
    if (pickled)
      warnings.push_back("the pickled EfficientNet's width/depth coefficients are not " +
                         std::string(v.name) + "'s: building " + v.name + " as from_name does");
    if (options.input_shape)  // from_name(name, image_size=(H, W))
      c.global.image_size = ImageSize{(*options.input_shape)[2], (*options.input_shape)[3]};
  }
  c.in_channels =
      CheckpointDim(BindCheckpoint(checkpoint, options), "_conv_stem.weight", 1, c.in_channels);
  c.global.num_classes =
      CheckpointDim(BindCheckpoint(checkpoint, options), "_fc.weight", 0, c.global.num_classes);
  return c;
}

ir::Dims DefaultInput(const Variant& v, const Config& c) {
  const ImageSize s = c.global.image_size.value_or(ImageSize{v.resolution, v.resolution});
  return {1, c.in_channels, s.h, s.w};
}

}  // namespace

void RegisterEfficientNetPytorch(ModelRegistry& registry) {
  for (const Variant& v : kVariants) {
    ModelSpec spec;
    spec.name = v.name;
    spec.source = kSource;
    spec.default_input_shape = {1, 3, v.resolution, v.resolution};
    spec.build = [&v](const Checkpoint& checkpoint,
                      const BuildOptions& options) -> Result<BuildResult> {
      std::vector<std::string> warnings;
      PT2TF_ASSIGN_OR_RETURN(Config config, ConfigFor(v, checkpoint, options, warnings));
      EfficientNet model(config);
      Result<BuildResult> result =
          nn::BuildModel(model, nn::BindSource{BindCheckpoint(checkpoint, options), v.name},
                         options.input_shape.value_or(DefaultInput(v, config)), options);
      if (result.ok())
        result->warnings.insert(result->warnings.begin(), warnings.begin(), warnings.end());
      return result;
    };
    spec.parameter_count = [&v] {
      EfficientNet model(DefaultConfig(v));
      return nn::ParameterCount(model);
    };
    registry.Add(std::move(spec));
  }
}

// The variant from the pickled GlobalParams' width and depth coefficients (b0 ... b7); the
// build then reads the rest of the pickled configuration (image_size above all).
Result<std::string> DetectEfficientNetPytorch(const Checkpoint& checkpoint) {
  PT2TF_ASSIGN_OR_RETURN(std::optional<Config> pickled, PickledConfig(checkpoint));
  if (!pickled) return InvalidInput("the root module is not " + std::string(kClassPath));
  const GlobalParams& g = pickled->global;
  for (const Variant& v : kVariants)
    if (SameCoefficient(g.width_coefficient, v.width) &&
        SameCoefficient(g.depth_coefficient, v.depth))
      return std::string(v.name);
  auto show = [](std::optional<double> d) {
    if (!d) return std::string("None");
    char text[32];
    std::snprintf(text, sizeof text, "%g", *d);
    return std::string(text);
  };
  return Unsupported("width_coefficient " + show(g.width_coefficient) + " and depth_coefficient " +
                     show(g.depth_coefficient) +
                     " match none of efficientnet-b0 ... efficientnet-b7");
}

}  // namespace pt2tf::zoo
