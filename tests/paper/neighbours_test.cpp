// Nearest neighbours in a layer's vectors: the search itself, and `alexnet_vk neighbours` on data
// whose test split is its training split, where each query must find itself first, at distance 0.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/data/image.h"
#include "model/paper/neighbours.h"
#include "tests/reliability/harness.h"

namespace alexnet::paper {
namespace {

namespace fs = std::filesystem;

TEST(Neighbours, NearestIsSortedAndFindsAQueryInTheSet) {
  const std::vector<float> set = {0, 0, 3, 4, 1, 1, 10, 0, 1, 1};  // five rows of two
  const auto found = nearest(std::span<const float>(set).subspan(6, 2), set, 2, 3);  // row 3: (10, 0)
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].index, 3u);
  EXPECT_DOUBLE_EQ(found[0].distance, 0);
  EXPECT_EQ(found[1].index, 1u);  // (3, 4): sqrt(49 + 16)
  EXPECT_DOUBLE_EQ(found[1].distance, std::sqrt(65.0));
  EXPECT_EQ(found[2].index, 2u);  // (1, 1) twice: the lower index
  EXPECT_EQ(nearest(set, set, 2, 10).size(), 5u);
  EXPECT_EQ(spread_indices(32, 4), (std::vector<std::size_t>{0, 8, 16, 24}));
}

TEST(Neighbours, EachQueryIsItsOwnNearestNeighbourWhenTheTestSplitIsTheTrainingSplit) {
  const fs::path root = reliability::temp_dir("neighbours");
  reliability::write_synthetic_idx(root / "data", 32, 9, 4);
  for (const char* kind : {"images-idx3-ubyte", "labels-idx1-ubyte"})
    fs::copy_file(root / "data" / (std::string("train-") + kind), root / "data" / (std::string("t10k-") + kind),
                  fs::copy_options::overwrite_existing);
  const std::string data = " --data " + (root / "data").string();
  const auto trained = reliability::run_tool("train" + data + " --batch 16 --epochs 1 --out " + (root / "run").string());
  ASSERT_EQ(trained.exit_code, 0) << trained.err;

  const fs::path png = root / "nn.png";
  const auto run = reliability::run_tool("neighbours --checkpoint " + (root / "run" / "last.ckpt").string() + data +
                                         " --queries 4 --json -o " + png.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j.at("layer"), "fc7");
  ASSERT_EQ(j.at("queries").size(), 4u);
  for (const auto& q : j.at("queries")) {
    const auto& n = q.at("neighbours");
    ASSERT_EQ(n.size(), 6u);
    EXPECT_EQ(n[0].at("train_index"), q.at("test_index"));
    EXPECT_LE(n[0].at("distance").get<double>(), 1e-5 * n[1].at("distance").get<double>() + 1e-6);
    for (std::size_t i = 1; i < n.size(); ++i)
      EXPECT_LE(n[i - 1].at("distance").get<double>(), n[i].at("distance").get<double>());
  }
  EXPECT_GT(fs::file_size(png), 1000u);

  // An unknown layer is a usage error that names the layers there are.
  const auto bad = reliability::run_tool("neighbours --checkpoint " + (root / "run" / "last.ckpt").string() + data +
                                         " --layer fc9 --json");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("fc7"), std::string::npos) << bad.err;

  // predict --features gives users the same vectors: fc7's 512 values (alexnet-small) per image.
  data::Image image{28, 28, 1, std::vector<std::uint8_t>(28 * 28, 40)};
  data::write_png((root / "image.png").string(), image);
  const auto predicted = reliability::run_tool("predict --checkpoint " + (root / "run" / "last.ckpt").string() +
                                               " --features fc7 --json " + (root / "image.png").string());
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto p = nlohmann::json::parse(predicted.out);
  ASSERT_EQ(p.at("images").size(), 1u);
  EXPECT_EQ(p.at("images")[0].at("features").size(), 512u);
  EXPECT_EQ(p.at("images")[0].at("top5").size(), 4u);  // five, or every class when there are fewer
  fs::remove_all(root);
}

}  // namespace
}  // namespace alexnet::paper
