#include "model/train/ranks.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "model/data/subset_dataset.h"
#include "model/train/recipe.h"
#include "runtime/error.h"

namespace alexnet {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Every option as (flag, text), for the handshake: recorded or not, since any of them changes the
// run (the loader's thread count does not, and may differ between machines).
struct OptionFields {
  Fields& out;
  void add(const OptionInfo& info, std::string text) {
    if (std::string(info.name) != "threads") out.emplace_back(std::string("--") + info.name, std::move(text));
  }
  template <class T>
  void operator()(const OptionInfo& info, const T& value) {
    if constexpr (std::is_floating_point_v<T>) {  // the shortest text that reads back as this value
      char text[64];
      add(info, std::string(text, std::to_chars(text, text + sizeof text, value).ptr));
    } else {
      std::ostringstream text;
      text << value;
      add(info, text.str());
    }
  }
  template <class E>
  void operator()(const OptionInfo& info, const Named<E>& named) {
    for (const auto& [name, value] : named.names)
      if (value == named.value) add(info, name);
  }
  template <class T>
  void operator()(const OptionInfo& info, const Flag<T>& flag) {
    add(info, flag.target == flag.when_given ? "on" : "off");
  }
};

}  // namespace

void Ranks::handshake(const TrainOptions& options, int batch, std::size_t train_images, std::size_t val_images) {
  if (size() == 1) return;
  Fields fields{{"the build", distributed::build_fingerprint()}};
  TrainOptions copy = options;  // visit_options hands out references; this only reads them
  visit_options(copy, OptionFields{fields});
  fields.emplace_back("a global batch of", std::to_string(batch));
  fields.emplace_back("a training set of", std::to_string(train_images) + " images");
  fields.emplace_back("a validation set of", std::to_string(val_images) + " images");
  comm_.handshake(fields);
  // The same options everywhere: rank 0 speaks for all, so the error is printed once.
  std::optional<distributed::Failure> bad;
  try {
    local_batch(batch);
  } catch (const std::invalid_argument& e) {
    if (lead()) bad = distributed::Failure{0, distributed::FailureKind::Error, e.what()};
  }
  if (const auto f = comm_.first_failure(bad)) throw distributed::DistributedError(f->message);
}

int Ranks::local_batch(int batch) const {
  if (batch % size() != 0)
    throw std::invalid_argument("--batch " + std::to_string(batch) + " does not divide over " + std::to_string(size()) +
                                " ranks: each rank takes an equal share of every batch, so give a multiple of " +
                                std::to_string(size()) + (batch < size() ? " (or fewer ranks)" : ""));
  return batch / size();
}

StepShare Ranks::share(int batch) const {
  if (size() == 1) return {};
  return {std::uint64_t(rank()) * std::uint64_t(local_batch(batch)), batch};
}

const data::Dataset& Ranks::shard(const data::Dataset& val) {
  if (size() == 1) return val;
  const std::size_t first = val.size() * rank() / size(), last = val.size() * (rank() + 1) / size();
  val_shard_ = std::make_unique<SubsetDataset>(val, first, last - first);
  return *val_shard_;
}

void Ranks::start(Model& model) {
  if (size() == 1) return;
  distributed::broadcast_parameters(model, comm_, 0);
  exchange_ = std::make_unique<distributed::GradientExchange>(model, comm_);
}

void Ranks::agree(std::exception_ptr failure) {
  std::optional<distributed::Failure> mine;
  if (failure) {
    using distributed::FailureKind;
    try {
      std::rethrow_exception(failure);
    } catch (const vkrt::DeviceLostError& e) {
      mine = distributed::Failure{rank(), FailureKind::DeviceLost, e.what()};
    } catch (const NonFiniteError& e) {
      mine = distributed::Failure{rank(), FailureKind::NonFinite, e.what()};
    } catch (const std::exception& e) {
      mine = distributed::Failure{rank(), FailureKind::Error, e.what()};
    }
  }
  if (size() == 1) {  // no agreement to make
    if (failure) std::rethrow_exception(failure);
    return;
  }
  if (exchange_) exchange_->start_rest();  // a rank that failed mid-step starts the sums it owes
  const auto first = comm_.first_failure(mine);
  if (!first) return;
  if (exchange_) exchange_->discard();  // every rank's sums finish before MPI can be finalized
  if (first->rank == rank()) std::rethrow_exception(failure);
  switch (first->kind) {
    case distributed::FailureKind::DeviceLost:
      throw vkrt::DeviceLostError(first->message, VK_ERROR_DEVICE_LOST);
    case distributed::FailureKind::NonFinite:
      throw NonFiniteError(first->message);
    default:
      throw distributed::DistributedError(first->message);
  }
}

