// `alexnet_vk neighbours`: the paper's Figure 4 (model/paper/neighbours.h): for query images of the
// test split, the training images nearest in a layer's vectors, as a PNG grid and, with --json,
// their indices and distances.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "apps/alexnet_vk/commands.h"
#include "model/data/subset_dataset.h"
#include "model/io/checkpoint_io.h"
#include "model/paper/neighbours.h"
#include "model/train/data_source.h"

namespace alexnet::app {
namespace {

struct NeighbourFlags {
  std::string checkpoint, data = kDefaultDataDir, layer = "fc7", out;
  std::size_t queries = 5, count = 6, train_limit = 0;
  bool json = false;
  int device = 0;
};

nlohmann::json rows_json(const NeighbourFlags& f, const data::Dataset& test, const data::Dataset& train,
                         const std::vector<std::size_t>& queries, const std::vector<paper::NeighbourRow>& rows) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json neighbours = nlohmann::json::array();
    for (const auto& n : r.neighbours)
      neighbours.push_back({{"train_index", n.index}, {"label", train.class_names()[train.label(n.index)]},
                            {"distance", n.distance}});
    const std::size_t q = queries[r.query];
    list.push_back({{"test_index", q}, {"label", test.class_names()[test.label(q)]}, {"neighbours", neighbours}});
  }
  return {{"checkpoint", f.checkpoint}, {"layer", f.layer}, {"searched", train.size()}, {"queries", list}};
}

}  // namespace

Runner add_neighbours_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("neighbours", "training images nearest to test images in a layer's vectors");
  auto f = std::make_shared<NeighbourFlags>();
  command->add_option("--checkpoint", f->checkpoint, "checkpoint file")->required();
  command->add_option("--data", f->data, "the data set: queries from its test split, searched in its training split")
      ->capture_default_str();
  command->add_option("--layer", f->layer, "conv1 ... fc8: whose vectors are compared")->capture_default_str();
  command->add_option("--queries", f->queries, "query images, spread over the test split")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--count", f->count, "neighbours per query")->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--train-limit", f->train_limit, "search only the first N training images");
  command->add_option("-o,--output", f->out, "PNG file to write");
  command->add_flag("--json", f->json, "print the indices and distances as one JSON object");
  command->add_option("--device", f->device, "device index");
  return [f, &global]() {
    if (f->out.empty() && !f->json) throw UsageError("give -o FILE.png, --json, or both");
    const Checkpoint c = load_checkpoint(f->checkpoint);
    const Arch arch = checkpoint_arch(c, f->checkpoint);
    const data::Normalization norm = checkpoint_normalization(c, f->checkpoint);
    DataSource source = open_data(f->data);
    if (source.train->num_classes() != arch.classes || source.train->channels() != arch.in_channels)
      throw CheckpointError(f->checkpoint + ": made for " + std::to_string(arch.classes) + " classes of " +
                            std::to_string(arch.in_channels) + "-channel images, " + f->data + " has " +
                            std::to_string(source.train->num_classes()) + " of " +
                            std::to_string(source.train->channels()));
    const data::Dataset& test = *source.val;
    const SubsetDataset train(*source.train, f->train_limit ? f->train_limit : source.train->size());

    auto instance = open_instance(global);
    vkrt::Context context(*instance, f->device);
    auto model = open_model({&context}, arch, ModelOptions{64, 0, false, {}});
    std::size_t dim = 0;
    try {
      dim = model->feature_count(f->layer);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());  // names the layers there are
    }
    load_parameters(*model, c, f->checkpoint);
    Predictor predictor(*model);
    const data::AugmentConfig augment = augment_for(arch, source, {});

    const std::vector<std::size_t> queries = paper::spread_indices(test.size(), f->queries);
    std::vector<std::size_t> all(train.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const auto query_features = paper::features_of(predictor, test, queries, augment, norm, f->layer);
    const auto train_features = paper::features_of(predictor, train, all, augment, norm, f->layer);
    std::vector<paper::NeighbourRow> rows;
    for (std::size_t q = 0; q < queries.size(); ++q)
      rows.push_back({q, paper::nearest(std::span(query_features).subspan(q * dim, dim), train_features, dim, f->count)});

    if (!f->out.empty()) {
      // The grid indexes the query set directly: a view of just the queries.
      std::vector<paper::NeighbourRow> drawn = rows;
      for (auto& r : drawn) r.query = queries[r.query];
      data::write_png(f->out, paper::draw_neighbours(test, train, drawn));
    }
    if (f->json) std::printf("%s\n", rows_json(*f, test, train, queries, rows).dump().c_str());
    else
      std::printf("wrote %s: %zu queries, %zu neighbours each among %zu training images by %s distance\n",
                  f->out.c_str(), queries.size(), f->count, train.size(), f->layer.c_str());
    return 0;
  };
}

}  // namespace alexnet::app
