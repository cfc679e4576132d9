// The safetensors reader (read_safetensors) on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "model/io/safetensors.h"
#include "tests/fuzz/fuzz_common.h"

using namespace alexnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = fuzz::write_scratch("input.safetensors", data, size);
  std::map<std::string, std::string> metadata;
  std::map<std::string, Tensor> tensors;
  if (!fuzz::expect_documented_errors({path + ": "},
                                      [&] { tensors = read_safetensors(path, &metadata); }))
    return 0;
  for (const auto& [name, t] : tensors) {
    std::uint64_t product = 1;
    for (int d : t.shape) {
      if (d < 0) fuzz::finding("tensor " + name + " has a negative dimension");
      if (d > 0 && product > UINT64_MAX / static_cast<std::uint64_t>(d))
        fuzz::finding("tensor " + name + ": shape product overflows");
      product *= static_cast<std::uint64_t>(d);
    }
    if (product != t.data.size())
      fuzz::finding("tensor " + name + ": shape does not match its data");
  }
  return 0;
}
