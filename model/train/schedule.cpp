#include "model/train/schedule.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace alexnet {

float resolve_lr(const TrainOptions& o) {
  if (o.lr != 0) return o.lr;
  return o.arch == "alexnet" ? 0.01f : 0.05f;
}

int resolve_epochs(const TrainOptions& o) {
  if (o.epochs != 0) return o.epochs;
  return o.arch == "alexnet" ? 12 : 20;
}

std::string resolve_lr_schedule(const TrainOptions& o) {
  if (o.lr_schedule != "auto") return o.lr_schedule;
  const int epochs = resolve_epochs(o);
  if (o.arch == "alexnet" || epochs < 3) return "plateau";
  // At 3 epochs the two drops fall on the same epoch; one drop there, not a hundredfold one.
  const int first = epochs * 2 / 3, second = epochs - 1;
  if (first == second) return "step:" + std::to_string(first);
  return "step:" + std::to_string(first) + "," + std::to_string(second);
}

std::vector<int> parse_step_schedule(const std::string& schedule) {
  if (schedule == "plateau") return {};
  if (schedule.rfind("step:", 0) != 0)
    throw std::invalid_argument("--lr-schedule must be 'auto', 'plateau' or 'step:E1,E2,...', got '" + schedule + "'");
  std::vector<int> epochs;
  std::size_t pos = 5;
  while (pos < schedule.size()) {
    const std::size_t comma = schedule.find(',', pos);
    const std::string part = schedule.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const long e = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || e <= 0) throw std::invalid_argument("bad epoch '" + part + "' in --lr-schedule");
    epochs.push_back(static_cast<int>(e));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (epochs.empty()) throw std::invalid_argument("--lr-schedule step: needs at least one epoch");
  return epochs;
}

float step_schedule_lr(float base, const std::vector<int>& milestones, int epoch) {
  int passed = 0;
  for (int e : milestones) passed += epoch >= e;
  return base / std::pow(10.0f, static_cast<float>(passed));
}

}  // namespace alexnet
