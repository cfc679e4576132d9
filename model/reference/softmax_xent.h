// Softmax and softmax cross-entropy over the last axis of (N, classes) logits. Everything is
// computed with the row maximum subtracted first, so logits like 1000 or -1000 stay finite.
// The training loss is the MEAN over the batch, which is why the backward divides by N.
//
// Templates on the element type (float and double are instantiated); exponentials and sums are
// computed in double.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace alexnet::ref {

// logits: (N, classes) -> probs: (N, classes), each row sums to 1
template <class T>
std::vector<T> softmax_forward(int n, int classes, std::span<const T> logits);

// logits: (N, classes), labels: (N) each in [0, classes)
// returns the per-sample loss: (N), loss_i = -log p_i[label_i], computed as
// logsumexp(logits_i) - logits_i[label_i] (never log of a rounded-to-zero probability).
// The batch loss is the mean of these.
template <class T>
std::vector<T> softmax_xent_loss(int n, int classes, std::span<const T> logits,
                                 std::span<const std::int32_t> labels);

// logits: (N, classes), labels: (N) -> dlogits: (N, classes) = (softmax(logits) - onehot) / N,
// the gradient of the mean loss.
template <class T>
std::vector<T> softmax_xent_backward(int n, int classes, std::span<const T> logits,
                                     std::span<const std::int32_t> labels);

// All three throw std::invalid_argument if n or classes is not positive, a span's size does not
// match, or a label is outside [0, classes).

}  // namespace alexnet::ref
