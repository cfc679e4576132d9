// Argument validation shared by the reference ops. Every op validates its spans against the shape
// it was given before touching memory: the oracle must fail loudly, never read out of bounds,
// because verify's GPU checks and the central-difference tests trust whatever it returns.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace alexnet::ref::detail {

// Throws std::invalid_argument("<op>: <what> has <got> elements, expected <want>").
inline void require_size(const char* op, const char* what, std::size_t got, std::size_t want) {
  if (got != want)
    throw std::invalid_argument(std::string(op) + ": " + what + " has " + std::to_string(got) +
                                " elements, expected " + std::to_string(want));
}

// Throws std::invalid_argument("<op>: <message>") unless ok.
inline void require(bool ok, const char* op, const std::string& message) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + message);
}

// Product of sizes as size_t, so shapes whose element count exceeds INT_MAX do not overflow.
inline std::size_t count_of(std::size_t a, std::size_t b = 1, std::size_t c = 1,
                            std::size_t d = 1) {
  return a * b * c * d;
}

}  // namespace alexnet::ref::detail
