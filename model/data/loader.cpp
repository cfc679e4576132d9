// The batch loader. See loader.h for the reproducibility contract.
#include "model/data/loader.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <thread>
#include <stdexcept>

#include "model/data/error.h"
#include "model/data/rng.h"

namespace alexnet::data {

int default_loader_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 1 ? static_cast<int>(hw) - 1 : 1;
}

std::vector<std::size_t> Loader::epoch_order(std::size_t size, uint64_t seed, int epoch,
                                             bool shuffle) {
  std::vector<std::size_t> order(size);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (!shuffle || size < 2) return order;
  // Fisher-Yates, written out so the order is the same under every standard library.
  Rng rng(derive_seed(seed, static_cast<uint64_t>(epoch)));
  for (std::size_t i = size - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  return order;
}

Loader::Loader(const Dataset& dataset, AugmentConfig augment, Normalization norm,
               LoaderConfig config)
    : dataset_(dataset), augment_(augment), norm_(std::move(norm)), config_(config) {
  if (config_.batch < 1 || config_.prefetch < 1 || config_.threads < 0)
    throw std::invalid_argument("Loader: batch and prefetch must be >= 1 and threads >= 0");
  if (config_.shards < 1 || config_.shard < 0 || config_.shard >= config_.shards)
    throw std::invalid_argument("Loader: shard " + std::to_string(config_.shard) + " of " +
                                std::to_string(config_.shards) + " does not exist");
  check_augment_config(augment_, norm_, config_.view);  // fail here, not in a worker
  const std::size_t n = dataset_.size();
  const std::size_t b = static_cast<std::size_t>(config_.batch);
  batches_ = config_.drop_last ? n / b : (n + b - 1) / b;
  if (config_.start_batch > batches_)
    throw std::invalid_argument("Loader: start_batch " + std::to_string(config_.start_batch) +
                                " is past the epoch's " + std::to_string(batches_) + " batches");
  per_example_ = static_cast<std::size_t>(augment_.channels) * augment_.crop * augment_.crop;
  order_ = epoch_order(n, config_.seed, config_.epoch, config_.shuffle);
  next_claim_ = next_deliver_ = config_.start_batch;
  try {
    for (int i = 0; i < config_.threads; ++i) threads_.emplace_back([this] { worker(); });
  } catch (...) {  // no destructor runs for a half-built object: stop what did start
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    throw;
  }
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void Loader::build(std::size_t batch_index, Batch& out) const {
  const std::size_t b = static_cast<std::size_t>(config_.batch);
  const std::size_t whole = std::min(b, order_.size() - batch_index * b);  // the batch, all shards
  const std::size_t shards = static_cast<std::size_t>(config_.shards), k = static_cast<std::size_t>(config_.shard);
  const std::size_t first = batch_index * b + whole * k / shards;
  const std::size_t count = batch_index * b + whole * (k + 1) / shards - first;
  out.first_position = first;
  out.index_in_epoch = batch_index;
  out.count = static_cast<int>(count);
  const bool bytes = config_.output == PixelFormat::Uint8;
  // Only the chosen format's vector is filled; the other stays empty.
  if (bytes) out.images.clear();
  else out.pixels.clear();
  if (bytes) out.pixels.resize(count * per_example_);
  else out.images.resize(count * per_example_);
  out.labels.resize(count);
  out.indices.resize(count);
  const int min_short = config_.scaled_decode ? augment_.resize_short : 0;
  for (std::size_t j = 0; j < count; ++j) {
    if (stop_) return;  // the destructor is waiting; the batch will be discarded
    const std::size_t position = first + j;
    const Dataset::Example ex = dataset_.fetch_or_next_valid(order_[position], min_short);
    const uint64_t seed =
        derive_seed(config_.seed, static_cast<uint64_t>(config_.epoch), position);
    if (!ex.in_place) check_image(ex.image, "augment");  // a decoder bug, not bad data
    try {
      if (bytes)
        augment_u8(ex.pixels(), augment_, norm_, config_.view, seed, out.pixels.data() + j * per_example_);
      else
        augment(ex.pixels(), augment_, norm_, config_.view, seed, out.images.data() + j * per_example_);
    } catch (const DataError& e) {
      throw DataError(dataset_.item_name(ex.index), e.what());  // say which file
    }
    out.labels[j] = static_cast<int32_t>(dataset_.label(ex.index));
    out.indices[j] = ex.index;
  }
}

void Loader::worker() {
  // A batch may be started only inside the window [next_deliver_, next_deliver_ + window): that
  // bounds memory to about `window` batches however fast the workers are.
  const std::size_t window =
      static_cast<std::size_t>(std::max(config_.prefetch, config_.threads));
  for (;;) {
    std::size_t index;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [&] {
        return stop_ || (next_claim_ < batches_ && next_claim_ < next_deliver_ + window);
      });
      if (stop_) return;
      index = next_claim_++;
    }
    Slot slot;
    try {
      build(index, slot.batch);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
      ready_.emplace(index, std::move(slot));
    }
    ready_cv_.notify_all();
  }
}

std::optional<Batch> Loader::next() {
  if (next_deliver_ >= batches_) return std::nullopt;  // only this thread writes next_deliver_
  Slot slot;
  if (threads_.empty()) {
    // Inline mode: all build time is a stall, so it counts as waiting. A failed batch is skipped,
    // as in threaded mode.
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t index = next_deliver_++;
    build(index, slot.batch);
    wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(slot.batch);
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = ready_.find(next_deliver_);
    if (it == ready_.end()) {
      const auto t0 = std::chrono::steady_clock::now();
      ready_cv_.wait(lock, [&] { return (it = ready_.find(next_deliver_)) != ready_.end(); });
      wait_seconds_ +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    slot = std::move(it->second);
    ready_.erase(it);
    ++next_deliver_;
  }
  work_cv_.notify_all();  // the window moved: a worker may start another batch
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(slot.batch);
}

}  // namespace alexnet::data
