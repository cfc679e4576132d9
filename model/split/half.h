// One device's half of a SplitNetwork (model/split/split_network.h): the plan both devices share, the
// layers and buffers of one device, and the recording of its part of a step as a chain of
// submissions cut at the exchanges.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/ops/dropout.h"
#include "model/ops/lrn.h"
#include "model/ops/sgd.h"
#include "model/ops/softmax_xent.h"
#include "model/layers/layer.h"
#include "model/graph/network.h"
#include "model/graph/round_slices.h"
#include "model/graph/step_io.h"
#include "model/split/split_network.h"
#include "runtime/exchange.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet::split {

enum class NodeKind {
  Conv,          // half the output channels; groups halved (grouped) or reading the gathered input
  Fc,            // half the output units, reading the gathered input
  Activation,    // in place
  Pool,
  Lrn,           // with the other device's boundary channels as a halo
  Dropout,       // in place, masks at the one-device unit index
  Gather,        // own half + the other's -> the full layout; backward: reduce-scatter
  GatherLogits,  // the same for fc8's output; backward: the own half of the (complete) dlogits
};

// A node as both devices see it: per-device sizes where the halves may differ (fc8 with an odd
// class count), and the exchange slots it uses.
struct NodeSpec {
  NodeKind kind;
  std::string name;
  std::array<Shape3, 2> in, out;  // per-sample shapes on each device
  ConvSpec conv;                       // Conv: the half's spec (out and groups halved)
  std::array<int, 2> first{0, 0};      // Lrn: first global channel; Dropout/Gather: first unit
  int total = 0;                       // Lrn: channels; Dropout/Gather: units, of the one-device layer
  int halo = 0;                        // Lrn: boundary channels fetched from the other device
  float bias_init = 0, dropout = 0;
  bool avgpool = false;                // Pool: adaptive average pooling (to out's size), not max
  int forward_slot = -1, backward_slot = -1;
};

// The nodes of `arch` split over two devices. Throws std::invalid_argument when a layer cannot
// be halved.
std::vector<NodeSpec> plan(const Arch& arch);

// Exchange bytes per direction of each slot a plan needs, at micro-batch mb; assigns the slots.
void assign_slots(std::vector<NodeSpec>& specs, int mb, vkrt::HostExchange& exchange);

// A chain of submissions for one device: a new segment starts at every exchange, waiting (on the
// device) for the exchange's data, and the segment before it signals that its send buffer is
// written. Segments are kept and re-recorded, so a recording can be made again every step.
class Recorder {
 public:
  explicit Recorder(vkrt::Context& context) : context_(context) {}
  void start();                       // the first segment of a recording
  vkrt::Stream& stream() { return *segments_[used_ - 1].stream; }
  // Ends the current segment, signalling exchange k (-1: none), and opens the next, which waits
  // for exchange `wait_k` (-1: none).
  void cut(int signal_k, int wait_k);
  // An exchange point through `slot`: ends the segment (which signals that its send buffer is
  // written), records the slot as exchange k = slots.size(), and opens the next segment, waiting
  // for the data unless wait_now is false (then the caller queues independent work first and
  // cuts again with cut(-1, k)). Returns k.
  int exchange(std::vector<int>& slots, int slot, bool wait_now = true);
  void finish();
  // Submits every segment; the values of the waits and signals come from `exchange` now.
  void submit(const vkrt::HostExchange& exchange, int device);
  // One at a time instead (ALEXNET_VK_SPLIT_SERIAL=1, for telling a synchronization fault from a
  // kernel fault on a new driver): submits the segments up to the one that signals exchange k (all
  // when k < 0) and waits for them.
  void submit_through(const vkrt::HostExchange& exchange, int device, int k);
  void reset_progress() { submitted_ = 0; }
  void wait();
  std::size_t segments() const { return used_; }
  std::size_t recordings() const { return recordings_; }  // start() calls so far
  // After wait(): the time this device sat between segments of the last recording, i.e. waiting
  // for exchanges (from timestamps at each segment's start and end; 0 without timestamps).
  double idle_ms() const;

 private:
  struct Segment {
    std::unique_ptr<vkrt::Stream> stream;
    int wait = -1, signal = -1;
    int begin_slot = -1, end_slot = -1;  // timestamps
  };
  void open(int wait_k);
  void submit_segment(std::size_t i, const vkrt::HostExchange& exchange, int device);
  vkrt::Context& context_;
  std::vector<Segment> segments_;
  std::size_t used_ = 0;
  std::size_t submitted_ = 0;  // submit_through's progress
  std::size_t recordings_ = 0;
};

struct Node;

struct Half {
  Half(vkrt::Context& context, int device, const Arch& arch, const std::vector<NodeSpec>& specs, int micro_batch,
       int batch, vkrt::HostExchange& exchange, GemmPath gemm_path = GemmPath::Auto);
  ~Half();
  Half(const Half&) = delete;
  Half& operator=(const Half&) = delete;

  std::vector<net::Parameter*> parameters();
  std::size_t activation_bytes() const;  // see SplitNetwork::memory()
  // The buffer holding node `name`'s output after a forward pass (its own, or the nearest earlier
  // node's when it works in place) and this device's floats per sample of it. Throws
  // std::invalid_argument for an unknown name.
  std::pair<const vkrt::Buffer*, std::size_t> output_of_node(const std::string& name) const;
  // Records a training step over `batch` images (forward, loss, backward per micro-batch), or one
  // micro-batch of inference; appends the slot of each exchange, in order, to `slots`.
  void record_step(Recorder& recorder, int batch, const net::StepKey& key, std::vector<int>& slots);
  void record_inference(Recorder& recorder, std::vector<int>& slots);
  void record_update(vkrt::Stream& stream, const SgdConfig& sgd);

  vkrt::Context& context;
  int device;
  const Arch& arch;
  int micro_batch, batch;
  std::uint64_t first_sample = 0;  // the training step's share (model/model.h: StepShare)
  int step_batch = 0;
  vkrt::HostExchange& exchange;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<vkrt::Buffer> activations;  // the outputs of the nodes that are not in place
  vkrt::Buffer grad_a, grad_b, logits_grad;
  StepIo io;  // the step's inputs and outputs on this device
  std::optional<RoundSlices> rounds;  // where each round's slices of io are bound
  DropoutKeyBuffer dropout_key;  // the step's (seed, step), written before each submission
  vkrt::Buffer inference_labels, inference_loss;
  SoftmaxXentOp loss_op;
  SgdOp sgd_op;
  Recorder train_recorder, infer_recorder;
  vkrt::Stream update_stream;

 private:
  void record_forward(Recorder& r, const vkrt::BufferRange& x, const net::StepKey& key, std::uint64_t first,
                      std::vector<int>& slots);
  void record_backward(Recorder& r, const vkrt::BufferRange& x, const vkrt::BufferRange& labels,
                       const vkrt::BufferRange& probs, const net::StepKey& key, std::uint64_t first, float loss_scale,
                       bool accumulate, std::vector<int>& slots);
  net::LayerIO io_for(std::size_t i, const vkrt::BufferRange& x, const net::StepKey& key, std::uint64_t first) const;
  vkrt::BufferRange output_of(std::size_t i, const vkrt::BufferRange& x) const;
};

}  // namespace alexnet::split
