// Which nodes each device runs for a split Arch, and the exchange slots they need.
#include <stdexcept>

#include "model/split/half.h"

namespace alexnet::split {
namespace {

void require_even(int n, const std::string& what) {
  if (n % 2 != 0)
    throw std::invalid_argument("cannot split " + what + " over two devices: " + std::to_string(n) + " is odd");
}

// Walks the one-device nodes, emitting each device's part of them and the gathers between.
class Planner {
 public:
  explicit Planner(const Arch& arch) : arch_(arch) {
    cur_[0] = cur_[1] = Shape3{arch.in_channels, arch.in_size, arch.in_size};
  }

  std::vector<NodeSpec> plan() {
    for (const ArchNode& node : walk(arch_)) {
      switch (node.kind) {
        case alexnet::NodeKind::Conv: conv(node); break;
        case alexnet::NodeKind::Activation: add(NodeKind::Activation, node.name, cur_, cur_); break;
        case alexnet::NodeKind::Lrn: lrn(node); break;
        case alexnet::NodeKind::Pool:
        case alexnet::NodeKind::AvgPool: {  // per channel: each device pools its own maps
          const Shape3 p{cur_[0].c, node.out.h, node.out.w};
          add(NodeKind::Pool, node.name, cur_, Pair{p, p}).avgpool = node.kind == alexnet::NodeKind::AvgPool;
          break;
        }
        case alexnet::NodeKind::Fc: fc(node); break;
        case alexnet::NodeKind::Dropout: {
          // A dropout before the first fc layer (torchvision's) sees the flattened maps.
          if (node.out.h == 1 && node.out.w == 1) flatten();
          NodeSpec& drop = add(NodeKind::Dropout, node.name, cur_, cur_);
          drop.first = {0, cur_[0].c};
          drop.total = node.out.c;
          drop.dropout = arch_.options.dropout;
          break;
        }
      }
    }
    const Pair logits = cur_;
    const Shape3 all{logits[0].c + logits[1].c, 1, 1};
    NodeSpec& g = add(NodeKind::GatherLogits, "logits.gather", logits, Pair{all, all});
    g.first = {0, logits[0].c};
    g.total = all.c;
    return std::move(out_);
  }

 private:
  using Pair = std::array<Shape3, 2>;

  NodeSpec& add(NodeKind kind, std::string name, Pair in, Pair o) {
    NodeSpec s;
    s.kind = kind;
    s.name = std::move(name);
    s.in = in;
    s.out = o;
    out_.push_back(std::move(s));
    cur_ = o;
    return out_.back();
  }

  // A layer that reads both halves: gather them first. The halves lie one after the other in each
  // sample's one-device layout (channels, or units), so device 0's part comes first.
  void gather(const std::string& consumer) {
    if (!halved_) return;
    Shape3 full = cur_[0];
    if (cur_[0].h == 1 && cur_[0].w == 1) full.c = cur_[0].c + cur_[1].c;
    else full.c = cur_[0].c * 2;
    NodeSpec& g = add(NodeKind::Gather, consumer + ".gather", cur_, Pair{full, full});
    g.first = {0, static_cast<int>(g.in[0].count())};
    g.total = static_cast<int>(full.count());
    halved_ = false;
  }

  void conv(const ArchNode& node) {
    const ConvSpec& c = *node.conv;
    require_even(c.out, c.name + "'s " + "output channels");
    ConvSpec half = c;
    half.out = c.out / 2;
    if (c.groups > 1) {
      require_even(c.groups, c.name + "'s groups");
      if (!halved_) throw std::invalid_argument("cannot split " + c.name + ": a grouped layer must follow a split one");
      half.groups = c.groups / 2;
    } else {
      gather(c.name);
    }
    const Shape3 o{half.out, node.out.h, node.out.w};
    add(NodeKind::Conv, c.name, cur_, Pair{o, o}).conv = half;
    halved_ = true;
  }

  void lrn(const ArchNode& node) {
    const int half = cur_[0].c;
    NodeSpec& lrn = add(NodeKind::Lrn, node.name, cur_, cur_);
    lrn.first = {0, half};
    lrn.total = node.out.c;
    lrn.halo = arch_.lrn.size / 2;
    if (half < lrn.halo)
      throw std::invalid_argument("cannot split " + node.name + ": each device's " + std::to_string(half) +
                                  " channels are fewer than the window's half width");
  }

  // (C/2, H, W) per sample is each device's contiguous half of the one-device features.
  void flatten() {
    for (auto& c : cur_) c = Shape3{static_cast<int>(c.count()), 1, 1};
  }

  void fc(const ArchNode& node) {
    flatten();
    const int units = node.out.c;
    if (node.fc->hidden) require_even(units, node.name + "'s units");
    gather(node.name);
    const Pair o{Shape3{(units + 1) / 2, 1, 1}, Shape3{units / 2, 1, 1}};
    NodeSpec& fc = add(NodeKind::Fc, node.name, cur_, o);
    fc.bias_init = node.fc->bias_init;
    fc.total = units;
    halved_ = true;
  }

  const Arch& arch_;
  std::vector<NodeSpec> out_;
  Pair cur_;
  bool halved_ = false;  // whether each device holds only its half of cur_
};

}  // namespace

std::vector<NodeSpec> plan(const Arch& arch) { return Planner(arch).plan(); }

void assign_slots(std::vector<NodeSpec>& specs, int mb, vkrt::HostExchange& exchange) {
  const std::size_t b = static_cast<std::size_t>(mb) * sizeof(float);
  for (auto& s : specs) {
    if (s.kind == NodeKind::Gather || s.kind == NodeKind::GatherLogits) {
      const std::size_t part0 = s.in[0].count(), part1 = s.in[1].count();
      s.forward_slot = exchange.add_slot({b * part0, b * part1});
      // Backward: each device sends the other's part of its partial gradient.
      if (s.kind == NodeKind::Gather) s.backward_slot = exchange.add_slot({b * part1, b * part0});
    } else if (s.kind == NodeKind::Lrn) {
      // The boundary channels facing the other device: x forward, dy * y / scale backward.
      const std::size_t halo = b * static_cast<std::size_t>(s.halo) * s.out[0].h * s.out[0].w;
      s.forward_slot = exchange.add_slot({halo, halo});
      s.backward_slot = exchange.add_slot({halo, halo});
    }
  }
}

}  // namespace alexnet::split
