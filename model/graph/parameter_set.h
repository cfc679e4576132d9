// The learnable tensors of a network in the one-device layout (PyTorch shapes, layer order),
// whatever devices hold them: checkpoints, export and tests read and write through this, so a
// two-device run (model/split/split_network.h) saves exactly what a one-device run saves.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace alexnet {

struct ParameterInfo {
  std::string name;        // "conv1.weight", ...
  std::vector<int> shape;  // conv (out, in/groups, kh, kw), fc (out, in), bias (out)
  std::size_t count = 0;
};

// A NaN or an infinity where training needs finite numbers; what() is one line naming where.
class NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ParameterPart { Value, Momentum, Gradient };

class ParameterSet {
 public:
  virtual ~ParameterSet() = default;
  virtual std::vector<ParameterInfo> parameter_infos() const = 0;
  // The whole tensor i (count floats), read back from the device(s).
  virtual std::vector<float> read_parameter(std::size_t i, ParameterPart part) = 0;
  virtual void write_parameter(std::size_t i, ParameterPart part, std::span<const float> values) = 0;
};

}  // namespace alexnet
