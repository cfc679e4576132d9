// Shared by the libFuzzer targets: what counts as the expected outcome of bad input, and scratch
// files for the readers that take a path.
//
// The contract every reader documents: bad input is reported by throwing a std::runtime_error
// (DataError, CheckpointError, CLI::ParseError, ...) or a std::invalid_argument whose what() is
// one non-empty line, naming the file when the reader was given one. Anything else - another
// exception type (std::out_of_range, std::length_error, a nlohmann::json exception leaking out), a
// message that breaks those rules, a crash, an abort, a leak, undefined behaviour, a hang or an
// allocation past libFuzzer's -rss_limit_mb / -malloc_limit_mb - is a finding. Findings abort, so
// libFuzzer saves the input as crash-<sha1>.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <typeinfo>

namespace fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// A per-process folder, removed at exit, in /dev/shm when there is one (a file written and read
// back per run: on a disk, journal commits make that several times slower than the reader itself),
// else under $TMPDIR. Scratch files are rewritten every run, so one process never fills anything.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path base =
        ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "alexnet_fuzz_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) finding("mkdtemp failed");
    static std::string to_remove;
    to_remove = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(to_remove, ec);
    });
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

// Writes bytes to scratch_dir()/name and returns its path.
inline std::string write_scratch(const std::string& name, const void* data, std::size_t size) {
  const std::string path = (scratch_dir() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) finding("cannot create " + path);
  if (size && std::fwrite(data, 1, size, f) != size) finding("cannot write " + path);
  if (std::fclose(f) != 0) finding("cannot close " + path);
  return path;
}

// What a target accepts as a documented error.
struct Expected {
  std::string prefix;             // what() must start with this ("" for anything)
  bool one_line = true;           // what() must hold no line break
  bool invalid_argument = false;  // std::invalid_argument is documented (else it marks a caller
                                  // bug, e.g. a decoder returning a malformed Image)
};

inline void check_message(const char* kind, const std::exception& e, const Expected& x) {
  const std::string msg = e.what();
  if (msg.empty()) finding(std::string(kind) + " with an empty message");
  if (x.one_line && msg.find_first_of("\r\n") != std::string::npos)
    finding(std::string(kind) + " message is not one line: " + msg);
  if (!x.prefix.empty() && msg.compare(0, x.prefix.size(), x.prefix) != 0)
    finding(std::string(kind) + " message does not start with \"" + x.prefix + "\": " + msg);
}

// Runs f. Returns true when it returned, false when it threw a documented error; anything else
// is a finding.
template <class F>
bool expect_documented_errors(const Expected& x, F&& f) {
  try {
    f();
    return true;
  } catch (const std::invalid_argument& e) {
    if (!x.invalid_argument) finding(std::string("std::invalid_argument: ") + e.what());
    check_message("std::invalid_argument", e, x);
  } catch (const std::runtime_error& e) {
    check_message(typeid(e).name(), e, x);
  } catch (const std::exception& e) {
    finding(std::string("undocumented exception ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    finding("non-std exception");
  }
  return false;
}

}  // namespace fuzz
