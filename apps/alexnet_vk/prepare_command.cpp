// `alexnet_vk prepare`: decode an ImageNet-layout folder once into packed, memory-mappable shards
// (model/data/prepare.h), with a progress bar on stderr; `--verify DIR` checks a packed folder.
// The crash-safety kill points (ALEXNET_VK_TEST_KILL_AT=prepare:<file>:written|renamed) are
// model/io/faults.h's.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "apps/alexnet_vk/commands.h"
#include "model/data/packed_dataset.h"
#include "model/data/prepare.h"
#include "model/io/faults.h"
#include "model/train/progress.h"

namespace alexnet::app {
namespace {

// A bar redrawn in place on stderr when it is a terminal; otherwise a line about every 10% on
// stdout (as train logs), so stderr keeps only warnings and the error line.
class PrepareBar {
 public:
  PrepareBar() : tty_(::isatty(STDERR_FILENO) != 0) {}
  void update(const data::PrepareProgress& p) {
    const double rate = p.seconds > 0 ? static_cast<double>(p.decoded) / p.seconds : 0;
    const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : -1;
    const int percent = p.total ? static_cast<int>(100 * p.done / p.total) : 100;
    if (tty_) {
      constexpr int kWidth = 30;
      std::string bar(static_cast<std::size_t>(kWidth * percent / 100), '#');
      bar.resize(kWidth, '.');
      std::fprintf(stderr, "\rprepare [%s] %llu/%llu %3d%% %.0f img/s ETA %s, %llu skipped  ", bar.c_str(),
                   ull(p.done), ull(p.total), percent, rate, format_duration(eta).c_str(), ull(p.skipped));
      open_ = true;
    } else if (percent >= next_percent_ && !finished_) {
      std::printf("prepare: %llu/%llu images (%d%%), %.0f img/s, ETA %s, %llu skipped\n", ull(p.done), ull(p.total),
                  percent, rate, format_duration(eta).c_str(), ull(p.skipped));
      std::fflush(stdout);
      next_percent_ = percent / 10 * 10 + 10;
      finished_ = p.done == p.total;
    }
  }
  void close() {
    if (open_) std::fprintf(stderr, "\n");
    open_ = false;
  }

 private:
  static unsigned long long ull(uint64_t v) { return v; }
  bool tty_;
  bool open_ = false;
  int next_percent_ = 10;
  bool finished_ = false;  // the 100% line is printed once
};

int print_report(const data::PrepareReport& r, const std::string& out, bool json) {
  const double per_s = r.seconds > 0 ? static_cast<double>(r.decoded) / r.seconds : 0;
  const double per_cpu = r.cpu_seconds > 0 ? static_cast<double>(r.decoded) / r.cpu_seconds : 0;
  if (json) {
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : r.skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
    const nlohmann::json j = {{"out", out}, {"sources", r.sources}, {"stored", r.stored}, {"skipped", skipped},
                              {"shards_written", r.shards_written}, {"shards_kept", r.shards_kept},
                              {"decoded", r.decoded}, {"seconds", r.seconds}, {"threads", r.threads},
                              {"images_per_second", per_s}, {"images_per_second_per_thread", per_s / r.threads},
                              {"cpu_seconds", r.cpu_seconds}, {"images_per_cpu_second", per_cpu}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  constexpr std::size_t kListed = 20;
  for (std::size_t i = 0; i < r.skipped.size() && i < kListed; ++i)
    std::printf("skipped: %s\n", r.skipped[i].reason.c_str());
  if (r.skipped.size() > kListed)
    std::printf("skipped: ... and %zu more (all listed in %s/index.json)\n", r.skipped.size() - kListed, out.c_str());
  std::printf("prepared %llu of %llu images into %s (%zu skipped): %u shards written, %u kept from an earlier run; "
              "decoded %llu in %s on %d threads, %.0f images/s (%.0f per thread, %.0f per CPU second)\n",
              static_cast<unsigned long long>(r.stored), static_cast<unsigned long long>(r.sources), out.c_str(),
              r.skipped.size(), r.shards_written, r.shards_kept, static_cast<unsigned long long>(r.decoded),
              format_duration(r.seconds).c_str(), r.threads, per_s, per_s / r.threads, per_cpu);
  return 0;
}

}  // namespace

Runner add_prepare_command(CLI::App& app, const GlobalOptions&) {
  auto* command = app.add_subcommand(
      "prepare", "decode an ImageNet-layout image folder once into packed, memory-mapped shards for train and eval");
  auto o = std::make_shared<data::PrepareOptions>();
  auto verify = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  command->add_option("--data", o->source, "image folder: train/ and val/ (or test/) of class folders, or class folders");
  command->add_option("--out", o->out, "folder to write the packed data to (created; an interrupted run resumes)");
  command->add_option("--size", o->size, "short side resized to SIZE, then the centre SIZE x SIZE kept")
      ->capture_default_str();
  command->add_option("--threads", o->threads, "decoding threads (0: every hardware thread)")->capture_default_str();
  command->add_option("--shard-images", o->shard_images, "images per shard file")->capture_default_str();
  command->add_flag("--json", *json, "print one JSON object");
  command->add_option("--verify", *verify, "instead: check every record of the packed folder DIR against its checksum");
  return [=]() {
    if (!verify->empty()) {
      const std::size_t n = data::verify_packed(*verify);
      std::printf("%s: %zu images, every checksum matches\n", verify->c_str(), n);
      return 0;
    }
    if (o->source.empty() || o->out.empty()) throw std::invalid_argument("prepare needs --data DIR and --out DIR");
    data::PrepareOptions options = *o;
    options.hook = [](const std::string& point) { faults::kill_point(point); };
    auto bar = std::make_shared<PrepareBar>();
    if (!*json) options.progress = [bar](const data::PrepareProgress& p) { bar->update(p); };
    data::PrepareReport report;
    try {
      report = data::prepare_packed(options);
    } catch (...) {
      bar->close();  // the error line starts a line of its own
      throw;
    }
    bar->close();
    return print_report(report, options.out, *json);
  };
}

}  // namespace alexnet::app
