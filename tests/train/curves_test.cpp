// curves.png: the labels are drawn (tick values, titles, legends, epochs) with the built-in font.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "model/plot/bitmap_font.h"
#include "model/data/image.h"
#include "model/metrics/metrics_csv.h"
#include "model/plot/curves.h"

namespace alexnet {
namespace {

TEST(BitmapFont, CoversEveryCharacterTheCurvesUse) {
  for (char c : std::string("0123456789.-/() ") + "loss" + "error" + "train" + "val" + "top-5" + "epoch")
    EXPECT_TRUE(has_glyph(c)) << "'" << c << "'";
  std::set<GlyphRows> digits;
  for (char c = '0'; c <= '9'; ++c) digits.insert(glyph_rows(c));
  EXPECT_EQ(digits.size(), 10u);  // every digit reads differently
  EXPECT_FALSE(has_glyph('Q'));
  EXPECT_NE(glyph_rows('Q'), glyph_rows(' '));  // a missing glyph shows as a box
  EXPECT_EQ(text_width("", 2), 0);
  EXPECT_EQ(text_width("10", 2), (2 * kGlyphAdvance - 1) * 2);
}

// Counts pixels darker than the labels' ink threshold in [x0, x1) x [y0, y1).
int dark_pixels(const data::Image& image, int x0, int y0, int x1, int y1) {
  int count = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const auto* p = &image.pixels[(std::size_t(y) * image.width + x) * image.channels];
      if (p[0] < 100 && p[1] < 100 && p[2] < 100) ++count;
    }
  return count;
}

std::vector<EpochMetrics> falling_rows(int epochs) {
  std::vector<EpochMetrics> rows;
  for (int e = 1; e <= epochs; ++e) {
    EpochMetrics m;
    m.epoch = e;
    m.train_loss = 0.7 / e;
    m.val_loss = 0.5 / e + 0.2;
    m.train_top1_error = 0.25 / e;
    m.val_top1_error = 0.15 / e + 0.07;
    m.train_top5_error = 0.02 / e;
    m.val_top5_error = 0.003;
    rows.push_back(m);
  }
  return rows;
}

TEST(Curves, DrawTickValuesTitlesAndEpochs) {
  const std::string path = (std::filesystem::path(testing::TempDir()) / "curves_test.png").string();
  write_curves_png(path, falling_rows(20));
  const data::Image image = data::load_image(path);
  ASSERT_EQ(image.width, kCurvesWidth);
  ASSERT_EQ(image.height, kCurvesHeight);
  // Left of the left panel: the y tick values, and nothing else is drawn there.
  EXPECT_GT(dark_pixels(image, 0, kCurvesPanelTop - 10, kCurvesPanelLeft - 4, kCurvesPanelTop + 330), 100);
  // Above the panels: the titles.
  EXPECT_GT(dark_pixels(image, kCurvesPanelLeft, 0, kCurvesPanelLeft + 100, kCurvesPanelTop - 4), 50);
  // Below the panels: epoch numbers and "epoch".
  EXPECT_GT(dark_pixels(image, kCurvesPanelLeft, kCurvesPanelTop + 330, kCurvesPanelLeft + 390, kCurvesHeight), 100);
}

TEST(Curves, NoRowsOrOneRowStillDraw) {
  const std::string path = (std::filesystem::path(testing::TempDir()) / "curves_small.png").string();
  for (int epochs : {0, 1}) {
    write_curves_png(path, falling_rows(epochs));
    EXPECT_EQ(data::load_image(path).width, kCurvesWidth) << epochs;
  }
}

}  // namespace
}  // namespace alexnet
