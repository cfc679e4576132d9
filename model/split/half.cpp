#include "model/split/half.h"

#include <algorithm>
#include <stdexcept>

#include "model/layers/conv_layer.h"
#include "model/layers/dropout_layer.h"
#include "model/layers/fc_layer.h"
#include "model/layers/make_layer.h"
#include "model/ops/gemm/accumulate_push.h"
#include "runtime/transfer.h"

namespace alexnet::split {

// ---- Recorder ----

void Recorder::open(int wait_k) {
  if (used_ == segments_.size()) segments_.push_back({std::make_unique<vkrt::Stream>(context_)});
  Segment& s = segments_[used_++];
  s.wait = wait_k;
  s.signal = -1;
  s.stream->begin();
  // Orders this segment after everything submitted before it on the queue, and after the host's
  // copy into the receive buffer when it waits for an exchange.
  s.stream->barrier();
  if (wait_k >= 0) s.stream->host_writes_barrier();
  s.begin_slot = s.stream->timestamp();
}

void Recorder::start() {
  ++recordings_;
  used_ = 0;
  open(-1);
}

void Recorder::cut(int signal_k, int wait_k) {
  Segment& s = segments_[used_ - 1];
  s.signal = signal_k;
  s.end_slot = s.stream->timestamp();
  s.stream->end();
  open(wait_k);
}

int Recorder::exchange(std::vector<int>& slots, int slot, bool wait_now) {
  const int k = static_cast<int>(slots.size());
  slots.push_back(slot);
  cut(k, wait_now ? k : -1);
  return k;
}

void Recorder::finish() {
  Segment& s = segments_[used_ - 1];
  s.end_slot = s.stream->timestamp();
  s.stream->end();
}

double Recorder::idle_ms() const {
  double idle = 0;
  for (std::size_t i = 1; i < used_; ++i) {
    const double end = segments_[i - 1].stream->timestamp_ms(segments_[i - 1].end_slot);
    const double begin = segments_[i].stream->timestamp_ms(segments_[i].begin_slot);
    if (end >= 0 && begin >= 0) idle += std::max(0.0, begin - end);
  }
  return idle;
}

void Recorder::submit_segment(std::size_t i, const vkrt::HostExchange& exchange, int device) {
  const Segment& s = segments_[i];
  s.stream->submit(s.wait >= 0 ? exchange.ready(device, s.wait) : vkrt::TimelinePoint{},
                   s.signal >= 0 ? exchange.produced(device, s.signal) : vkrt::TimelinePoint{});
}

void Recorder::submit(const vkrt::HostExchange& exchange, int device) {
  for (std::size_t i = 0; i < used_; ++i) submit_segment(i, exchange, device);
}

void Recorder::submit_through(const vkrt::HostExchange& exchange, int device, int k) {
  while (submitted_ < used_) {
    const Segment& s = segments_[submitted_];
    submit_segment(submitted_++, exchange, device);
    s.stream->wait();
    if (k >= 0 && s.signal == k) return;
  }
  submitted_ = 0;
}

void Recorder::wait() {
  for (std::size_t i = 0; i < used_; ++i) segments_[i].stream->wait();
}

// ---- Nodes ----

struct Node {
  NodeSpec spec;
  std::unique_ptr<net::Layer> layer;  // Conv, Fc, Activation, Pool
  net::ConvLayer* conv = nullptr;
  net::FcLayer* fc = nullptr;
  std::optional<LrnOp> lrn;
  vkrt::Buffer scale;  // Lrn: kept for backward
  std::optional<DropoutOp> dropout;
  std::uint32_t salt = 0;
  vkrt::Buffer own_dx;    // Gather, GatherLogits: this device's half of dx
  std::optional<vkrt::Kernel> add;
  int out = -1;  // index into Half::activations; -1 when in place
  const vkrt::Buffer* dy = nullptr;
  const vkrt::Buffer* dx = nullptr;  // null for the first node
  bool in_place() const { return spec.kind == NodeKind::Activation || spec.kind == NodeKind::Dropout; }
};

namespace {

constexpr VkDeviceSize F = sizeof(float);

// Per sample, `count` floats of one device's part, between a contiguous half and its place in the
// full layout.
vkrt::StridedCopy part_to_full(int mb, std::size_t part, std::size_t offset, std::size_t full) {
  return {0, offset * F, part * F, part * F, full * F, static_cast<std::uint32_t>(mb)};
}
vkrt::StridedCopy full_to_part(int mb, std::size_t part, std::size_t offset, std::size_t full) {
  return {offset * F, 0, part * F, full * F, part * F, static_cast<std::uint32_t>(mb)};
}

}  // namespace

Half::Half(vkrt::Context& ctx, int d, const Arch& a, const std::vector<NodeSpec>& specs, int mb, int b,
           vkrt::HostExchange& ex, GemmPath gemm_path)
    : context(ctx),
      device(d),
      arch(a),
      micro_batch(mb),
      batch(b),
      exchange(ex),
      io(ctx, b, a.in_channels, std::size_t(a.in_size) * a.in_size, a.classes),
      dropout_key(ctx),
      loss_op(ctx, a.classes),
      sgd_op(ctx),
      train_recorder(ctx),
      infer_recorder(ctx),
      update_stream(ctx) {
  auto& alloc = ctx.allocator();
  std::size_t largest = 0;  // floats per sample of the ping-pong gradient buffers
  for (const auto& spec : specs) {
    auto node = std::make_unique<Node>();
    node->spec = spec;
    const Shape3 in = spec.in[d], o = spec.out[d];
    switch (spec.kind) {
      case NodeKind::Conv:
        node->layer = net::make_layer(ctx, a, {alexnet::NodeKind::Conv, spec.name, in, o, &node->spec.conv}, mb,
                                     Precision::Fp32, gemm_path);
        node->conv = static_cast<net::ConvLayer*>(node->layer.get());
        break;
      case NodeKind::Fc: {
        FcSpec fc{spec.name, o.c, false, spec.bias_init};
        node->layer = net::make_layer(ctx, a, {alexnet::NodeKind::Fc, spec.name, in, o, nullptr, &fc}, mb,
                                     Precision::Fp32, gemm_path);
        node->fc = static_cast<net::FcLayer*>(node->layer.get());
        break;
      }
      case NodeKind::Activation:
        node->layer = net::make_layer(ctx, a, {alexnet::NodeKind::Activation, spec.name, in, o}, mb);
        break;
      case NodeKind::Pool:
        node->layer = net::make_layer(
            ctx, a, {spec.avgpool ? alexnet::NodeKind::AvgPool : alexnet::NodeKind::Pool, spec.name, in, o}, mb);
        break;
      case NodeKind::Lrn: {
        node->lrn.emplace(ctx, ref::Nchw{mb, in.c, in.h, in.w}, a.lrn, LrnSlice{spec.first[d], spec.total});
        node->scale = alloc.allocate(in.count() * mb * F, vkrt::Intent::DeviceLocal);
        break;
      }
      case NodeKind::Dropout:
        node->dropout.emplace(ctx);
        node->salt = net::DropoutLayer::salt(spec.name);
        break;
      case NodeKind::Gather:
      case NodeKind::GatherLogits: {
        const std::size_t part = in.count() * mb;
        node->own_dx = alloc.allocate(part * F, vkrt::Intent::DeviceLocal);
        if (spec.kind == NodeKind::Gather) {
          const auto count = static_cast<std::uint32_t>(part);
          node->add.emplace(ctx, vkrt::KernelDesc{"sum_slices", {64, 1, 1}, {count, 1u, count}});
        }
        break;
      }
    }
    if (!node->in_place()) {
      node->out = static_cast<int>(activations.size());
      activations.push_back(alloc.allocate(o.count() * mb * F, vkrt::Intent::DeviceLocal));
      if (spec.kind != NodeKind::Gather && spec.kind != NodeKind::GatherLogits) largest = std::max(largest, in.count());
    }
    largest = std::max(largest, o.count());
    nodes.push_back(std::move(node));
  }
  const std::size_t classes = a.classes;
  grad_a = alloc.allocate(largest * mb * F, vkrt::Intent::DeviceLocal);
  grad_b = alloc.allocate(largest * mb * F, vkrt::Intent::DeviceLocal);
  logits_grad = alloc.allocate(classes * mb * F, vkrt::Intent::DeviceLocal);

  // dy and dx of every node, walking backward from the logits' gradient (as Network does, with
  // a gather's own half of dx in a buffer of its own: its consumer's weight gradients still read
  // their dy while the exchange runs).
  const vkrt::Buffer* current = &logits_grad;
  for (std::size_t i = nodes.size(); i-- > 0;) {
    Node& n = *nodes[i];
    n.dy = current;
    if (n.in_place()) {
      n.dx = current;
    } else if (n.spec.kind == NodeKind::Gather || n.spec.kind == NodeKind::GatherLogits) {
      n.dx = &n.own_dx;
    } else if (i > 0) {
      n.dx = current == &grad_a ? &grad_b : &grad_a;
    }
    if (n.dx) current = n.dx;
  }

  inference_labels = vkrt::upload<std::int32_t>(ctx, std::vector<std::int32_t>(mb, 0));
  rounds.emplace(ctx, mb, std::size_t(a.in_channels) * a.in_size * a.in_size, a.classes);
  inference_loss = alloc.allocate(mb * F, vkrt::Intent::DeviceLocal);
}

Half::~Half() = default;

std::vector<net::Parameter*> Half::parameters() {
  std::vector<net::Parameter*> out;
  for (auto& n : nodes)
    if (n->layer)
      for (auto* p : n->layer->parameters()) out.push_back(p);
  return out;
}

std::size_t Half::activation_bytes() const {
  std::size_t total = grad_a.size() + grad_b.size() + logits_grad.size();
  for (const auto& a : activations) total += a.size();
  for (const auto& n : nodes) {
    if (n->layer) total += n->layer->state_bytes();
    for (const vkrt::Buffer* b : {&n->scale, &n->own_dx})
      total += b->size();
  }
  return total;
}

std::pair<const vkrt::Buffer*, std::size_t> Half::output_of_node(const std::string& name) const {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i]->spec.name != name) continue;
    for (std::size_t j = i + 1; j-- > 0;)
      if (nodes[j]->out >= 0) return {&activations[nodes[j]->out], nodes[i]->spec.out[device].count()};
  }
  throw std::invalid_argument("the split network has no node '" + name + "' with an output buffer");
}

