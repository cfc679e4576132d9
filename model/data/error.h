// The one error type of the data pipeline. Every reader and decoder reports bad input (a
// truncated file, a wrong magic number, a corrupt JPEG, an absurd header) as a DataError whose
// what() is a single line "<file>: <problem>", so a user can act on it and a log stays greppable.
// Programming errors (an Image whose pixel count does not match its shape, a crop of 0) are
// std::invalid_argument instead: they are bugs in the caller, not in the data.
#pragma once

#include <stdexcept>
#include <string>

namespace alexnet::data {

class DataError : public std::runtime_error {
 public:
  // "<where>: <problem>", with any newline in either part replaced by a space, because a file name
  // or a library message with a newline would break the one-line promise.
  DataError(const std::string& where, const std::string& problem)
      : std::runtime_error(one_line(where + ": " + problem)) {}

 private:
  static std::string one_line(std::string s) {
    for (char& c : s)
      if (c == '\n' || c == '\r') c = ' ';
    return s;
  }
};

}  // namespace alexnet::data
