// How much device memory a network needs, counted from the shapes without allocating anything,
// whether it fits a device, and the micro-batch a step runs at.
#pragma once

#include <cstdint>
#include <string>

#include "model/graph/arch.h"
#include "model/ops/precision.h"

namespace vkrt {
class Context;
}

namespace alexnet {

// Memory a training step (or an inference pass) of `batch` images needs on one device: the
// network's parameters (value, gradient, momentum), activations, gradient buffers and per-layer
// state at its micro-batch, and the step's input, label, loss and probability buffers with their
// host-visible staging. Layer-internal scratch (e.g. the convolutions' unrolled windows on CPU
// drivers) is not counted: this is a lower bound. `micro_batch` 0: the one choose_micro_batch
// picks; fp16 stores activations and their gradients in 2 bytes (LRN's scale, max-pool's argmax,
// the parameters and the step's buffers stay 4) and adds the first layer's fp16 input.
struct MemoryEstimate {
  int batch = 0, micro_batch = 0;
  std::uint64_t device_local = 0;  // bytes
  std::uint64_t host_visible = 0;  // staging and readback buffers
  std::uint64_t total() const { return device_local + host_visible; }
};
MemoryEstimate estimate_memory(const vkrt::Context& context, const Arch& arch, int batch, int micro_batch = 0,
                               Precision precision = Precision::Fp32);

// Throws vkrt::OutOfMemoryError when the estimate does not fit the device's memory heaps, with a
// one-line message: what the batch needs, what the device has, and a batch size that fits.
void require_memory_fits(const vkrt::Context& context, const Arch& arch, int batch, int micro_batch = 0,
                         Precision precision = Precision::Fp32);

// "batch 256 needs at least 3.1 GiB, <device> has 2.0 GiB; try --batch 128": to complete the
// message of an OutOfMemoryError the allocator threw while setting up for `batch`.
std::string memory_advice(const vkrt::Context& context, const Arch& arch, int batch, int micro_batch = 0,
                          Precision precision = Precision::Fp32);

// The largest micro-batch that divides `batch` and keeps every activation, at the precision's
// size, within the device's storage-buffer range and within `max_activation_bytes` (fp16: rounds
// up to twice as large).
int choose_micro_batch(const vkrt::Context& context, const Arch& arch, int batch,
                       Precision precision = Precision::Fp32, std::size_t max_activation_bytes = std::size_t(1) << 30);

}  // namespace alexnet
