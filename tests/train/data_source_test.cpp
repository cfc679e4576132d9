// open_data on a folder whose IDX names cannot be looked up: a DataError naming the file, never
// std::filesystem's exception (found by fuzz_data_folder: a name whose lookup fails with
// ENAMETOOLONG; a symlink loop fails the same way, with ELOOP).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "model/data/error.h"
#include "model/train/data_source.h"

namespace alexnet {
namespace {

namespace fs = std::filesystem;

TEST(DataSource, AnIdxNameThatCannotBeLookedUpIsADataErrorNamingIt) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("data_source_loop_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "train-images-idx3-ubyte";
  fs::create_symlink(file.filename(), file);  // points at itself
  try {
    open_data(dir.string());
    FAIL() << "opened a folder whose IDX file is a symlink loop";
  } catch (const data::DataError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(file.string(), 0), 0u) << message;
    EXPECT_NE(message.find("cannot be looked up"), std::string::npos) << message;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace alexnet
