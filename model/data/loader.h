// Background batch loading: worker threads decode and augment upcoming batches while the trainer
// works on the current one.
//
// Reproducibility is the design constraint. The epoch order is a Fisher-Yates permutation drawn
// from Rng(derive_seed(seed, epoch)) (our own generator and shuffle: std::shuffle's algorithm is
// unspecified, so the same seed would give different orders under different standard libraries),
// and the example at position p of the epoch is augmented with seed derive_seed(seed, epoch, p).
// Nothing depends on which thread built which batch, so the batches are bit-identical for any
// `threads` and any timing, and resuming at start_batch gives exactly the tail of the full epoch.
//
// One Loader covers one epoch (or the part from start_batch); make a new one per epoch.
//
// Output: float batches (augment(), what the network reads today) or uint8 batches (augment_u8():
// the same crops and flips as bytes, NCHW, with the PCA shift added and rounded; mean and scale
// left to the device through input_transform()), a quarter of the bytes to upload. Image-folder
// JPEGs are decoded at the smallest DCT scale that still covers the resize (scaled_decode), and
// packed data (model/data/packed_dataset.h) is cropped straight from its memory-mapped records.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "model/data/augment.h"
#include "model/data/dataset.h"

namespace alexnet::data {

enum class PixelFormat { Float, Uint8 };

// The loader's default worker count: every hardware thread but one, which is left to the thread
// that drives the device (at least 1).
int default_loader_threads();

struct LoaderConfig {
  int batch = 128;
  int threads = default_loader_threads();  // workers; 0 = build each batch inside next() (debugging)
  bool shuffle = true;        // false: dataset order (evaluation)
  uint64_t seed = 1;
  int epoch = 0;
  std::size_t start_batch = 0;  // resume position inside the epoch
  View view = View::Train;
  bool drop_last = true;      // false: a last partial batch (count < batch), for evaluation
  int prefetch = 3;           // batches built ahead of the consumer (at least `threads`)
  PixelFormat output = PixelFormat::Float;
  // Decode JPEGs straight to the smallest DCT scale whose short side still covers the resize
  // target (decode_image's min_short_side). Off: full decodes, as before this option existed.
  bool scaled_decode = true;
  // Data parallelism: of each batch's `batch` positions this loader builds only shard k of
  // `shards` equal parts (positions [k*count/shards, (k+1)*count/shards) of the batch), the same
  // images, augmented the same way, as a single loader puts there. Batch numbering is unchanged.
  int shards = 1;
  int shard = 0;
};

struct Batch {
  std::vector<float> images;    // (count, C, crop, crop): sized for `count`, not `batch`; Float
  std::vector<uint8_t> pixels;  // (count, C, crop, crop) bytes, NCHW; Uint8 output only
  std::vector<int32_t> labels;  // (count)
  std::vector<std::size_t> indices;  // (count) data set index of each example (after any
                                     // substitution of a corrupt one)
  std::size_t first_position = 0;    // the epoch position of the first example (shards: of this one's)
  std::size_t index_in_epoch = 0;    // this batch's number within the epoch
  int count = 0;
};

class Loader {
 public:
  // The dataset must outlive the Loader. Throws std::invalid_argument for a bad config (batch or
  // prefetch < 1, threads < 0, start_batch past the end, augment config errors, a mean of the
  // wrong length).
  Loader(const Dataset& dataset, AugmentConfig augment, Normalization norm, LoaderConfig config);
  ~Loader();  // stops the workers promptly: they check between examples
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // The next batch in order, nullopt at the end of the epoch. Single consumer: call from one
  // thread. A DataError (e.g. an image smaller than the crop) or other failure while building a
  // batch is rethrown here, when that batch is reached.
  std::optional<Batch> next();

  std::size_t batches_per_epoch() const { return batches_; }
  // Values (floats or bytes) per example: C * crop * crop.
  std::size_t example_floats() const { return per_example_; }
  // For Uint8 batches: input = (byte - mean[c]) * scale gives the network's input.
  InputTransform input_transform() const { return data::input_transform(augment_, norm_); }
  // Total time next() spent waiting for the workers: the trainer's data stall.
  double wait_seconds() const { return wait_seconds_; }

  // The epoch order, position -> data set index (exposed for tests and for logging).
  static std::vector<std::size_t> epoch_order(std::size_t size, uint64_t seed, int epoch,
                                              bool shuffle);

 private:
  void build(std::size_t batch_index, Batch& out) const;  // throws; checks stop_
  void worker();

  const Dataset& dataset_;
  const AugmentConfig augment_;
  const Normalization norm_;
  const LoaderConfig config_;
  std::vector<std::size_t> order_;
  std::size_t batches_ = 0, per_example_ = 0;
  double wait_seconds_ = 0;

  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };
  std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  std::map<std::size_t, Slot> ready_;  // built batches not yet returned, by batch index
  std::size_t next_claim_ = 0;         // first batch no worker has started
  std::size_t next_deliver_ = 0;       // next batch next() returns
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace alexnet::data