double Ranks::reduce_step(double loss_sum, int batch, std::span<const float> probs,
                          std::span<const std::int32_t> labels, int classes, Tally& epoch) {
  if (size() == 1) {
    epoch.add(probs, labels, classes);
    return loss_sum / batch;
  }
  Tally step;
  step.add(probs, labels, classes);
  double sums[5] = {loss_sum, step.loss_sum, double(step.top1_misses), double(step.top5_misses), double(step.count)};
  comm_.allreduce_sum(std::span<double>(sums));
  epoch.loss_sum += sums[1];
  epoch.top1_misses += std::size_t(sums[2]);
  epoch.top5_misses += std::size_t(sums[3]);
  epoch.count += std::size_t(sums[4]);
  return sums[0] / batch;
}

void Ranks::overlap_backward() {
  if (exchange_) exchange_->start_during_backward();
}

void Ranks::reduce_gradients() {
  if (!exchange_) return;
  const auto s = exchange_->finish();
  if (++reductions_ == 1) return;  // the first step's is left out (see add_compute_ms)
  totals_.readback_ms += s.readback_ms;
  totals_.allreduce_ms += s.allreduce_ms;
  totals_.exposed_ms += s.exposed_ms;
  totals_.write_ms += s.write_ms;
  totals_.bytes = s.bytes;
  totals_.buckets = s.buckets;
  totals_.early += s.early;
}

bool Ranks::any(bool mine) {
  if (size() == 1) return mine;
  double count = mine ? 1 : 0;
  comm_.allreduce_sum(std::span<double>(&count, 1));
  return count > 0;
}

EvalResult Ranks::reduce(const EvalResult& mine) {
  if (size() == 1) return mine;
  // Each rank's means back to sums (the miss counts exactly: they are whole numbers over images).
  const double n = double(mine.images);
  double sums[4] = {0, 0, 0, 0};  // a rank whose part is empty adds nothing
  if (n > 0) sums[0] = mine.loss * n, sums[1] = std::round(mine.top1_error * n), sums[2] = std::round(mine.top5_error * n);
  sums[3] = n;
  comm_.allreduce_sum(std::span<double>(sums));
  EvalResult all;
  all.images = std::size_t(sums[3]);
  if (all.images == 0) return all;
  all.loss = sums[0] / sums[3];
  all.top1_error = sums[1] / sums[3];
  all.top5_error = sums[2] / sums[3];
  return all;
}

void Ranks::check_weights(Model& model, std::uint64_t step) {
  distributed::check_ranks_agree(model, comm_, "after step " + std::to_string(step));
}

std::string Ranks::summary() const {
  if (size() == 1 || reductions_ < 2) return "";
  const double n = double(reductions_ - 1), steps = double(compute_steps_ - 1);
  char line[400];
  if (exchange_->overlapped()) {
    // The device copies the gradients to the host inside its step and back inside the update; the
    // sums are in flight from the first bucket's start (early in the backward pass) to the last's
    // end, and the step waits only for what is left of them after its backward pass.
    std::snprintf(line, sizeof line,
                  "data parallel: %d ranks (%s); per step after the first: compute %.1f ms, gradient allreduce of %.2f "
                  "MB in %zu buckets overlapped with backward: %.1f ms waited for after it (in flight %.1f ms; %.1f "
                  "buckets a step started before the backward pass ended)",
                  size(), comm_.description().c_str(), compute_ms_ / steps, double(totals_.bytes) / 1e6,
                  totals_.buckets, totals_.exposed_ms / n, totals_.allreduce_ms / n, double(totals_.early) / n);
    return line;
  }
  std::snprintf(line, sizeof line,
                "data parallel: %d ranks (%s); per step after the first: compute %.1f ms, gradient exchange %.1f ms (device to host "
                "%.1f, allreduce %.1f, host to device %.1f) of %.2f MB in %zu buckets, not overlapped with backward",
                size(), comm_.description().c_str(), compute_ms_ / steps,
                (totals_.readback_ms + totals_.allreduce_ms + totals_.write_ms) / n, totals_.readback_ms / n,
                totals_.allreduce_ms / n, totals_.write_ms / n, double(totals_.bytes) / 1e6, totals_.buckets);
  return line;
}

}  // namespace alexnet
