// The expectation every data test makes of a bad input: a one-line DataError that says what and
// where.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "model/data/error.h"

namespace alexnet::testing {

// Runs f and expects it to throw a DataError whose message is one line and contains every one of
// `needles` (the file's path, the reason, ...).
template <class F, class... Needles>
void expect_data_error(F f, const Needles&... needles) {
  try {
    f();
    ADD_FAILURE() << "no DataError";
  } catch (const data::DataError& e) {
    const std::string msg = e.what();
    for (const std::string& needle : {std::string(needles)...}) EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace alexnet::testing
