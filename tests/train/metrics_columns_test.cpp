// metrics.csv's loss-scaling columns: written for every run, and a file from before them (ten
// columns) still reads, as loss scale 1 and no skipped steps.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/metrics/metrics_csv.h"

namespace alexnet {
namespace {

namespace fs = std::filesystem;

TEST(MetricsCsv, LossScaleColumnsRoundTripAndOldFilesStillRead) {
  const fs::path dir = fs::temp_directory_path() / "alexnet_vk_metrics_columns";
  fs::create_directories(dir);
  EpochMetrics m;
  m.epoch = 1;
  m.train_loss = 2.5;
  m.loss_scale = 32768;
  m.skipped_steps = 3;
  write_metrics_csv((dir / "new.csv").string(), {m});
  const auto rows = read_metrics_csv((dir / "new.csv").string());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].loss_scale, 32768);
  EXPECT_EQ(rows[0].skipped_steps, 3u);

  std::ofstream((dir / "old.csv").string())
      << "epoch,train_loss,train_top1_error,train_top5_error,val_loss,val_top1_error,val_top5_error,lr,seconds,"
         "data_wait_seconds\n"
         "1,2.300000,0.900000,0.500000,2.200000,0.800000,0.400000,0.05,12.500,0.100\n";
  const auto old = read_metrics_csv((dir / "old.csv").string());
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].epoch, 1);
  EXPECT_DOUBLE_EQ(old[0].data_wait_seconds, 0.1);
  EXPECT_EQ(old[0].loss_scale, 1);
  EXPECT_EQ(old[0].skipped_steps, 0u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace alexnet
