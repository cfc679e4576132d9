// `alexnet_vk filters`: conv1's kernels of a checkpoint as a picture (the paper's Figure 3;
// model/paper/filters.h). Needs no device: the weights are read from the file.
#include <cstdio>
#include <string>

#include "apps/alexnet_vk/commands.h"
#include "model/io/checkpoint_io.h"
#include "model/paper/filters.h"

namespace alexnet::app {

Runner add_filters_command(CLI::App& app, const GlobalOptions&) {
  auto* command = app.add_subcommand("filters", "conv1's kernels as an image grid, the two devices' halves apart");
  auto checkpoint = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto columns = std::make_shared<int>(0);
  command->add_option("--checkpoint", *checkpoint, "checkpoint file")->required();
  command->add_option("-o,--output", *out, "PNG file to write")->required();
  command->add_option("--columns", *columns, "kernels a row (default: up to 16)")->check(CLI::PositiveNumber);
  return [=]() {
    const Checkpoint c = load_checkpoint(*checkpoint);
    const Arch arch = checkpoint_arch(c, *checkpoint);
    const std::string name = arch.convs.front().name + ".weight";
    const auto it = c.tensors.find(name);
    if (it == c.tensors.end()) throw CheckpointError(*checkpoint + ": no tensor " + name);
    data::Image picture;
    try {
      picture = paper::draw_filters(it->second, *columns);
    } catch (const std::invalid_argument& e) {
      throw CheckpointError(*checkpoint + ": " + e.what());
    }
    data::write_png(*out, picture);
    const auto& s = it->second.shape;
    std::printf("wrote %s: %d kernels of %dx%dx%d, %d above and %d below (%dx%d pixels)\n", out->c_str(), s[0], s[1],
                s[2], s[3], (s[0] + 1) / 2, s[0] / 2, picture.width, picture.height);
    return 0;
  };
}

}  // namespace alexnet::app