vkrt::BufferRange Half::output_of(std::size_t i, const vkrt::BufferRange& x) const {
  for (std::size_t j = i + 1; j-- > 0;)
    if (nodes[j]->out >= 0) return vkrt::BufferRange(activations[nodes[j]->out]);
  return x;
}

net::LayerIO Half::io_for(std::size_t i, const vkrt::BufferRange& x, const net::StepKey& key,
                          std::uint64_t first) const {
  const vkrt::BufferRange in = i == 0 ? x : output_of(i - 1, x);
  net::LayerIO io{in, output_of(i, x), {}, {}, micro_batch, first, key};
  if (nodes[i]->dy) io.dy = vkrt::BufferRange(*nodes[i]->dy);
  if (nodes[i]->dx) io.dx = vkrt::BufferRange(*nodes[i]->dx);
  return io;
}

void Half::record_forward(Recorder& r, const vkrt::BufferRange& x, const net::StepKey& key, std::uint64_t first,
                          std::vector<int>& slots) {
  const int d = device, o = 1 - d, mb = micro_batch;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Node& n = *nodes[i];
    const NodeSpec& s = n.spec;
    const net::LayerIO io = io_for(i, x, key, first);
    switch (s.kind) {
      case NodeKind::Conv:
      case NodeKind::Fc:
      case NodeKind::Activation:
      case NodeKind::Pool:
        n.layer->forward(r.stream(), io);
        break;
      case NodeKind::Dropout:
        if (!key.train) continue;  // the identity at inference
        n.dropout->forward(r.stream(), io.x, io.y, std::uint64_t(s.out[d].c) * mb, s.dropout, dropout_key.key(n.salt),
                           first * s.total,
                           DropoutRows{std::uint64_t(s.out[d].c), std::uint64_t(s.total), std::uint64_t(s.first[d])});
        break;
      case NodeKind::Lrn: {
        // This device's boundary channels are the other's halo; the receive buffer is read in place.
        n.lrn->boundary_channels(r.stream(), io.x, exchange.send(s.forward_slot, d));
        r.exchange(slots, s.forward_slot);
        const vkrt::BufferRange halo(exchange.recv(s.forward_slot, d));
        n.lrn->forward(r.stream(), io.x, io.y, n.scale, &halo);
        break;
      }
      case NodeKind::Gather:
      case NodeKind::GatherLogits: {
        const std::size_t mine = s.in[d].count(), theirs = s.in[o].count(), full = s.out[d].count();
        r.stream().copy(io.x.sub(0, mine * mb * F), vkrt::BufferRange(exchange.send(s.forward_slot, d)).sub(0, mine * mb * F));
        r.stream().copy_strided(io.x, io.y, part_to_full(mb, mine, s.first[d], full));
        r.exchange(slots, s.forward_slot);
        r.stream().copy_strided(exchange.recv(s.forward_slot, d), io.y, part_to_full(mb, theirs, s.first[o], full));
        break;
      }
    }
    r.stream().barrier();
  }
}

