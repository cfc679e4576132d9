// The prepare engine: keep what an earlier run finished, decode the rest on every thread, write
// shards as they complete, then the mean image and the index. See prepare.h.
#include "model/data/prepare.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "model/data/augment.h"
#include "model/data/cpu_time.h"
#include "model/data/error.h"
#include "model/data/file_io.h"
#include "model/data/packed_index.h"
#include "model/data/prepare_plan.h"

namespace alexnet::data {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// One thread's share of the training split's sums: PixelStats for the mean and covariance, and
// per-position sums for the mean image. Integers, so merging in any order gives the same totals.
struct Accumulator {
  PixelStats stats;
  std::vector<uint64_t> image_sums;
  uint64_t images = 0;
  void add(const ImageView& v) {
    stats.add(v);
    for (std::size_t i = 0; i < image_sums.size(); ++i) image_sums[i] += v.pixels[i];
    ++images;
  }
};

struct ShardJob {
  const SourceSplit* split = nullptr;
  ShardHeader header;  // as planned: sizes, count and hashes filled in when written
  std::string file;
  bool kept = false;
  ShardMeta meta;  // kept shards: as read; built ones: as written
  // Building: one record per slot; ok[k] says whether slot k decoded, reasons[k] why not.
  std::unique_ptr<uint8_t[]> pixels;
  std::vector<uint8_t> ok;
  std::vector<uint64_t> hashes;
  std::vector<std::string> reasons;
  uint64_t done = 0;
};

class Engine {
 public:
  Engine(const PrepareOptions& o, const SourcePlan& plan, const PackedRecipe& recipe, int threads)
      : o_(o), plan_(plan), recipe_(recipe), threads_(threads),
        record_(static_cast<std::size_t>(recipe.size) * recipe.size * recipe.channels) {
    for (const SourceSplit& s : plan.splits) {
      total_ += s.paths.size();
      const uint64_t shards = (s.paths.size() + recipe.shard_images - 1) / recipe.shard_images;
      for (uint32_t k = 0; k < shards; ++k) {
        ShardJob j;
        j.split = &s;
        j.header = planned_header(recipe, s, k);
        j.file = shard_file_name(s.split, k);
        jobs_.push_back(std::move(j));
      }
    }
    accumulators_.resize(static_cast<std::size_t>(threads));
    for (Accumulator& a : accumulators_) a.image_sums.assign(record_, 0);
    start_ = Clock::now();
    cpu_start_ = process_cpu_seconds();
  }

  void keep_finished_shards();
  void build_the_rest();
  PrepareReport finish();

 private:
  bool check_existing(ShardJob& job, Accumulator& acc) const;
  void decode_slot(ShardJob& job, uint64_t slot, Accumulator& acc) const;
  void worker(int id, const std::vector<std::pair<std::size_t, uint64_t>>& units);
  void write_shard(ShardJob& job);
  void report_progress(bool force);
  template <class F>
  void run_threads(F&& f);

  const PrepareOptions& o_;
  const SourcePlan& plan_;
  const PackedRecipe& recipe_;
  const int threads_;
  const std::size_t record_;
  std::vector<ShardJob> jobs_;
  std::vector<Accumulator> accumulators_;
  uint64_t total_ = 0;
  Clock::time_point start_, last_progress_{};
  double cpu_start_ = 0;
  PrepareReport report_;

  // Shared with the workers while building.
  std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::size_t next_unit_ = 0;
  std::size_t buffers_ = 0, max_buffers_ = 2;  // shards being filled
  std::deque<std::size_t> completed_;          // jobs whose every slot is done, in completion order
  uint64_t done_ = 0, decoded_ = 0, skipped_ = 0;
  std::exception_ptr error_;
};

template <class F>
void Engine::run_threads(F&& f) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads_; ++t) pool.emplace_back([&, t] { f(t); });
  f(0);
  for (std::thread& t : pool) t.join();
}

