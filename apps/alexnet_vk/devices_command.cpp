// `alexnet_vk devices`: every Vulkan device this machine offers and what it can do.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/alexnet_vk/commands.h"

namespace alexnet::app {

std::unique_ptr<vkrt::Instance> open_instance(const GlobalOptions& options) {
  vkrt::InstanceOptions instance_options;
  instance_options.validation = options.validation ? vkrt::Validation::Required : vkrt::Validation::Off;
  instance_options.pipeline_cache.enabled = !options.no_pipeline_cache;
  auto instance = std::make_unique<vkrt::Instance>(instance_options);
  if (instance->physical_devices().empty())
    throw vkrt::Error("no Vulkan device found; install your GPU's Vulkan driver or mesa-vulkan-drivers");
  return instance;
}

void add_device_options(CLI::App* command, const std::shared_ptr<DeviceChoice>& choice) {
  auto* one = command->add_option("--device", choice->device, "device index (see `alexnet_vk devices`)");
  auto* two = command->add_option("--devices", choice->devices,
                                  "two device indices, e.g. 0,1: each holds half of every layer (0,0: two logical "
                                  "devices on one GPU)")
                  ->delimiter(',')
                  ->expected(2)
                  ->check(CLI::NonNegativeNumber);
  one->excludes(two);
}

namespace {

// An option whose value is one of `choices` by name, given to `set`; a name outside them is
// CLI11's one-line error.
template <class T>
void add_named_option(CLI::App* command, const std::string& flag, std::function<void(T)> set,
                      const std::vector<std::pair<const char*, T>>& choices, const std::string& help,
                      const std::string& default_name) {
  std::vector<std::string> names;
  for (const auto& [name, choice] : choices) names.push_back(name);
  command
      ->add_option_function<std::string>(
          flag,
          [set, choices](const std::string& text) {
            for (const auto& [name, choice] : choices)
              if (text == name) set(choice);
          },
          help)
      ->check(CLI::IsMember(names))
      ->default_str(default_name);
}

}  // namespace

void add_precision_option(CLI::App* command, const std::shared_ptr<Precision>& precision) {
  add_named_option<Precision>(command, "--precision", [precision](Precision p) { *precision = p; }, precision_choices(),
                   "fp32, or fp16: activations stored in 16 bits (sums and weights fp32); one device",
                   precision_name(*precision));
}

void add_gemm_path_option(CLI::App* command, GemmPath& path) {
  add_named_option<GemmPath>(command, "--gemm-path", [&path](GemmPath p) { path = p; }, gemm_path_choices(),
                   "the layers' GEMM kernels: auto (the device's default), tiled, texel, or coopmat (fp16, where "
                   "the device has cooperative matrices)",
                   gemm_path_name(path));
}

OpenedDevices open_devices(const vkrt::Instance& instance, const DeviceChoice& choice) {
  OpenedDevices out;
  if (!choice.devices.empty() && choice.devices.size() != 2)
    throw UsageError("--devices needs two device indices, e.g. 0,1");
  for (int index : choice.devices.empty() ? std::vector<int>{choice.device} : choice.devices)
    out.contexts.push_back(std::make_unique<vkrt::Context>(instance, index));
  return out;
}

DeviceList OpenedDevices::list() const {
  DeviceList devices;
  for (const auto& c : contexts) devices.push_back(c.get());
  return devices;
}

nlohmann::json to_json(const vkrt::DeviceInfo& d) {
  return {{"index", d.index},
          {"name", d.name},
          {"type", d.type},
          {"vendor", d.vendor},
          {"vendor_id", d.vendor_id},
          {"driver", d.driver},
          {"api_version", d.api_version},
          {"device_local_bytes", d.device_local_bytes},
          {"subgroup_size", d.subgroup_size},
          {"fp16_arithmetic", d.fp16_arithmetic},
          {"fp16_storage", d.storage_16bit},
          {"cooperative_matrix", d.cooperative_matrix}};
}

Runner add_devices_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("devices", "list the Vulkan devices and their capabilities");
  auto json = std::make_shared<bool>(false);
  command->add_flag("--json", *json, "print a JSON array, one object per device");
  return [json, &global]() {
    auto instance = open_instance(global);
    const auto devices = instance->describe_devices();
    if (*json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& d : devices) out.push_back(to_json(d));
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    for (const auto& d : devices) {
      std::printf("[%d] %s\n", d.index, d.name.c_str());
      std::printf("    type %s, vendor %s (0x%04X), driver %s, Vulkan %s\n", d.type.c_str(), d.vendor.c_str(),
                  d.vendor_id, d.driver.c_str(), d.api_version.c_str());
      std::printf("    device-local memory %.1f GiB, subgroup size %u, fp16 arithmetic %s, fp16 storage %s, "
                  "cooperative matrix %s\n",
                  static_cast<double>(d.device_local_bytes) / (1ull << 30), d.subgroup_size,
                  d.fp16_arithmetic ? "yes" : "no", d.storage_16bit ? "yes" : "no",
                  d.cooperative_matrix ? "yes" : "no");
    }
    return 0;
  };
}

}  // namespace alexnet::app
