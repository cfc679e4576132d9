#include "model/paper/neighbours.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "model/plot/canvas.h"

namespace alexnet::paper {
namespace {

constexpr std::size_t kChunk = 256;  // images prepared and run at a time
constexpr int kGap = 4, kQueryGap = 16, kLabelHeight = kGlyphHeight + 6;

// The image's centre square scaled to tile x tile at (x0, y0), grey drawn as RGB.
void draw_tile(Canvas& canvas, const data::Image& image, int x0, int y0, int tile) {
  const int side = std::min(image.width, image.height);
  const int left = (image.width - side) / 2, top = (image.height - side) / 2;
  for (int y = 0; y < tile; ++y)
    for (int x = 0; x < tile; ++x) {
      const int sx = left + x * side / tile, sy = top + y * side / tile;
      Rgb c;
      for (int ch = 0; ch < 3; ++ch) c[ch] = image.at(sx, sy, image.channels == 3 ? ch : 0);
      canvas.dot(x0 + x, y0 + y, c);
    }
}

// A class name in the font's lower case, cut to the tile's width.
std::string label_for(const std::string& name, int tile) {
  std::string text;
  for (char c : name) text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::size_t fits = std::size_t(std::max(1, (tile + 1) / kGlyphAdvance));
  return text.substr(0, fits);
}

}  // namespace

std::vector<Neighbour> nearest(std::span<const float> query, std::span<const float> set, std::size_t dim,
                               std::size_t k) {
  const std::size_t rows = dim ? set.size() / dim : 0;
  std::vector<Neighbour> all(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0;
    const float* v = set.data() + r * dim;
    for (std::size_t i = 0; i < dim; ++i) {
      const double d = double(v[i]) - double(query[i]);
      sum += d * d;
    }
    all[r] = {r, std::sqrt(sum)};
  }
  const std::size_t keep = std::min(k, rows);
  std::partial_sort(all.begin(), all.begin() + keep, all.end(), [](const Neighbour& a, const Neighbour& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.index < b.index);
  });
  all.resize(keep);
  return all;
}

std::vector<std::size_t> spread_indices(std::size_t size, std::size_t count) {
  std::vector<std::size_t> out;
  count = std::min(count, size);
  for (std::size_t i = 0; i < count; ++i) out.push_back(i * size / count);
  return out;
}

std::vector<float> features_of(Predictor& predictor, const data::Dataset& dataset, std::span<const std::size_t> indices,
                               const data::AugmentConfig& augment, const data::Normalization& norm,
                               const std::string& layer) {
  const Arch& arch = predictor.arch();
  const std::size_t floats = std::size_t(arch.in_channels) * arch.in_size * arch.in_size;
  std::vector<float> out, batch;
  for (std::size_t first = 0; first < indices.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, indices.size() - first);
    batch.assign(n * floats, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
      const data::Image image = data::to_channels(dataset.image(indices[first + i]), arch.in_channels);
      data::augment(image, augment, norm, data::View::Center, 0, batch.data() + i * floats);
    }
    const auto features = predictor.features(batch, static_cast<int>(n), layer);
    out.insert(out.end(), features.begin(), features.end());
  }
  return out;
}

data::Image draw_neighbours(const data::Dataset& queries, const data::Dataset& searched,
                            const std::vector<NeighbourRow>& rows, int tile) {
  std::size_t most = 0;
  for (const auto& r : rows) most = std::max(most, r.neighbours.size());
  const int width = kGap + tile + kQueryGap + static_cast<int>(most) * (tile + kGap);
  const int row_height = tile + kLabelHeight + kGap;
  Canvas canvas(width, kGap + static_cast<int>(rows.size()) * row_height);
  const Rgb ink{40, 40, 40};
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const int y = kGap + static_cast<int>(r) * row_height;
    const std::size_t q = rows[r].query;
    draw_tile(canvas, queries.image(q), kGap, y, tile);
    canvas.text(kGap, y + tile + 3, label_for(queries.class_names()[queries.label(q)], tile), ink, 1);
    for (std::size_t n = 0; n < rows[r].neighbours.size(); ++n) {
      const std::size_t j = rows[r].neighbours[n].index;
      const int x = kGap + tile + kQueryGap + static_cast<int>(n) * (tile + kGap);
      draw_tile(canvas, searched.image(j), x, y, tile);
      canvas.text(x, y + tile + 3, label_for(searched.class_names()[searched.label(j)], tile), ink, 1);
    }
  }
  return canvas.image;
}

}  // namespace alexnet::paper
