// `alexnet_vk bench --gemm N`: one row per GEMM path and storage precision, in a fixed order; a row
// either ran (a time and a rate) or says why the device cannot run it, and the best rates name
// the fastest row that ran at each precision. `bench --gemm-path P` runs the network's layers on P
// and says so.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/cli/run_tool.h"

namespace alexnet {
namespace {

using testing::run_tool;

TEST(GemmBenchCli, EveryPathAndPrecisionRunsOrSaysWhyNot) {
  const auto r = run_tool("bench --gemm 32 --iters 1 --warmup 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"tiled", "fp32"}, {"texel", "fp32"}, {"tiled", "fp16"}, {"texel", "fp16"}, {"coopmat", "fp16"}};
  ASSERT_EQ(j["paths"].size(), rows.size()) << r.out;
  double best[2] = {0, 0};  // fp32, fp16
  std::string best_path[2];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& p = j["paths"][i];
    SCOPED_TRACE(p.dump());
    EXPECT_EQ(p["path"], rows[i].first);
    EXPECT_EQ(p["precision"], rows[i].second);
    const std::string skipped = p["skipped"];
    const bool fp32 = rows[i].second == "fp32";
    if (fp32) {
      EXPECT_EQ(skipped, "") << "every device runs both fp32 paths";
    }
    if (!skipped.empty()) {
      EXPECT_EQ(p["ms"].get<double>(), 0);
      continue;
    }
    EXPECT_GT(p["ms"].get<double>(), 0);
    EXPECT_GT(p["gflops"].get<double>(), 0);
    if (p["gflops"].get<double>() > best[fp32 ? 0 : 1]) {
      best[fp32 ? 0 : 1] = p["gflops"].get<double>();
      best_path[fp32 ? 0 : 1] = rows[i].first;
    }
  }
  EXPECT_EQ(j["best_gflops"].get<double>(), best[0]);
  EXPECT_EQ(j["best_path"], best_path[0]);
  EXPECT_EQ(j["best_fp16_gflops"].get<double>(), best[1]);
  EXPECT_EQ(j["best_fp16_path"], best_path[1]);

  // The text form lists the same rows, skipped ones with their reason.
  const auto text = run_tool("bench --gemm 32 --iters 1 --warmup 0");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const auto& p : j["paths"]) {
    const std::string skipped = p["skipped"];
    // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string line = "skipped: ";
    line += skipped;
    if (!skipped.empty()) {
      EXPECT_NE(text.out.find(line), std::string::npos) << text.out;
    }
  }
  EXPECT_NE(text.out.find("best: "), std::string::npos) << text.out;
}

TEST(GemmBenchCli, TheNetworkRunsOnThePathAskedFor) {
  const std::string bench = "bench --arch alexnet-small --input-size 28 --classes 10 --batch 2 --iters 1 --warmup 0";
  for (const std::string path : {"tiled", "texel"}) {
    const auto r = run_tool(bench + " --json --gemm-path " + path);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["gemm_path"], path);
    EXPECT_FALSE(j["layers"].empty());
  }
  const auto automatic = run_tool(bench + " --json");
  ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
  const std::string chosen = nlohmann::json::parse(automatic.out)["gemm_path"];
  EXPECT_TRUE(chosen == "tiled" || chosen == "texel") << chosen;
  const auto text = run_tool(bench + " --gemm-path tiled");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("; GEMM path tiled\n"), std::string::npos) << text.out;

  // Cooperative matrices store fp16 only: at fp32 the layers refuse, in one line.
  const auto coopmat = run_tool(bench + " --gemm-path coopmat");
  EXPECT_NE(coopmat.exit_code, 0);
  EXPECT_NE(coopmat.err.find("fp16"), std::string::npos) << coopmat.err;
  EXPECT_EQ(coopmat.err.find('\n'), coopmat.err.size() - 1) << coopmat.err;
  const auto bogus = run_tool(bench + " --gemm-path wide");
  EXPECT_NE(bogus.exit_code, 0);
  EXPECT_NE(bogus.err.find("--gemm-path"), std::string::npos) << bogus.err;
}

}  // namespace
}  // namespace alexnet