// An earlier run's shard is kept only if it is exactly what this run would write: same plan
// hash (recipe and sources), a valid header and metadata, and every record matching its hash.
bool Engine::check_existing(ShardJob& job, Accumulator& acc) const {
  const std::string path = (fs::path(o_.out) / job.file).string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  try {
    const MappedFile f(path);
    const ShardHeader h = decode_shard_header(f.bytes(), path);
    const ShardHeader& p = job.header;
    if (h.plan_hash != p.plan_hash || h.split != p.split || h.shard != p.shard || h.width != p.width ||
        h.height != p.height || h.channels != p.channels || h.first_slot != p.first_slot || h.slots != p.slots)
      return false;
    ShardMeta meta = decode_shard_meta(h, f.bytes().subspan(h.meta_offset, h.meta_bytes), path);
    const uint8_t* pixels = f.bytes().data() + h.pixels_offset;
    for (uint64_t r = 0; r < h.count; ++r)
      if (packed_hash(pixels + r * record_, record_) != meta.record_hashes[r]) return false;
    if (job.split->split == PackedSplit::Train)
      for (uint64_t r = 0; r < h.count; ++r)
        acc.add(ImageView{recipe_.size, recipe_.size, recipe_.channels, pixels + r * record_});
    job.header = h;
    job.meta = std::move(meta);
    return true;
  } catch (const DataError&) {
    return false;  // damaged or foreign: rebuilt
  }
}

void Engine::keep_finished_shards() {
  std::atomic<std::size_t> next{0};
  run_threads([&](int id) {
    for (std::size_t k; (k = next.fetch_add(1)) < jobs_.size();) {
      ShardJob& job = jobs_[k];
      Accumulator local;
      local.image_sums.assign(record_, 0);
      // Into a local accumulator first: a shard that fails half-way must add nothing.
      if (!check_existing(job, local)) continue;
      job.kept = true;
      Accumulator& acc = accumulators_[static_cast<std::size_t>(id)];
      acc.stats.merge(local.stats);
      for (std::size_t i = 0; i < record_; ++i) acc.image_sums[i] += local.image_sums[i];
      acc.images += local.images;
    }
  });
  for (const ShardJob& j : jobs_)
    if (j.kept) {
      ++report_.shards_kept;
      done_ += j.header.slots;
      skipped_ += j.meta.skipped.size();
    }
}

void Engine::decode_slot(ShardJob& job, uint64_t slot, Accumulator& acc) const {
  const uint64_t k = slot - job.header.first_slot;
  const std::string path = (fs::path(plan_.root) / job.split->paths[slot]).string();
  try {
    const Image decoded = to_channels(load_image(path, recipe_.size), recipe_.channels);
    const Image square = resize_and_center(view_of(decoded), recipe_.size);
    uint8_t* dst = job.pixels.get() + k * record_;
    std::memcpy(dst, square.pixels.data(), record_);
    job.hashes[k] = packed_hash(dst, record_);
    job.ok[k] = 1;
    if (job.split->split == PackedSplit::Train) acc.add(view_of(square));
  } catch (const DataError& e) {
    job.reasons[k] = e.what();  // "<path>: <problem>", one line
  }
}

void Engine::worker(int id, const std::vector<std::pair<std::size_t, uint64_t>>& units) {
  Accumulator& acc = accumulators_[static_cast<std::size_t>(id)];
  try {
    for (;;) {
      std::pair<std::size_t, uint64_t> unit;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        // A unit whose shard has no buffer yet may start only while fewer than max_buffers_ are
        // alive: that bounds memory to a few shards however far the decoders run ahead.
        work_cv_.wait(lock, [&] {
          return error_ || next_unit_ >= units.size() || jobs_[units[next_unit_].first].pixels ||
                 buffers_ < max_buffers_;
        });
        if (error_ || next_unit_ >= units.size()) return;
        unit = units[next_unit_++];
        ShardJob& job = jobs_[unit.first];
        if (!job.pixels) {
          job.pixels.reset(new uint8_t[job.header.slots * record_]);  // every byte is written before use
          job.ok.assign(job.header.slots, 0);
          job.hashes.assign(job.header.slots, 0);
          job.reasons.assign(job.header.slots, {});
          ++buffers_;
        }
      }
      ShardJob& job = jobs_[unit.first];
      decode_slot(job, unit.second, acc);
      std::lock_guard<std::mutex> lock(mutex_);
      ++done_;
      ++decoded_;
      if (!job.ok[unit.second - job.header.first_slot]) ++skipped_;
      if (++job.done == job.header.slots) {
        completed_.push_back(unit.first);
        done_cv_.notify_all();
      }
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = std::current_exception();
    work_cv_.notify_all();
    done_cv_.notify_all();
  }
}

