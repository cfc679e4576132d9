// What a training checkpoint holds beyond the raw file format: the network's parameters and
// momentum, the architecture, the input normalization, and where training stands, so that a
// resumed run continues exactly where the interrupted one stopped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/data/augment.h"
#include "model/graph/arch.h"
#include "model/graph/parameter_set.h"
#include "model/io/checkpoint.h"
#include "model/io/run_state.h"

namespace alexnet {

// Reads the parameters and momentum back from the device. Throws NonFiniteError naming the first
// tensor (in layer order) that holds a NaN or an infinity: a checkpoint never holds one.
Checkpoint make_checkpoint(ParameterSet& network, const Arch& arch, const data::Normalization& norm, const std::vector<std::string>& classes,
                           const TrainState& state);

// Loads parameters (and momentum when present) into a network of the same architecture; throws
// CheckpointError naming `path` when a tensor is missing or has another shape.
void load_parameters(ParameterSet& network, const Checkpoint& checkpoint, const std::string& path);

Arch checkpoint_arch(const Checkpoint& checkpoint, const std::string& path);
data::Normalization checkpoint_normalization(const Checkpoint& checkpoint, const std::string& path);
std::vector<std::string> checkpoint_classes(const Checkpoint& checkpoint, const std::string& path);
TrainState checkpoint_state(const Checkpoint& checkpoint, const std::string& path);

}  // namespace alexnet
