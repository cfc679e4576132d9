// `alexnet_vk verify`: every op, forward and backward, on the chosen device versus the CPU
// reference, at every real AlexNet layer shape (batch 2) and awkward small shapes. Exit 0 only when
// every check passes, so a user can trust their GPU and driver before a long run; 3 when a check
// failed, distinct from 1 (an error stopped verify before it could tell).
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/alexnet_vk/commands.h"
#include "model/verify/check.h"

namespace alexnet::app {
namespace {

struct VerifyOptions {
  int device = 0;
  bool json = false;
  std::string filter;
};

nlohmann::json to_json(const verify::CheckResult& r, const std::string& device) {
  auto number = [](double v) -> nlohmann::json {
    if (std::isfinite(v)) return v;
    return nullptr;  // JSON has no infinity; null marks a non-finite GPU output
  };
  nlohmann::json j = {{"op", r.op},
                      {"shape", r.shape},
                      {"pass", r.pass},
                      {"max_abs_err", number(r.max_abs_err)},
                      {"max_rel_err", number(r.max_rel_err)},
                      {"atol", r.tolerance.atol},
                      {"rtol", r.tolerance.rtol},
                      {"elements", r.elements},
                      {"worst_index", r.worst_index},
                      {"device", device}};
  if (!r.error.empty()) j["error"] = r.error;
  if (r.skipped) {
    j["skipped"] = true;
    j["skip_reason"] = r.skip_reason;
  }
  return j;
}

int run_verify(const VerifyOptions& options, const GlobalOptions& global) {
  auto instance = open_instance(global);
  vkrt::Context context(*instance, options.device);
  const std::string device = context.info().name;

  std::vector<verify::Check> checks;
  for (auto& check : verify::all_checks())
    if (options.filter.empty() || check.op.find(options.filter) != std::string::npos) checks.push_back(std::move(check));
  if (checks.empty()) throw UsageError("no check matches --filter '" + options.filter + "'");

  if (!options.json) {
    std::printf("verify on [%d] %s (%s)\n", options.device, device.c_str(), context.info().driver.c_str());
    std::printf("%-24s %-5s %-44s %12s %12s\n", "op", "pass", "shape", "max abs err", "max rel err");
  }
  nlohmann::json results = nlohmann::json::array();
  int failures = 0, skipped = 0;
  for (const auto& check : checks) {
    auto r = verify::run_check(check, context);
    if (global.validation && instance->validation_message_count() > 0) {
      r.pass = false;
      r.error = "validation layer: " + instance->validation_messages().front();
      instance->clear_validation_messages();
    }
    failures += r.pass || r.skipped ? 0 : 1;
    skipped += r.skipped ? 1 : 0;
    if (options.json) {
      results.push_back(to_json(r, device));
      continue;
    }
    if (r.skipped) {
      std::printf("%-24s %-5s %-44s %s\n", r.op.c_str(), "skip", r.shape.c_str(), r.skip_reason.c_str());
      std::fflush(stdout);
      continue;
    }
    std::printf("%-24s %-5s %-44s %12.3g %12.3g\n", r.op.c_str(), r.pass ? "ok" : "FAIL", r.shape.c_str(),
                r.max_abs_err, r.max_rel_err);
    if (!r.error.empty()) std::printf("    error: %s\n", r.error.c_str());
    else if (!r.pass)
      std::printf("    %zu of %zu elements outside tolerance; worst element %zu: gpu %.9g, reference %.9g (atol %g, rtol %g)\n",
                  r.bad_elements, r.elements, r.worst_index, r.worst_gpu, r.worst_ref, r.tolerance.atol, r.tolerance.rtol);
    std::fflush(stdout);
  }
  if (options.json) std::printf("%s\n", results.dump(2).c_str());
  else if (skipped > 0)
    std::printf("%zu passed, %d failed, %d skipped (this device cannot run them)\n",
                checks.size() - failures - skipped, failures, skipped);
  else std::printf("%zu passed, %d failed\n", checks.size() - failures, failures);
  return failures == 0 ? kExitOk : kExitCheckFailed;
}

}  // namespace

Runner add_verify_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("verify", "check every op on a device against the CPU reference (exit 3 when one fails)");
  auto options = std::make_shared<VerifyOptions>();
  command->add_option("--device", options->device, "device index (see `alexnet_vk devices`)");
  command->add_flag("--json", options->json, "print a JSON array, one object per check");
  command->add_option("--filter", options->filter, "run only checks whose op name contains this text");
  return [options, &global]() { return run_verify(*options, global); };
}

}  // namespace alexnet::app