void Engine::write_shard(ShardJob& job) {
  ShardMeta& m = job.meta;
  const uint64_t first = job.header.first_slot;
  for (uint64_t k = 0; k < job.header.slots; ++k) {
    if (job.ok[k]) {
      m.labels.push_back(job.split->labels[first + k]);
      m.record_hashes.push_back(job.hashes[k]);
      m.paths.push_back(job.split->paths[first + k]);
    } else {
      m.skipped.push_back({first + k, job.split->paths[first + k], job.reasons[k]});
    }
  }
  job.header.count = m.labels.size();
  const std::vector<uint8_t> meta = encode_shard_meta(m);
  const std::vector<uint8_t> header = encode_shard_header(job.header, meta);
  const std::string path = (fs::path(o_.out) / job.file).string();
  write_file_atomically(
      path,
      [&](const ByteSink& sink) {
        sink(header.data(), header.size());
        sink(meta.data(), meta.size());
        const std::vector<uint8_t> pad(job.header.pixels_offset - header.size() - meta.size(), 0);
        sink(pad.data(), pad.size());
        for (uint64_t k = 0; k < job.header.slots; ++k)
          if (job.ok[k]) sink(job.pixels.get() + k * record_, record_);
      },
      [&] {
        if (o_.hook) o_.hook("prepare:" + job.file + ":written");
      });
  if (o_.hook) o_.hook("prepare:" + job.file + ":renamed");
  ++report_.shards_written;
}

void Engine::report_progress(bool force) {
  const auto now = Clock::now();
  if (!o_.progress || (!force && now - last_progress_ < std::chrono::milliseconds(250))) return;
  last_progress_ = now;
  PrepareProgress p;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    p = {done_, total_, skipped_, decoded_, std::chrono::duration<double>(now - start_).count()};
  }
  o_.progress(p);
}

void Engine::build_the_rest() {
  std::vector<std::pair<std::size_t, uint64_t>> units;  // (job, slot), in file order
  std::size_t to_write = 0;
  for (std::size_t j = 0; j < jobs_.size(); ++j) {
    if (jobs_[j].kept) continue;
    ++to_write;
    for (uint64_t s = 0; s < jobs_[j].header.slots; ++s) units.emplace_back(j, jobs_[j].header.first_slot + s);
  }
  // Enough shards in flight that every thread has work while one is being written.
  max_buffers_ = 2 + static_cast<std::size_t>(threads_) / static_cast<std::size_t>(recipe_.shard_images);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads_; ++t) pool.emplace_back([&, t] { worker(t, units); });
  std::exception_ptr failure;
  try {
    for (std::size_t written = 0; written < to_write;) {
      std::size_t j;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        done_cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return error_ || !completed_.empty(); });
        if (error_) break;
        if (completed_.empty()) {
          lock.unlock();
          report_progress(false);
          continue;
        }
        j = completed_.front();  // oldest first: with one thread, shards land in file order
        completed_.pop_front();
      }
      write_shard(jobs_[j]);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        jobs_[j].pixels.reset();
        --buffers_;
      }
      work_cv_.notify_all();
      ++written;
      report_progress(false);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure && !error_) error_ = failure;
    if (error_) next_unit_ = units.size();  // workers stop at their next unit
  }
  work_cv_.notify_all();
  for (std::thread& t : pool) t.join();
  if (error_) std::rethrow_exception(error_);
  report_progress(true);
}

