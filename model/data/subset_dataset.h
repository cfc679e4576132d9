// The first N examples of another data set (for quick runs and tests), or N examples from a given
// one (a rank's part of the validation set in a data-parallel run).
#pragma once

#include <algorithm>

#include "model/data/dataset.h"

namespace alexnet {

class SubsetDataset final : public data::Dataset {
 public:
  SubsetDataset(const data::Dataset& base, std::size_t count) : base_(base), count_(std::min(count, base.size())) {}
  SubsetDataset(const data::Dataset& base, std::size_t first, std::size_t count)
      : base_(base), first_(std::min(first, base.size())), count_(std::min(count, base.size() - first_)) {}
  std::size_t size() const override { return count_; }
  int num_classes() const override { return base_.num_classes(); }
  const std::vector<std::string>& class_names() const override { return base_.class_names(); }
  int label(std::size_t i) const override { return base_.label(first_ + i); }
  int channels() const override { return base_.channels(); }
  data::Image image(std::size_t i) const override { return base_.image(first_ + i); }
  data::Image image_at_least(std::size_t i, int min_short_side) const override {
    return base_.image_at_least(first_ + i, min_short_side);
  }
  std::optional<data::ImageView> pixels_in_place(std::size_t i) const override {
    return base_.pixels_in_place(first_ + i);
  }
  std::string item_name(std::size_t i) const override { return base_.item_name(first_ + i); }

 private:
  const data::Dataset& base_;
  std::size_t first_ = 0;
  std::size_t count_;
};

}  // namespace alexnet
