// The network architectures: the paper's AlexNet, a scaled variant for small images and
// torchvision's layout, with the switches for the paper's ablations, and the one walk over an
// architecture's nodes with their shapes. Pure description, and all of it data: arch_json.h writes
// and reads every field, so a JSON file describes any layout these nodes can build
// (model/graph/arch_file.h). model/graph/network.h builds it on a device.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/reference/activation.h"
#include "model/reference/lrn.h"

namespace alexnet {

enum class PoolKind {
  Overlap,  // 3x3 stride 2, the paper's overlapping pooling
  Plain,    // 2x2 stride 2, the paper's non-overlapping baseline
};

struct ArchOptions {
  Activation activation = Activation::Relu;
  bool lrn = true;
  PoolKind pool = PoolKind::Overlap;
  float dropout = 0.5f;  // on fc6 and fc7; 0 turns it off
  // The paper's one-GPU comparison net (section 3.2): half the kernels of every convolution but
  // the last (conv5 and the fully connected layers keep theirs, so the parameter count stays
  // close), and no groups, since one device holds every kernel.
  bool half_width = false;
};

struct ConvSpec {
  std::string name;
  int out, kernel, stride, pad, pad_end, groups;
  bool lrn;   // LRN after the activation (conv1, conv2), when options.lrn
  bool pool;  // max pooling after (conv1, conv2, conv5)
  float bias_init;
};

struct FcSpec {
  std::string name;
  int out;            // 0 = the class count (the last layer)
  bool hidden;        // activation after it (fc6, fc7)
  float bias_init;
  bool dropout = true;         // hidden layers: dropout after the activation (the paper: fc6, fc7)
  bool input_dropout = false;  // dropout on the layer's input (torchvision: before fc6)
};

struct Arch {
  std::string name;  // "alexnet", "alexnet-small", "alexnet-torchvision", or a file's own name
  int in_channels = 3, in_size = 224;
  int classes = 1000;
  ArchOptions options;
  ref::LrnParams lrn;  // the paper's k=2, n=5, alpha=1e-4 (not divided by n), beta=0.75
  // Weights ~ N(0, weight_std) (the paper's 0.01), or He's N(0, sqrt(2 / fan_in)) when he_init.
  float weight_std = 0.01f;
  bool he_init = false;
  // Inputs are (pixel - mean[c]) * pixel_scale / std[c]: the paper fed raw 0-255 pixels minus the
  // mean (pixel_scale 1, std 1).
  float pixel_scale = 1.0f;
  // A fixed per-channel mean and std in [0, 1] intensity units (torchvision's 0.485, 0.456, 0.406
  // and 0.229, 0.224, 0.225), for weights trained with them. Empty mean: measured on the training
  // data; empty std: 1.
  std::vector<float> input_mean, input_std;
  // Every max pool's window and stride (the paper's overlapping 3x3/2; options.pool Plain: 2x2/2).
  int max_pool_kernel = 3, max_pool_stride = 2;
  // Adaptive average pooling of the last conv block's maps to avgpool x avgpool before the
  // classifier (torchvision: 6), 0 for none.
  int avgpool = 0;
  std::vector<ConvSpec> convs;
  std::vector<FcSpec> fcs;

  int pool_kernel() const { return max_pool_kernel; }
  int pool_stride() const { return max_pool_stride; }
  // Per-sample feature count after the last conv block (the input of fc6).
  int flat_features() const;
  int fc_out(const FcSpec& fc) const { return fc.out > 0 ? fc.out : classes; }
  std::size_t parameter_count() const;
  float weight_std_for(int fan_in) const;
};

// Per-sample activation shape (C, H, W); a flat vector is (features, 1, 1).
struct Shape3 {
  int c = 0, h = 1, w = 1;
  std::size_t count() const { return std::size_t(c) * h * w; }
};

// The nodes of a network, in order, as every layout builds them: per conv block, the convolution,
// its activation, LRN (when the block has it and options.lrn) and pooling (when the block has
// it); the adaptive average pool (when avgpool > 0); after flattening, per fc layer, its input
// dropout (when it has one), the layer and, for hidden ones, its activation and dropout (dropouts
// only when options.dropout > 0).
enum class NodeKind { Conv, Activation, Lrn, Pool, Fc, Dropout, AvgPool };
struct ArchNode {
  NodeKind kind;
  std::string name;               // "conv1", "conv1.act", "conv1.lrn", "conv1.pool", "avgpool", "fc6", "fc6.dropout", ...
  Shape3 in, out;                 // per sample; Fc sees its input flattened to (features, 1, 1)
  const ConvSpec* conv = nullptr;  // Conv: its spec (pointing into the Arch)
  const FcSpec* fc = nullptr;      // Fc: its spec
  bool in_place() const { return kind == NodeKind::Activation || kind == NodeKind::Dropout; }
};

// The one shape walk: every output size of every layout, memory estimate and count comes from
// here (and the window formula in model/reference/window.h). The pointers stay valid while
// `arch` does. A node may have an empty output (size < 1) when the input is too small; make_arch
// rejects such an Arch.
std::vector<ArchNode> walk(const Arch& arch);

// Throws std::invalid_argument for an unknown name or an input too small for the network.
// "torchvision" names alexnet-torchvision too.
Arch make_arch(const std::string& name, int classes, int in_channels, int in_size, ArchOptions options = {});

// A named architecture's layout as it is defined, before fitting to data (classes 1000, its own
// input size). Throws std::invalid_argument for an unknown name.
Arch arch_preset(const std::string& name);

// The named architectures, for help texts and tests.
const std::vector<std::string>& arch_names();
bool is_arch_name(const std::string& name);

// The input size each architecture expects by default: 224 (paper, torchvision), 28 (alexnet-small).
int default_input_size(const std::string& name);

// Throws std::invalid_argument with one line naming the layer and the field when `arch` cannot be
// built: a size out of range, groups that do not divide the channels, a per-channel statistic
// whose count is not in_channels, or a node left with no output at this input size (found by the
// walk).
void validate_arch(const Arch& arch);

// `arch` for data of `classes` classes and `in_channels` channels at in_size x in_size (0: the
// arch's own size), validated. Throws std::invalid_argument.
Arch fit_arch(Arch arch, int classes, int in_channels, int in_size = 0);

}  // namespace alexnet
