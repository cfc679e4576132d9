#include "model/metrics/metrics_csv.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace alexnet {
namespace {

constexpr const char* kHeader =
    "epoch,train_loss,train_top1_error,train_top5_error,val_loss,val_top1_error,val_top5_error,lr,seconds,"
    "data_wait_seconds,loss_scale,skipped_steps";

}  // namespace

std::vector<EpochMetrics> read_metrics_csv(const std::string& path) {
  std::vector<EpochMetrics> rows;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return rows;  // missing or empty: no history
  while (std::getline(in, line)) {
    EpochMetrics m;
    unsigned long long skipped = 0;
    const int fields = std::sscanf(line.c_str(), "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%llu", &m.epoch,
                                   &m.train_loss, &m.train_top1_error, &m.train_top5_error, &m.val_loss,
                                   &m.val_top1_error, &m.val_top5_error, &m.lr, &m.seconds, &m.data_wait_seconds,
                                   &m.loss_scale, &skipped);
    m.skipped_steps = skipped;
    if (fields == 10) {  // before the loss-scaling columns
      m.loss_scale = 1;
      m.skipped_steps = 0;
    }
    if (fields == 10 || fields == 12) rows.push_back(m);
  }
  return rows;
}

void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << kHeader << "\n";
    char buffer[512];
    for (const auto& m : rows) {
      std::snprintf(buffer, sizeof buffer, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.8g,%.3f,%.3f,%.9g,%llu\n", m.epoch,
                    m.train_loss, m.train_top1_error, m.train_top5_error, m.val_loss, m.val_top1_error,
                    m.val_top5_error, m.lr, m.seconds, m.data_wait_seconds, m.loss_scale,
                    static_cast<unsigned long long>(m.skipped_steps));
      out << buffer;
    }
    if (!out) throw std::runtime_error(path + ": cannot write metrics");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot replace metrics");
}

}  // namespace alexnet
