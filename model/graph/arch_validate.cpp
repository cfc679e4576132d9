// validate_arch (model/graph/arch.h): every rule an Arch must keep to be built, checked on the
// description before any device work, each failure one line naming the layer and the field. The
// bounds are far past any network that fits a device; they keep the size arithmetic of the walk,
// the memory estimate and the ops inside int.
#include <climits>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

#include "model/graph/arch.h"

namespace alexnet {
namespace {

constexpr int kMaxInputSize = 16384;  // the largest image side the data pipeline decodes
constexpr int kMaxWindow = 255;       // kernels, strides, pads, pool windows
constexpr int kMaxWidth = 65536;      // channels of a convolution
constexpr int kMaxUnits = 1 << 20;    // units of a fully connected layer, classes

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

void require_range(const std::string& what, long long value, long long lo, long long hi) {
  require(value >= lo && value <= hi, what + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                          "], got " + std::to_string(value));
}

void require_finite(const std::string& what, double value, bool positive) {
  require(std::isfinite(value) && (positive ? value > 0 : true),
          what + " must be a finite" + (positive ? " positive" : "") + " number");
}

// A layer's name becomes its parameters' names ("conv1.weight"): printable, no dots, unique.
void check_name(const std::string& name, const std::string& what, std::set<std::string>& seen) {
  require(!name.empty() && name.size() <= 64, what + ": a name of 1 to 64 characters is needed");
  for (unsigned char c : name)
    require(c > 0x20 && c < 0x7f && c != '.', what + ": the name may hold no dots, spaces or control characters");
  require(seen.insert(name).second, what + ": the name '" + name + "' is used twice");
}

void check_input(const Arch& a) {
  require(!a.name.empty() && a.name.size() <= 64, "name: 1 to 64 characters are needed");
  for (unsigned char c : a.name) require(c >= 0x20 && c != 0x7f, "name: no control characters");
  require(a.classes >= 2 && a.classes <= kMaxUnits,
          "need at least 2 classes (and at most " + std::to_string(kMaxUnits) + "), got " + std::to_string(a.classes));
  require(a.in_channels == 1 || a.in_channels == 3, "input must have 1 or 3 channels, got " + std::to_string(a.in_channels));
  require_range("in_size", a.in_size, 1, kMaxInputSize);
  require(a.options.dropout >= 0.0f && a.options.dropout < 1.0f, "dropout must be in [0, 1)");
  require_finite("pixel_scale", a.pixel_scale, true);
  const std::string channels = std::to_string(a.in_channels) + " channel" + (a.in_channels == 1 ? "" : "s");
  require(a.input_mean.empty() || a.input_mean.size() == std::size_t(a.in_channels),
          "input_mean has " + std::to_string(a.input_mean.size()) + " values, the input has " + channels);
  require(a.input_std.empty() || a.input_std.size() == std::size_t(a.in_channels),
          "input_std has " + std::to_string(a.input_std.size()) + " values, the input has " + channels);
  for (float m : a.input_mean) require(std::isfinite(m) && m >= 0 && m <= 1, "input_mean values must lie in [0, 1]");
  for (float s : a.input_std) require_finite("every input_std value", s, true);
  if (!a.he_init) require_finite("weight_std", a.weight_std, true);
  require(a.lrn.size >= 1 && a.lrn.size <= 63 && a.lrn.size % 2 == 1, "lrn_params.size must be odd, from 1 to 63");
  require_finite("lrn_params.k", a.lrn.k, true);
  require(std::isfinite(a.lrn.alpha) && a.lrn.alpha >= 0, "lrn_params.alpha must be a finite number >= 0");
  require(std::isfinite(a.lrn.beta) && a.lrn.beta >= 0, "lrn_params.beta must be a finite number >= 0");
  require_range("pool_kernel", a.max_pool_kernel, 1, kMaxWindow);
  require_range("pool_stride", a.max_pool_stride, 1, kMaxWindow);
  require_range("avgpool", a.avgpool, 0, 1024);
}

void check_layers(const Arch& a) {
  require(!a.convs.empty(), "convs: at least one convolution is needed");
  require(!a.fcs.empty(), "fcs: at least one fully connected layer (the classifier) is needed");
  std::set<std::string> seen{"avgpool"};
  for (const auto& c : a.convs) {
    check_name(c.name, "convs", seen);
    require_range(c.name + ".out", c.out, 1, kMaxWidth);
    require_range(c.name + ".kernel", c.kernel, 1, kMaxWindow);
    require_range(c.name + ".stride", c.stride, 1, kMaxWindow);
    require_range(c.name + ".pad", c.pad, 0, kMaxWindow);
    require_range(c.name + ".pad_end", c.pad_end, 0, kMaxWindow);
    require_range(c.name + ".groups", c.groups, 1, c.out);
    require_finite(c.name + ".bias_init", c.bias_init, false);
  }
  for (std::size_t i = 0; i < a.fcs.size(); ++i) {
    const FcSpec& f = a.fcs[i];
    check_name(f.name, "fcs", seen);
    const bool last = i + 1 == a.fcs.size();
    if (last) {
      require(f.out == 0 || f.out == a.classes, f.name + ".out: the last layer gives one output per class (" +
                                                    std::to_string(a.classes) + "), not " + std::to_string(f.out));
      require(!f.hidden, f.name + ": the last layer (the classifier) cannot be hidden");
    } else {
      require_range(f.name + ".out", f.out, 1, kMaxUnits);
    }
    require_finite(f.name + ".bias_init", f.bias_init, false);
  }
}

// The shapes, from the one walk: channels each grouped convolution can split, windows that fit.
void check_shapes(const Arch& a) {
  const std::string size = std::to_string(a.in_size);
  for (const ArchNode& node : walk(a)) {
    const std::string at = " at input " + size + "x" + size;
    if (node.kind == NodeKind::Conv) {
      const ConvSpec& c = *node.conv;
      require(node.in.c % c.groups == 0 && c.out % c.groups == 0,
              c.name + ".groups: " + std::to_string(c.groups) + " does not divide its " + std::to_string(node.in.c) +
                  " input and " + std::to_string(c.out) + " output channels");
      require(node.in.h + c.pad + c.pad_end >= c.kernel && node.in.w + c.pad + c.pad_end >= c.kernel,
              a.name + " needs a larger input than " + size + "x" + size + " (" + c.name + "'s kernel " +
                  std::to_string(c.kernel) + " is larger than its padded input " +
                  std::to_string(node.in.h + c.pad + c.pad_end) + ")");
    } else if (node.kind == NodeKind::Pool) {
      require(node.in.h >= a.pool_kernel() && node.in.w >= a.pool_kernel(),
              a.name + " needs a larger input than " + size + "x" + size + " (" + node.name + "'s window " +
                  std::to_string(a.pool_kernel()) + " is larger than its input " + std::to_string(node.in.h) + "x" +
                  std::to_string(node.in.w) + ")");
    } else if (node.kind == NodeKind::Fc) {
      require(node.in.c >= 1, a.name + ": " + node.name + " would read more features than a layer can hold");
    }
    require(node.out.c >= 1 && node.out.h >= 1 && node.out.w >= 1 && node.out.count() <= std::size_t(INT_MAX),
            a.name + ": " + node.name + " has no output" + at + " or more values than a layer can hold");
  }
}

}  // namespace

void validate_arch(const Arch& arch) {
  check_input(arch);
  check_layers(arch);
  check_shapes(arch);
}

}  // namespace alexnet