void Half::record_backward(Recorder& r, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                           const vkrt::BufferRange& p, const net::StepKey& key, std::uint64_t first, float loss_scale,
                           bool accumulate, std::vector<int>& slots) {
  const int d = device, o = 1 - d, mb = micro_batch;
  loss_op.backward(r.stream(), p, y, logits_grad, static_cast<std::uint32_t>(mb), loss_scale);
  r.stream().barrier();
  Node* deferred = nullptr;  // a layer whose weight gradients wait for its gather's send
  std::optional<net::LayerIO> deferred_io;
  for (std::size_t i = nodes.size(); i-- > 0;) {
    Node& n = *nodes[i];
    const NodeSpec& s = n.spec;
    const net::LayerIO io = io_for(i, x, key, first);
    const bool before_gather = i > 0 && nodes[i - 1]->spec.kind == NodeKind::Gather;
    switch (s.kind) {
      case NodeKind::Conv:
      case NodeKind::Fc:
        if (before_gather) {
          if (n.conv) n.conv->backward_data(r.stream(), io);
          else n.fc->backward_data(r.stream(), io);
          deferred = &n;
          deferred_io = io;
        } else {
          n.layer->backward(r.stream(), io, accumulate);
        }
        break;
      case NodeKind::Activation:
      case NodeKind::Pool:
        n.layer->backward(r.stream(), io, accumulate);
        break;
      case NodeKind::Dropout:
        n.dropout->backward(r.stream(), *io.dy, *io.dx, std::uint64_t(s.out[d].c) * mb, s.dropout, dropout_key.key(n.salt),
                            first * s.total,
                            DropoutRows{std::uint64_t(s.out[d].c), std::uint64_t(s.total), std::uint64_t(s.first[d])});
        break;
      case NodeKind::Lrn: {
        // The other device's window sums need dy * y / scale of this device's boundary channels.
        n.lrn->boundary_ratio(r.stream(), *io.dy, io.y, n.scale, exchange.send(s.backward_slot, d));
        r.exchange(slots, s.backward_slot);
        const vkrt::BufferRange halo(exchange.recv(s.backward_slot, d));
        n.lrn->backward(r.stream(), io.x, io.y, n.scale, *io.dy, *io.dx, &halo);
        break;
      }
      case NodeKind::Gather: {
        // Reduce-scatter: send the other device its part of this partial gradient, keep this
        // device's part, then add the other's partial of it.
        const std::size_t mine = s.in[d].count(), theirs = s.in[o].count(), full = s.out[d].count();
        r.stream().copy_strided(*io.dy, exchange.send(s.backward_slot, d), full_to_part(mb, theirs, s.first[o], full));
        r.stream().copy_strided(*io.dy, *io.dx, full_to_part(mb, mine, s.first[d], full));
        const int k = r.exchange(slots, s.backward_slot, false);
        if (deferred) {  // runs while the exchange does
          if (deferred->conv) deferred->conv->backward_params(r.stream(), *deferred_io, accumulate);
          else deferred->fc->backward_params(r.stream(), *deferred_io, accumulate);
          deferred = nullptr;
        }
        r.cut(-1, k);
        // Read in place from the receive buffer (host-visible; small next to the layer's work).
        const AccumulatePush accumulate_push{1};
        const vkrt::BufferRange received = vkrt::BufferRange(exchange.recv(s.backward_slot, d)).sub(0, mine * mb * F);
        r.stream().dispatch(*n.add, {vkrt::scalar_texels(received), vkrt::scalar_texels(*io.dx)}, accumulate_push,
                            vkrt::linear_groups(mine * mb, 64));
        break;
      }
      case NodeKind::GatherLogits: {
        // Both devices hold the whole (identical) dlogits: keep this device's part.
        r.stream().copy_strided(*io.dy, *io.dx, full_to_part(mb, s.in[d].count(), s.first[d], s.out[d].count()));
        break;
      }
    }
    r.stream().barrier();
  }
}

