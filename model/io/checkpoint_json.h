// Integers from the JSON headers of checkpoints and safetensors files, which come from outside.
//
// nlohmann's get<int>() converts any number with a static_cast: a floating-point value out of the
// target's range (a header saying "count": 1e300) is undefined behaviour, and an integer out of
// range wraps silently (4294967298 reads as 2). These accept only integers that fit the target
// type and otherwise throw nlohmann's own exceptions, so callers report them like any other
// malformed field (found by tests/fuzz/fuzz_checkpoint).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace alexnet {

template <class T>
T json_integer(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else {
    throw nlohmann::json::type_error::create(
        302, std::string("type must be an integer, but is ") + j.type_name(), &j);
  }
  throw nlohmann::json::out_of_range::create(406, "integer " + j.dump() + " is out of range", &j);
}

template <class T>
std::vector<T> json_integers(const nlohmann::json& j) {
  if (!j.is_array())
    throw nlohmann::json::type_error::create(
        302, std::string("type must be an array, but is ") + j.type_name(), &j);
  std::vector<T> out;
  out.reserve(j.size());
  for (const auto& e : j) out.push_back(json_integer<T>(e));
  return out;
}

}  // namespace alexnet
