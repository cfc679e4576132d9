#include "model/paper/ablation_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "model/plot/panel.h"

namespace alexnet::paper {
namespace {

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string percent(double fraction) { return format("%.2f%%", 100 * fraction); }

// The Figure 1 measure in words: "not reached" when the budget ended before 25%.
std::string reached(double value, const char* pattern) { return value < 0 ? "not reached" : format(pattern, value); }

// Writes `text` to a temporary file and renames it over `path`: readers never see half a table.
void write_text(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << text;
    if (!out.flush()) throw std::runtime_error(temporary + ": cannot write");
  }
  std::filesystem::rename(temporary, path);
}

// A CSV field: quoted, inner quotes doubled.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void check_sizes(const std::vector<Variant>& variants, const std::vector<VariantResult>& results) {
  if (variants.size() != results.size() || results.empty())
    throw std::invalid_argument("ablation report: one result per variant expected");
}

}  // namespace

void write_ablation_csv(const std::string& path, const std::vector<Variant>& variants,
                        const std::vector<VariantResult>& results) {
  check_sizes(variants, results);
  std::string text =
      "variant,change,train_top1_error,train_top5_error,test_top1_error,test_top5_error,steps,epochs,seconds,"
      "epochs_to_25,seconds_to_25,paper\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const VariantResult& r = results[i];
    char numbers[256];
    std::snprintf(numbers, sizeof numbers, "%.6f,%.6f,%.6f,%.6f,%llu,%.4f,%.2f,%.4f,%.2f", r.train_top1_error,
                  r.train_top5_error, r.test_top1_error, r.test_top5_error, static_cast<unsigned long long>(r.steps),
                  r.epochs, r.seconds, r.epochs_to_25, r.seconds_to_25);
    text += r.name + "," + quoted(variants[i].change) + "," + numbers + "," + quoted(variants[i].paper) + "\n";
  }
  write_text(path, text);
}

void write_ablation_markdown(const std::string& path, const std::vector<Variant>& variants,
                             const std::vector<VariantResult>& results, const std::string& budget) {
  check_sizes(variants, results);
  const VariantResult& base = results.front();
  std::string text = "# Ablations\n\n" + budget +
                     "\n\nErrors are fractions of images misclassified; the change columns are test-error points "
                     "against the baseline. Epochs to 25% training error is the paper's Figure 1 measure, "
                     "interpolated between epoch ends (from chance at epoch 0).\n\n"
                     "| variant | change | train top-1 | train top-5 | test top-1 | test top-5 | change top-1 / top-5 "
                     "(points) | epochs to 25% train error | seconds to 25% | epochs | the paper |\n"
                     "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const VariantResult& r = results[i];
    const std::string delta = i == 0 ? "—"
                                     : format("%+.2f", 100 * (r.test_top1_error - base.test_top1_error)) + " / " +
                                           format("%+.2f", 100 * (r.test_top5_error - base.test_top5_error));
    text += "| " + r.name + " | " + variants[i].change + " | " + percent(r.train_top1_error) + " | " +
            percent(r.train_top5_error) + " | " + percent(r.test_top1_error) + " | " + percent(r.test_top5_error) +
            " | " + delta + " | " + reached(r.epochs_to_25, "%.2f") + " | " + reached(r.seconds_to_25, "%.0f") +
            " | " + format("%.2f", r.epochs) + " | " + variants[i].paper + " |\n";
  }
  write_text(path, text);
}

void write_ablation_png(const std::string& path, const std::vector<VariantResult>& results) {
  static const Rgb kColors[] = {{31, 119, 180}, {214, 39, 40},  {44, 160, 44},  {255, 127, 14},
                                {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127}};
  Canvas canvas(kAblationPlotWidth, kAblationPlotHeight);
  std::vector<Series> train, test;
  int epochs = 1;
  for (std::size_t i = 0; i < results.size(); ++i) {
    Series tr{{}, kColors[i % std::size(kColors)], ""}, te = tr;
    for (const auto& m : results[i].history) {
      tr.values.push_back(m.train_top1_error);
      te.values.push_back(m.val_top1_error);
    }
    epochs = std::max(epochs, static_cast<int>(tr.values.size()));
    train.push_back(std::move(tr));
    test.push_back(std::move(te));
  }
  draw_panel(canvas, 70, 60, 390, 320, "training top-1 error (figure 1)", train, epochs);
  draw_panel(canvas, 560, 60, 390, 320, "test top-1 error", test, epochs);
  // The legend, one variant a line, right of the panels (seven names do not fit above one).
  const Rgb ink{40, 40, 40};
  for (std::size_t i = 0; i < results.size(); ++i) {
    const int y = 60 + static_cast<int>(i) * (kTextHeight + 10);
    canvas.line(980, y + kTextHeight / 2, 1000, y + kTextHeight / 2, train[i].color, 3);
    canvas.text(1008, y, results[i].name, ink);
  }
  data::write_png(path, canvas.image);
}

}  // namespace alexnet::paper