void Half::record_step(Recorder& r, int b, const net::StepKey& key, std::vector<int>& slots) {
  if (b != batch || b % micro_batch != 0) throw std::invalid_argument("split step: batch does not match the buffers");
  const std::size_t mb = micro_batch;
  r.start();
  io.record_upload(r.stream(), io.pending_slot(), io.pending_kind(), b, true);
  const StepBuffers step{&io.images, &io.labels, &io.loss, &io.probs};
  for (int round = 0; round < b / micro_batch; ++round) {
    const std::size_t first = round * mb;
    // The scratch a round copies in stays valid across the exchange cuts: one device's segments
    // run in order on its queue, each opening with a barrier.
    const RoundSlices::Round s = rounds->begin(r.stream(), step, first);
    const std::uint64_t sample = first_sample + first;  // in the whole step, for dropout
    record_forward(r, s.images, key, sample, slots);
    loss_op.forward(r.stream(), output_of(nodes.size() - 1, s.images), s.labels, s.probs, s.loss,
                    static_cast<std::uint32_t>(mb));
    r.stream().barrier();
    rounds->end(r.stream(), s, step, first);
    record_backward(r, s.images, s.labels, s.probs, key, sample, 1.0f / static_cast<float>(step_batch ? step_batch : b),
                    round > 0, slots);
  }
  io.record_readback(r.stream(), b, true);
  r.finish();
}

void Half::record_inference(Recorder& r, std::vector<int>& slots) {
  const std::size_t mb = micro_batch, in = std::size_t(arch.in_channels) * arch.in_size * arch.in_size,
                    classes = arch.classes;
  net::StepKey key;
  key.train = false;
  r.start();
  const vkrt::BufferRange x(io.images, 0, mb * in * F);
  io.record_upload(r.stream(), io.pending_slot(), InputKind::Floats, micro_batch, false);
  record_forward(r, x, key, 0, slots);
  const vkrt::BufferRange p(io.probs, 0, mb * classes * F);
  loss_op.forward(r.stream(), output_of(nodes.size() - 1, x), inference_labels, p, inference_loss,
                  static_cast<std::uint32_t>(mb));
  r.stream().barrier();
  io.record_readback(r.stream(), micro_batch, false);
  r.finish();
}

void Half::record_update(vkrt::Stream& stream, const SgdConfig& sgd) {
  stream.begin();
  stream.barrier();
  for (auto* p : parameters())
    sgd_op.update(stream, p->value, p->momentum, p->grad, io.lr, p->count, sgd.momentum, sgd.weight_decay * p->weight_decay_mult);
  stream.end();
}

}  // namespace alexnet::split
