// Three SGD steps of alexnet-small on one fixed global batch of 16, as one of comm.size() ranks:
// the same calls the trainer makes (its share of the batch, StepShare, GradientExchange). Writes
// what the ranks must agree with one process on, as raw floats under `out`:
//   loss_r<R>_s<S>.f32   rank R's per-sample losses of step S (its share of the batch)
//   grad_s<S>.f32        every gradient the update of step S applied (rank 0), in parameter order
//   value_r<R>.f32, momentum_r<R>.f32   every parameter after the last update
//   exchange_r<R>.txt    with more than one rank: "OVERLAPPED BUCKETS EARLY" (whether the sums
//                        overlapped the backward pass, the buckets, how many of the three steps'
//                        buckets started before their backward pass ended)
// Run by dp_probe under mpirun and in-process by distributed_test for the one-process reference.
#pragma once

#include <filesystem>
#include <vector>

#include "model/distributed/communicator.h"
#include "runtime/context.h"

namespace alexnet::testing {

inline constexpr int kProbeBatch = 16, kProbeSteps = 3;

// Returns the parameters' sizes, in order (to compare the flat files tensor by tensor).
// micro_batch: images per forward/backward round (0: the model's choice, the whole share here).
std::vector<std::size_t> run_probe(distributed::Communicator& comm, vkrt::Context& context,
                                   const std::filesystem::path& out, int micro_batch = 0);

std::vector<float> read_floats(const std::filesystem::path& path);

}  // namespace alexnet::testing
