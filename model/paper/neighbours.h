// The paper's Figure 4: for query images of the test set, the training images whose vectors in a
// chosen layer (fc7 in the paper: the 4096 values after its ReLU) are closest in Euclidean
// distance. The images need not be close in pixels: the layer's vectors are what is compared.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "model/data/augment.h"
#include "model/data/dataset.h"
#include "model/data/image.h"
#include "model/train/predictor.h"

namespace alexnet::paper {

struct Neighbour {
  std::size_t index = 0;  // into the searched set
  double distance = 0;    // Euclidean
};

// The k rows of `set` (rows of `dim` floats) closest to `query` (dim floats), nearest first; ties
// go to the lower index. Fewer when the set has fewer rows.
std::vector<Neighbour> nearest(std::span<const float> query, std::span<const float> set, std::size_t dim,
                               std::size_t k);

// `count` query indices spread evenly over a set of `size` (0, size/count, 2*size/count, ...).
std::vector<std::size_t> spread_indices(std::size_t size, std::size_t count);

// The chosen layer's vectors of dataset images `indices` (the centre view, as evaluation sees
// them): (indices.size(), predictor's feature count) row-major.
std::vector<float> features_of(Predictor& predictor, const data::Dataset& dataset, std::span<const std::size_t> indices,
                               const data::AugmentConfig& augment, const data::Normalization& norm,
                               const std::string& layer);

struct NeighbourRow {
  std::size_t query = 0;  // index into the query set
  std::vector<Neighbour> neighbours;
};

// One row per query: the query's image, a gap, then its neighbours' images, each tile `tile`
// pixels square (a centre square of the image, scaled by nearest sampling) with its class name
// under it. RGB.
data::Image draw_neighbours(const data::Dataset& queries, const data::Dataset& searched,
                            const std::vector<NeighbourRow>& rows, int tile = 84);

}  // namespace alexnet::paper
