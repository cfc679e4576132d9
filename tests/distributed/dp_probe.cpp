// `mpirun -np N dp_probe OUT`: each rank runs tests/distributed/probe.h on Vulkan device 0.
#include <cstdio>
#include <exception>

#include "tests/distributed/probe.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dp_probe OUT\n");
    return 2;
  }
  try {
    auto& comm = alexnet::distributed::world();
    vkrt::Instance instance;
    vkrt::Context context(instance, 0);
    alexnet::testing::run_probe(comm, context, argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dp_probe: %s\n", e.what());
    alexnet::distributed::finish(false);
    return 1;
  }
  return 0;
}
