// One plot panel of curves over epochs, as curves.png and the ablations' Figure 1 draw them.
#pragma once

#include <string>
#include <vector>

#include "model/plot/canvas.h"

namespace alexnet {

struct Series {
  std::vector<double> values;  // one per epoch, from epoch 1
  Rgb color;
  std::string legend;  // empty: not in the legend
};

// One panel: a title and legend above, several series over epochs, y from 0 to a round value at
// or above the largest, four grid lines with their values on the left, epochs along the bottom.
// (left, top, width, height) is the plot area; the labels lie outside it.
void draw_panel(Canvas& canvas, int left, int top, int width, int height, const std::string& title,
                const std::vector<Series>& series, int epochs);

}  // namespace alexnet
