// Seeds for fuzz_packed, made by the real writer (prepare_packed on a generated folder): see
// fuzz_packed.cpp for the input layout. Used by make_corpus.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fuzz {

std::vector<std::pair<std::string, std::vector<uint8_t>>> packed_seeds();

}  // namespace fuzz
