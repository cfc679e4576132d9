#include "model/graph/arch.h"

#include <climits>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "model/reference/window.h"

namespace alexnet {
namespace {

// The paper's layer table. conv1 at 224 uses cuda-convnet's output rule, written as explicit
// padding (0 before, 3 after), so the output is 55x55 as in the paper.
//
// Init: the paper's weights N(0, 0.01) on raw 0-255 pixels minus the mean, but the biases of
// conv2, conv4, conv5, fc6 and fc7 are 0.1 (Caffe's reference AlexNet, bvlc_alexnet), not the
// paper's 1. With 1, those biases swamp the weak input-dependent signal that N(0, 0.01) lets
// through: fc6 and fc7 then read a nearly constant vector with |h|^2 ~ 1e4 (conv5's pooled
// output ~1.2e4, fc7's ~0.7e4, ~2e4 with dropout's 1/(1-p) scaling), while images differ from
// each other by ~0.1% of that. One SGD step moves every image's logits along that shared vector by
// lr * |h|^2 * (batch mean of dL/dlogits), i.e. ~100-200x the batch's class imbalance at lr 0.01.
// With the paper's 1000 classes and batch 128 each class's share of that is O(1/1000) and the
// step is tolerable; with a few classes it overshoots by tens of logit units and the loss climbs
// (2 classes, batch 4: 0.7 -> 22 -> 860 -> 1e11 in 12 steps, and still rising at lr 1e-4). Bias
// 0.1 shrinks the shared vector ~50-100x (conv5 ~200, fc7 ~85), keeps ReLUs mostly active,
// and the same recipe (lr 0.01, momentum 0.9, weight decay 5e-4, dropout 0.5, LRN) then learns
// (tests/train/paper_arch_test.cpp; docs/architecture.md, "What the code settled").
Arch paper_alexnet() {
  Arch a;
  a.name = "alexnet";
  a.in_size = 224;
  constexpr float kBias = 0.1f;  // the paper: 1.0 (see above)
  a.convs = {
      {"conv1", 96, 11, 4, 0, 3, 1, true, true, 0.0f},
      {"conv2", 256, 5, 1, 2, 2, 2, true, true, kBias},
      {"conv3", 384, 3, 1, 1, 1, 1, false, false, 0.0f},
      {"conv4", 384, 3, 1, 1, 1, 2, false, false, kBias},
      {"conv5", 256, 3, 1, 1, 1, 2, false, true, kBias},
  };
  a.fcs = {{"fc6", 4096, true, kBias}, {"fc7", 4096, true, kBias}, {"fc8", 0, false, 0.0f}};
  return a;
}

// The same layer kinds in the same order for 28x28 or 32x32 images: five convolutions with the
// paper's grouping (conv2, conv4, conv5 in two groups), LRN after conv1 and conv2, overlapping
// pooling after conv1, conv2 and conv5, and three fully connected layers with dropout. Kernels
// shrink from 11/4 to 5/1 because a 28-pixel image has no room for a stride-4 stem, and widths are
// about a third of the paper's so an epoch of Fashion-MNIST trains in minutes on a CPU driver.
// The paper's N(0, 0.01) init relies on 0-255 inputs and wide layers to keep the signal alive; at
// this width it vanishes by conv5, so the small variant uses He's init on 0-1 scaled pixels.
Arch small_alexnet() {
  Arch a;
  a.name = "alexnet-small";
  a.in_size = 28;
  a.he_init = true;
  a.pixel_scale = 1.0f / 255.0f;
  a.convs = {
      {"conv1", 32, 5, 1, 2, 2, 1, true, true, 0.0f},
      {"conv2", 64, 5, 1, 2, 2, 2, true, true, 0.0f},
      {"conv3", 96, 3, 1, 1, 1, 1, false, false, 0.0f},
      {"conv4", 96, 3, 1, 1, 1, 2, false, false, 0.0f},
      {"conv5", 64, 3, 1, 1, 1, 2, false, true, 0.0f},
  };
  a.fcs = {{"fc6", 512, true, 0.0f}, {"fc7", 512, true, 0.0f}, {"fc8", 0, false, 0.0f}};
  return a;
}

// torchvision's AlexNet (torchvision.models.alexnet, the layout of its pretrained weights):
// 64-192-384-256-256 filters with kernels 11/5/3/3/3, padding 2 on conv1 and conv2 and 1 after,
// no LRN and no groups, max-pool 3x3/2 after conv1, conv2 and conv5, adaptive average pooling to
// 6x6 (the identity at 224, where pool5 is 6x6 already), dropout before fc6 and fc7 (its
// classifier is Dropout, Linear, ReLU, Dropout, Linear, ReLU, Linear), and inputs normalised
// with ImageNet's per-channel mean and std on [0, 1]. Init: He's N(0, sqrt(2 / fan_in)) and zero
// biases (PyTorch's own default draws from a uniform; imported weights replace either).
Arch torchvision_alexnet() {
  Arch a;
  a.name = "alexnet-torchvision";
  a.in_size = 224;
  a.he_init = true;
  a.pixel_scale = 1.0f / 255.0f;
  a.input_mean = {0.485f, 0.456f, 0.406f};
  a.input_std = {0.229f, 0.224f, 0.225f};
  a.avgpool = 6;
  a.convs = {
      {"conv1", 64, 11, 4, 2, 2, 1, false, true, 0.0f},
      {"conv2", 192, 5, 1, 2, 2, 1, false, true, 0.0f},
      {"conv3", 384, 3, 1, 1, 1, 1, false, false, 0.0f},
      {"conv4", 256, 3, 1, 1, 1, 1, false, false, 0.0f},
      {"conv5", 256, 3, 1, 1, 1, 1, false, true, 0.0f},
  };
  a.fcs = {{"fc6", 4096, true, 0.0f, true, true}, {"fc7", 4096, true, 0.0f, false, false},
           {"fc8", 0, false, 0.0f, false, false}};
  return a;
}

}  // namespace

std::vector<ArchNode> walk(const Arch& arch) {
  std::vector<ArchNode> nodes;
  Shape3 shape{arch.in_channels, arch.in_size, arch.in_size};
  auto add = [&](NodeKind kind, std::string name, Shape3 out) -> ArchNode& {
    nodes.push_back({kind, std::move(name), shape, out});
    shape = out;
    return nodes.back();
  };
  for (const auto& c : arch.convs) {
    const Shape3 out{c.out, ref::window_output_size(shape.h, c.kernel, c.stride, c.pad, c.pad_end),
                     ref::window_output_size(shape.w, c.kernel, c.stride, c.pad, c.pad_end)};
    add(NodeKind::Conv, c.name, out).conv = &c;
    add(NodeKind::Activation, c.name + ".act", shape);
    if (c.lrn && arch.options.lrn) add(NodeKind::Lrn, c.name + ".lrn", shape);
    if (c.pool)
      add(NodeKind::Pool, c.name + ".pool",
          {shape.c, ref::window_output_size(shape.h, arch.pool_kernel(), arch.pool_stride()),
           ref::window_output_size(shape.w, arch.pool_kernel(), arch.pool_stride())});
  }
  if (arch.avgpool > 0) add(NodeKind::AvgPool, "avgpool", {shape.c, arch.avgpool, arch.avgpool});
  // Flattened; a count past int (only a malformed description) is left for validate_arch to report.
  const std::size_t features = shape.count();
  shape = Shape3{features > std::size_t(INT_MAX) ? -1 : static_cast<int>(features), 1, 1};
  const bool dropout = arch.options.dropout > 0;
  for (const auto& f : arch.fcs) {
    if (f.input_dropout && dropout) add(NodeKind::Dropout, f.name + ".input_dropout", shape);
    add(NodeKind::Fc, f.name, {arch.fc_out(f), 1, 1}).fc = &f;
    if (!f.hidden) continue;
    add(NodeKind::Activation, f.name + ".act", shape);
    if (f.dropout && dropout) add(NodeKind::Dropout, f.name + ".dropout", shape);
  }
  return nodes;
}

int Arch::flat_features() const {
  for (const auto& node : walk(*this))
    if (node.kind == NodeKind::Fc) return node.in.c;
  return 0;
}

std::size_t Arch::parameter_count() const {
  std::size_t total = 0;
  for (const auto& node : walk(*this)) {
    if (node.kind == NodeKind::Conv)
      total += node.out.c * (std::size_t(node.in.c) / node.conv->groups) * node.conv->kernel * node.conv->kernel + node.out.c;
    else if (node.kind == NodeKind::Fc)
      total += std::size_t(node.out.c) * node.in.c + node.out.c;
  }
  return total;
}

float Arch::weight_std_for(int fan_in) const {
  return he_init ? std::sqrt(2.0f / static_cast<float>(fan_in)) : weight_std;
}

// A name read from a file, fit for a one-line error message: control characters escaped, at most
// 64 characters (a corrupt checkpoint header can hold anything).
static std::string printable_name(const std::string& name) {
  std::string out;
  for (unsigned char c : name.substr(0, 64)) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (name.size() > 64) out += "...";
  return out;
}

const std::vector<std::string>& arch_names() {
  static const std::vector<std::string> names{"alexnet", "alexnet-small", "alexnet-torchvision"};
  return names;
}

bool is_arch_name(const std::string& name) {
  if (name == "torchvision") return true;
  for (const auto& n : arch_names())
    if (n == name) return true;
  return false;
}

int default_input_size(const std::string& name) { return name == "alexnet-small" ? 28 : 224; }

Arch arch_preset(const std::string& name) {
  if (name == "alexnet") return paper_alexnet();
  if (name == "alexnet-small") return small_alexnet();
  if (name == "alexnet-torchvision" || name == "torchvision") return torchvision_alexnet();
  throw std::invalid_argument("unknown architecture '" + printable_name(name) +
                              "' (alexnet, alexnet-small, alexnet-torchvision, or a .json file)");
}

Arch make_arch(const std::string& name, int classes, int in_channels, int in_size, ArchOptions options) {
  Arch a = arch_preset(name);
  if (options.dropout < 0.0f || options.dropout >= 1.0f)
    throw std::invalid_argument("dropout must be in [0, 1)");
  a.options = options;
  if (options.pool == PoolKind::Plain) a.max_pool_kernel = 2;
  // The paper's one-GPU comparison net: half of every conv layer's kernels but the last (whose
  // output width the classifier reads), no grouping.
  if (options.half_width)
    for (std::size_t i = 0; i < a.convs.size(); ++i) {
      if (i + 1 < a.convs.size()) a.convs[i].out /= 2;
      a.convs[i].groups = 1;
    }
  return fit_arch(std::move(a), classes, in_channels, in_size);
}

Arch fit_arch(Arch a, int classes, int in_channels, int in_size) {
  a.classes = classes;
  a.in_channels = in_channels;
  if (in_size > 0) a.in_size = in_size;
  validate_arch(a);
  return a;
}

}  // namespace alexnet
