#include "model/graph/arch.h"

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
  shape = Shape3{static_cast<int>(shape.count()), 1, 1};
  for (const auto& f : arch.fcs) {
    add(NodeKind::Fc, f.name, {arch.fc_out(f), 1, 1}).fc = &f;
    if (!f.hidden) continue;
    add(NodeKind::Activation, f.name + ".act", shape);
    if (arch.options.dropout > 0) add(NodeKind::Dropout, f.name + ".dropout", shape);
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

int default_input_size(const std::string& name) { return name == "alexnet" ? 224 : 28; }

Arch make_arch(const std::string& name, int classes, int in_channels, int in_size, ArchOptions options) {
  Arch a;
  if (name == "alexnet") a = paper_alexnet();
  else if (name == "alexnet-small") a = small_alexnet();
  else throw std::invalid_argument("unknown architecture '" + printable_name(name) + "' (alexnet or alexnet-small)");
  if (classes < 2) throw std::invalid_argument("need at least 2 classes, got " + std::to_string(classes));
  if (in_channels != 1 && in_channels != 3)
    throw std::invalid_argument("input must have 1 or 3 channels, got " + std::to_string(in_channels));
  if (options.dropout < 0.0f || options.dropout >= 1.0f)
    throw std::invalid_argument("dropout must be in [0, 1)");
  a.classes = classes;
  a.in_channels = in_channels;
  a.in_size = in_size;
  a.options = options;
  if (options.half_width)
    for (std::size_t i = 0; i < a.convs.size(); ++i) {
      if (i + 1 < a.convs.size()) a.convs[i].out /= 2;
      a.convs[i].groups = 1;
    }
  // Check every layer still has a positive output at this input size.
  for (const auto& node : walk(a))
    if (node.out.h < 1 || node.out.w < 1)
      throw std::invalid_argument(name + " needs a larger input than " + std::to_string(in_size) + "x" +
                                  std::to_string(in_size) + " (" + node.name.substr(0, node.name.find('.')) +
                                  " has no output left)");
  return a;
}

}  // namespace alexnet
