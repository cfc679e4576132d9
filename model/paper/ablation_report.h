// The ablation's outputs: DIR/ablations.csv (one row per variant), DIR/ablations.md (the table
// with the paper's figure beside each row) and DIR/ablations.png (training error against epoch for
// every variant: the paper's Figure 1, with test error beside it).
#pragma once

#include <string>
#include <vector>

#include "model/paper/ablation.h"

namespace alexnet::paper {

// Rows in the order of `variants` (results[i] is variants[i]'s); the baseline is results[0].
void write_ablation_csv(const std::string& path, const std::vector<Variant>& variants,
                        const std::vector<VariantResult>& results);
// `budget` says in words what every variant was given (data, epochs, batch), for the table's head.
void write_ablation_markdown(const std::string& path, const std::vector<Variant>& variants,
                             const std::vector<VariantResult>& results, const std::string& budget);
// Two panels: training top-1 error per epoch (Figure 1) and test top-1 error, a line per variant,
// the legend to the right. The geometry is public for tests.
inline constexpr int kAblationPlotWidth = 1160, kAblationPlotHeight = 440;
void write_ablation_png(const std::string& path, const std::vector<VariantResult>& results);

}  // namespace alexnet::paper
