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
#include <type_traits>
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

// One field read from `j[name]`: integers through json_integer (range-checked), everything else
// through nlohmann's own conversion. Throws nlohmann's exceptions when missing or malformed.
template <class T>
void read_json_field(const nlohmann::json& j, const char* name, T& field) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) field = json_integer<T>(j.at(name));
  else j.at(name).get_to(field);
}

}  // namespace alexnet

// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE with read_json_field for reading, so a struct's JSON is one
// list of its fields and its integers are read as strictly as above. Use it in the struct's
// namespace; the JSON keys are the field names.
#define ALEXNET_JSON_READ_FIELD(v1) ::alexnet::read_json_field(nlohmann_json_j, #v1, nlohmann_json_t.v1);
#define ALEXNET_JSON_FIELDS(Type, ...)                                                                \
  inline void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {                 \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                          \
  }                                                                                                   \
  inline void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) {               \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(ALEXNET_JSON_READ_FIELD, __VA_ARGS__))                   \
  }