PrepareReport Engine::finish() {
  Accumulator total;
  total.image_sums.assign(record_, 0);
  for (const Accumulator& a : accumulators_) {
    total.stats.merge(a.stats);
    for (std::size_t i = 0; i < record_; ++i) total.image_sums[i] += a.image_sums[i];
    total.images += a.images;
  }
  PackedIndex index;
  index.recipe = recipe_;
  index.source = fs::absolute(plan_.root).lexically_normal().string();
  index.classes = plan_.classes;
  std::vector<std::string> planned;
  for (const SourceSplit& s : plan_.splits) {
    PackedSplitIndex& si = index.split(s.split);
    si.present = true;
    si.folder = s.folder;
    si.sources = s.paths.size();
    for (const ShardJob& j : jobs_) {
      if (j.split != &s) continue;
      si.shards.push_back({j.file, j.header.count, j.header.file_bytes, j.header.meta_hash});
      si.count += j.header.count;
      si.skipped.insert(si.skipped.end(), j.meta.skipped.begin(), j.meta.skipped.end());
      planned.push_back(j.file);
    }
    if (si.count == 0)
      throw DataError((fs::path(plan_.root) / s.folder).lexically_normal().string(),
                      "none of its " + std::to_string(si.sources) + " images decodes (first: " +
                          (si.skipped.empty() ? std::string("?") : si.skipped.front().reason) + ")");
    report_.skipped.insert(report_.skipped.end(), si.skipped.begin(), si.skipped.end());
    report_.stored += si.count;
  }
  remove_unplanned_shards(o_.out, planned);
  if (index.train.present) {
    // The mean image in float32, (S, S, C): each position's exact sum over the stored images.
    std::vector<float> mean(record_);
    for (std::size_t i = 0; i < record_; ++i)
      mean[i] = static_cast<float>(static_cast<double>(total.image_sums[i]) / static_cast<double>(total.images));
    index.stats = total.stats;
    index.mean_image_file = mean_image_file_name();
    index.mean_image_bytes = mean.size() * sizeof(float);
    index.mean_image_hash = packed_hash(mean.data(), index.mean_image_bytes);
    write_file_atomically((fs::path(o_.out) / index.mean_image_file).string(),
                          [&](const ByteSink& sink) { sink(mean.data(), index.mean_image_bytes); });
  }
  const std::string text = packed_index_json(index);
  write_file_atomically(
      (fs::path(o_.out) / kIndexFile).string(), [&](const ByteSink& sink) { sink(text.data(), text.size()); },
      [&] {
        if (o_.hook) o_.hook(std::string("prepare:") + kIndexFile + ":written");
      });
  if (o_.hook) o_.hook(std::string("prepare:") + kIndexFile + ":renamed");
  report_.sources = total_;
  report_.decoded = decoded_;
  report_.threads = threads_;
  report_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  report_.cpu_seconds = process_cpu_seconds() - cpu_start_;
  return report_;
}

}  // namespace

PrepareReport prepare_packed(const PrepareOptions& o) {
  if (o.size < 1 || o.size > static_cast<int>(kMaxPackedSide))
    throw std::invalid_argument("--size must be in [1, " + std::to_string(kMaxPackedSide) + "], got " +
                                std::to_string(o.size));
  if (o.shard_images < 1 || o.shard_images > static_cast<int>(kMaxShardRecords))
    throw std::invalid_argument("--shard-images must be in [1, " + std::to_string(kMaxShardRecords) + "], got " +
                                std::to_string(o.shard_images));
  if (o.threads < 0) throw std::invalid_argument("--threads must be >= 0, got " + std::to_string(o.threads));
  const SourcePlan plan = scan_sources(o.source);
  claim_output_folder(o.out, plan.root);
  PackedRecipe recipe;
  recipe.size = o.size;
  recipe.shard_images = o.shard_images;
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Engine engine(o, plan, recipe, threads);
  engine.keep_finished_shards();
  engine.build_the_rest();
  return engine.finish();
}

}  // namespace alexnet::data
