#include "model/plot/curves.h"

#include <cstdio>
#include <string>
#include <vector>

#include "model/plot/canvas.h"
#include "model/plot/panel.h"

namespace alexnet {

void write_curves_png(const std::string& path, const std::vector<EpochMetrics>& rows) {
  // Left: train (blue) and validation (orange) loss. Right: train and validation top-1 error
  // (full colours) and top-5 error (lighter).
  Canvas canvas(kCurvesWidth, kCurvesHeight);
  std::vector<double> train_loss, val_loss, train1, val1, train5, val5;
  for (const auto& m : rows) {
    train_loss.push_back(m.train_loss);
    val_loss.push_back(m.val_loss);
    train1.push_back(m.train_top1_error);
    val1.push_back(m.val_top1_error);
    train5.push_back(m.train_top5_error);
    val5.push_back(m.val_top5_error);
  }
  const Rgb blue{31, 119, 180}, orange{255, 127, 14}, light_blue{150, 190, 225}, light_orange{255, 200, 150};
  const int epochs = static_cast<int>(rows.size());
  draw_panel(canvas, kCurvesPanelLeft, kCurvesPanelTop, 390, 320, "loss",
             {{train_loss, blue, "train"}, {val_loss, orange, "val"}}, epochs);
  draw_panel(canvas, kCurvesPanelLeft + 510, kCurvesPanelTop, 390, 320, "error",
             {{train1, blue, "train"}, {val1, orange, "val"}, {train5, light_blue, "top-5"},
              {val5, light_orange, ""}},
             epochs);
  data::write_png(path, canvas.image);
}

}  // namespace alexnet
