#include "model/graph/arch_file.h"

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "model/graph/arch_json.h"

namespace alexnet {

bool is_arch_file(const std::string& arch) {
  return arch.find('/') != std::string::npos ||
         (arch.size() > 5 && arch.compare(arch.size() - 5, 5, ".json") == 0);
}

Arch read_arch_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot read the architecture file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message ends with what it expected; keep the position, on one line.
    throw std::invalid_argument(path + ": not JSON (at byte " + std::to_string(e.byte) + ")");
  }
  try {
    return arch_from_json(j);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

Arch resolve_arch(const std::string& arch, int classes, int in_channels, int in_size, const ArchOptions& options) {
  if (!is_arch_file(arch)) return make_arch(arch, classes, in_channels, in_size ? in_size : default_input_size(arch), options);
  Arch a = read_arch_file(arch);
  const ArchOptions defaults;
  if (options.activation != defaults.activation) a.options.activation = options.activation;
  if (options.lrn != defaults.lrn) a.options.lrn = options.lrn;
  if (options.dropout != defaults.dropout) a.options.dropout = options.dropout;
  if (options.pool != defaults.pool) a.max_pool_kernel = 2, a.max_pool_stride = 2, a.options.pool = options.pool;
  try {
    return fit_arch(std::move(a), classes, in_channels, in_size);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(arch + ": " + e.what());
  }
}

int arch_input_size(const std::string& arch) {
  return is_arch_file(arch) ? read_arch_file(arch).in_size : default_input_size(arch);
}

}  // namespace alexnet
