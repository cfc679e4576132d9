// Which nodes each device runs for a split Arch, and the exchange slots they need.
#include <stdexcept>

#include "model/split/half.h"

namespace alexnet::split {
namespace {

void require_even(int n, const std::string& what) {
  if (n % 2 != 0)
    throw std::invalid_argument("cannot split " + what + " over two devices: " + std::to_string(n) + " is odd");
}

}  // namespace

std::vector<NodeSpec> plan(const Arch& arch) {
  std::vector<NodeSpec> out;
  using Pair = std::array<net::Shape3, 2>;
  Pair cur{net::Shape3{arch.in_channels, arch.in_size, arch.in_size}, net::Shape3{arch.in_channels, arch.in_size, arch.in_size}};
  bool halved = false;  // whether each device holds only its half of `cur`
  auto add = [&](NodeKind kind, std::string name, Pair in, Pair o) -> NodeSpec& {
    NodeSpec s;
    s.kind = kind;
    s.name = std::move(name);
    s.in = in;
    s.out = o;
    out.push_back(std::move(s));
    cur = o;
    return out.back();
  };
  // A layer that reads both halves: gather them first. The halves lie one after the other in each
  // sample's one-device layout (channels, or units), so device 0's part comes first.
  auto gather = [&](const std::string& consumer) {
    if (!halved) return;
    net::Shape3 full = cur[0];
    if (cur[0].h == 1 && cur[0].w == 1) full.c = cur[0].c + cur[1].c;
    else full.c = cur[0].c * 2;
    NodeSpec& g = add(NodeKind::Gather, consumer + ".gather", cur, Pair{full, full});
    g.first = {0, static_cast<int>(g.in[0].count())};
    g.total = static_cast<int>(full.count());
    halved = false;
  };

  for (const auto& c : arch.convs) {
    require_even(c.out, c.name + "'s " + "output channels");
    ConvSpec half = c;
    half.out = c.out / 2;
    if (c.groups > 1) {
      require_even(c.groups, c.name + "'s groups");
      if (!halved) throw std::invalid_argument("cannot split " + c.name + ": a grouped layer must follow a split one");
      half.groups = c.groups / 2;
    } else {
      gather(c.name);
    }
    const net::Shape3 in = cur[0];
    const int size_h = (in.h + c.pad + c.pad_end - c.kernel) / c.stride + 1;
    const int size_w = (in.w + c.pad + c.pad_end - c.kernel) / c.stride + 1;
    const net::Shape3 o{half.out, size_h, size_w};
    NodeSpec& conv = add(NodeKind::Conv, c.name, cur, Pair{o, o});
    conv.conv = half;
    halved = true;
    add(NodeKind::Activation, c.name + ".act", cur, cur);
    if (c.lrn && arch.options.lrn) {
      NodeSpec& lrn = add(NodeKind::Lrn, c.name + ".lrn", cur, cur);
      lrn.first = {0, half.out};
      lrn.total = c.out;
      lrn.halo = arch.lrn.size / 2;
      if (half.out < lrn.halo)
        throw std::invalid_argument("cannot split " + c.name + ".lrn: each device's " + std::to_string(half.out) +
                                    " channels are fewer than the window's half width");
    }
    if (c.pool) {
      const int k = arch.pool_kernel(), s = arch.pool_stride();
      const net::Shape3 p{o.c, (o.h - k) / s + 1, (o.w - k) / s + 1};
      add(NodeKind::Pool, c.name + ".pool", cur, Pair{p, p});
    }
  }
  // Flatten: (C/2, H, W) per sample is each device's contiguous half of the one-device features.
  for (auto& s : cur) s = net::Shape3{static_cast<int>(s.count()), 1, 1};
  for (const auto& f : arch.fcs) {
    const int units = arch.fc_out(f);
    if (f.hidden) require_even(units, f.name + "'s units");
    gather(f.name);
    const int features = cur[0].c;
    const Pair o{net::Shape3{(units + 1) / 2, 1, 1}, net::Shape3{units / 2, 1, 1}};
    NodeSpec& fc = add(NodeKind::Fc, f.name, cur, o);
    fc.weight_std = arch.weight_std_for(features);
    fc.bias_init = f.bias_init;
    fc.total = units;
    halved = true;
    if (f.hidden) {
      add(NodeKind::Activation, f.name + ".act", cur, cur);
      if (arch.options.dropout > 0) {
        NodeSpec& drop = add(NodeKind::Dropout, f.name + ".dropout", cur, cur);
        drop.first = {0, o[0].c};
        drop.total = units;
        drop.dropout = arch.options.dropout;
      }
    }
  }
  const Pair logits = cur;
  const net::Shape3 all{logits[0].c + logits[1].c, 1, 1};
  NodeSpec& g = add(NodeKind::GatherLogits, "logits.gather", logits, Pair{all, all});
  g.first = {0, logits[0].c};
  g.total = all.c;
  return out;
}

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
