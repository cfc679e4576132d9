#include "model/graph/memory_estimate.h"

#include <algorithm>
#include <cstdio>

#include "runtime/error.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

std::string gib(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (std::uint64_t(1) << 30)) std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  else std::snprintf(text, sizeof text, "%.0f MiB", static_cast<double>(bytes) / (1ull << 20));
  return text;
}

// The heap the allocator's choice of memory type lands in for these flags (runtime/memory.cpp:
// the first type with all `required` flags, preferring one that also has `preferred`).
std::uint32_t heap_for(const vkrt::Context& context, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) {
  const auto& props = context.memory_properties();
  int fallback = -1;
  for (std::uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    const auto flags = props.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return props.memoryTypes[i].heapIndex;
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  return fallback < 0 ? 0 : props.memoryTypes[fallback].heapIndex;
}

// The part of an estimate that lands in each heap, and whether all of it fits in `share` of each.
struct HeapFit {
  std::uint32_t device_heap, host_heap;
  std::uint64_t device_need, host_need, device_size, host_size;
  bool fits(double share) const {
    if (device_heap == host_heap) return device_need + host_need <= share * static_cast<double>(device_size);
    return device_need <= share * static_cast<double>(device_size) && host_need <= share * static_cast<double>(host_size);
  }
};

HeapFit fit_of(const vkrt::Context& context, const MemoryEstimate& e) {
  const auto& heaps = context.memory_properties().memoryHeaps;
  HeapFit f;
  f.device_heap = heap_for(context, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  f.host_heap = heap_for(context, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0);
  f.device_need = e.device_local;
  f.host_need = e.host_visible;
  f.device_size = heaps[f.device_heap].size;
  f.host_size = heaps[f.host_heap].size;
  return f;
}

// The largest power-of-two batch below `batch` whose estimate fits in 90% of every heap (the rest
// for scratch the estimate does not see and for fragmentation); 0 when not even 1 does.
// (The micro-batch is the one chosen for each batch: a --micro-batch need not divide the advice.)
int batch_that_fits(const vkrt::Context& context, const Arch& arch, int batch, Precision precision) {
  int fits = 0;
  for (int b = 1; b < batch && b <= (1 << 24); b *= 2) {
    if (!fit_of(context, estimate_memory(context, arch, b, 0, precision)).fits(0.9)) break;
    fits = b;
  }
  return fits;
}

}  // namespace

MemoryEstimate estimate_memory(const vkrt::Context& context, const Arch& arch, int batch, int micro_batch,
                               Precision precision) {
  // Elements per sample: every activation a node owns (its output) and the largest activation,
  // for the two gradient buffers, at the activation's size; LRN's scale and max-pool's argmax
  // (the same size as their outputs) at 4 bytes whatever the precision.
  const std::uint64_t in = std::uint64_t(arch.in_channels) * arch.in_size * arch.in_size;
  std::uint64_t owned = 0, state = 0, largest = in;
  for (const auto& node : walk(arch)) {
    const std::uint64_t count = node.out.count();
    switch (node.kind) {
      case NodeKind::Conv:
      case NodeKind::Fc:
      case NodeKind::AvgPool:  // may be larger than its input (an input smaller than the grid)
        owned += count;
        largest = std::max(largest, count);
        break;
      case NodeKind::Lrn:
      case NodeKind::Pool:
        owned += count;
        state += count;
        break;
      case NodeKind::Activation:
      case NodeKind::Dropout:
        break;  // in place
    }
  }
  MemoryEstimate e;
  e.batch = batch;
  e.micro_batch = micro_batch > 0 ? micro_batch : choose_micro_batch(context, arch, batch, precision);
  const std::uint64_t mb = e.micro_batch, b = batch, classes = arch.classes, f = sizeof(float);
  const std::uint64_t element = activation_bytes(precision);
  const std::uint64_t half_input = precision == Precision::Fp16 ? in * element : 0;  // to_half's copy
  e.device_local = arch.parameter_count() * 3 * f                                  // value, gradient, momentum
                   + ((owned + 2 * largest + classes) * element + state * f + half_input) * mb  // activations, gradients
                   + 2 * mb * f                                                      // the loss op's per-sample floats
                   + b * (in + 2 + classes) * f;                                     // the step's images, labels, loss, probs
  e.host_visible = b * (in + 2 + classes) * f + f;                                   // their staging / readback, lr
  return e;
}

void require_memory_fits(const vkrt::Context& context, const Arch& arch, int batch, int micro_batch,
                         Precision precision) {
  if (!fit_of(context, estimate_memory(context, arch, batch, micro_batch, precision)).fits(1.0))
    throw vkrt::OutOfMemoryError("out of device memory: " + memory_advice(context, arch, batch, micro_batch, precision),
                                 VK_ERROR_OUT_OF_DEVICE_MEMORY);
}

// "batch 100000 needs at least 58.1 GiB (micro-batch 40), llvmpipe has 2.0 GiB; try --batch 8"
std::string memory_advice(const vkrt::Context& context, const Arch& arch, int batch, int micro_batch,
                          Precision precision) {
  const MemoryEstimate e = estimate_memory(context, arch, batch, micro_batch, precision);
  const HeapFit f = fit_of(context, e);
  std::string text = "batch " + std::to_string(batch) + " needs at least ";
  if (f.device_heap == f.host_heap || f.host_need <= f.host_size) {
    text += gib(f.device_heap == f.host_heap ? e.total() : e.device_local) + " (micro-batch " +
            std::to_string(e.micro_batch) + "), " + context.info().name + " has " + gib(f.device_size);
  } else {
    text += gib(e.host_visible) + " of host-visible memory for staging, " + context.info().name + " has " +
            gib(f.host_size);
  }
  const int fits = batch_that_fits(context, arch, batch, precision);
  if (fits > 0) text += "; try --batch " + std::to_string(fits);
  else text += "; the network does not fit on this device even at batch 1";
  return text;
}

int choose_micro_batch(const vkrt::Context& context, const Arch& arch, int batch, Precision precision,
                       std::size_t max_activation_bytes) {
  // Largest per-sample activation (conv1's output dominates) and all of them together.
  std::size_t largest = std::size_t(arch.in_channels) * arch.in_size * arch.in_size, total = 0;
  for (const auto& node : walk(arch)) {
    if (node.kind != NodeKind::Conv) continue;
    largest = std::max(largest, node.out.count());
    total += node.out.count() * 3;  // conv output, LRN output and scale, roughly
  }
  const std::size_t range = context.limits().maxStorageBufferRange, element = activation_bytes(precision);
  for (int mb = batch; mb >= 1; --mb) {
    if (batch % mb != 0) continue;
    if (largest * mb * element <= range && total * mb * element <= max_activation_bytes) return mb;
  }
  return 1;
}

}  // namespace alexnet
