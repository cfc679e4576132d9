#include "tests/distributed/probe.h"

#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "model/distributed/data_parallel.h"
#include "model/model.h"

namespace alexnet::testing {
namespace {

void write_floats(const std::filesystem::path& path, const std::vector<float>& values) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::vector<float> all_of(Model& model, ParameterPart part) {
  std::vector<float> flat;
  for (std::size_t i = 0; i < model.parameter_infos().size(); ++i) {
    const auto v = model.read_parameter(i, part);
    flat.insert(flat.end(), v.begin(), v.end());
  }
  return flat;
}

}  // namespace

std::vector<float> read_floats(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  std::vector<float> values(std::size_t(f.tellg()) / sizeof(float));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
  return values;
}

std::vector<std::size_t> run_probe(distributed::Communicator& comm, vkrt::Context& context,
                                   const std::filesystem::path& out, int micro_batch) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  const int local = kProbeBatch / comm.size();
  ModelOptions options{local, micro_batch, true, SgdConfig{}, {}};
  if (comm.size() > 1) options.share = {std::uint64_t(comm.rank()) * local, kProbeBatch};
  auto model = open_model({&context}, arch, options);
  model->initialize(7);
  distributed::broadcast_parameters(*model, comm);
  // The trainer's exchange (model/train/ranks.h); one process has none.
  std::unique_ptr<distributed::GradientExchange> exchange;
  if (comm.size() > 1) exchange = std::make_unique<distributed::GradientExchange>(*model, comm);
  std::size_t early = 0;
  const std::size_t in = model->input_count();
  const std::string r = std::to_string(comm.rank());
  for (int step = 0; step < kProbeSteps; ++step) {
    // The global batch of this step, the same on every rank; each takes its share.
    std::mt19937 rng(100 + step);
    std::normal_distribution<float> pixel(0.f, 1.f);
    std::vector<float> images(std::size_t(kProbeBatch) * in);
    std::vector<std::int32_t> labels(kProbeBatch);
    for (auto& x : images) x = pixel(rng);
    for (auto& y : labels) y = std::int32_t(rng() % 10);
    const std::size_t first = std::size_t(comm.rank()) * local;
    model->stage({std::span(images).subspan(first * in, local * in), std::span(labels).subspan(first, local), {}, {}, {}});
    model->submit_gradients({7, std::uint32_t(step), true});
    if (exchange) exchange->start_during_backward();
    model->wait();
    const auto loss = model->loss();
    write_floats(out / ("loss_r" + r + "_s" + std::to_string(step) + ".f32"), {loss.begin(), loss.end()});
    if (exchange) {
      exchange->start_rest();
      early += exchange->finish().early;
    }
    model->update(0.05f);
    // What the update applied: with overlap, the sums reach the device's gradients in the update.
    if (comm.rank() == 0) write_floats(out / ("grad_s" + std::to_string(step) + ".f32"), all_of(*model, ParameterPart::Gradient));
  }
  if (exchange) {
    std::ofstream f(out / ("exchange_r" + r + ".txt"));
    f << exchange->overlapped() << " " << exchange->buckets() << " " << early << "\n";
  }
  write_floats(out / ("value_r" + r + ".f32"), all_of(*model, ParameterPart::Value));
  write_floats(out / ("momentum_r" + r + ".f32"), all_of(*model, ParameterPart::Momentum));
  std::vector<std::size_t> counts;
  for (const auto& info : model->parameter_infos()) counts.push_back(info.count);
  return counts;
}

}  // namespace alexnet::testing
