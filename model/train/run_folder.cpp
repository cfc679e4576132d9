#include "model/train/run_folder.h"

#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace alexnet {
namespace fs = std::filesystem;

bool holds_run(const std::string& folder) {
  std::error_code ec;
  return fs::exists(fs::path(folder) / "last.ckpt", ec) || fs::exists(fs::path(folder) / "metrics.csv", ec);
}

void refuse_existing_run(const std::string& folder, bool resuming, bool force) {
  if (resuming || force || !holds_run(folder)) return;
  throw std::invalid_argument(folder + " holds another run (" +
                              (fs::exists(fs::path(folder) / "last.ckpt") ? "last.ckpt" : "metrics.csv") +
                              "); continue it with --resume " + (fs::path(folder) / "last.ckpt").string() +
                              ", replace it with --force, or choose another --out");
}

std::string new_run_folder(const std::string& root, std::string* note) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  fs::create_directories(root);
  std::string name = stamp;
  // create_directory is the claim: two runs starting in the same second get different folders.
  for (int n = 2; !fs::create_directory(fs::path(root) / name); ++n) name = std::string(stamp) + "-" + std::to_string(n);
  const fs::path latest = fs::path(root) / "latest";
  std::error_code ec;
  if (fs::exists(fs::symlink_status(latest, ec)) && !fs::is_symlink(fs::symlink_status(latest, ec))) {
    if (note) *note = latest.string() + " is an older run's folder, left as it is; this run is in " + (fs::path(root) / name).string();
  } else {
    const fs::path temp = fs::path(root) / (".latest." + name);
    fs::remove(temp, ec);
    fs::create_directory_symlink(name, temp);
    fs::rename(temp, latest);  // rename(2) replaces the old link in one step
  }
  return (fs::path(root) / name).string();
}

}  // namespace alexnet
