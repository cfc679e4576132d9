// A build without MPI (-DALEXNET_VK_MPI=OFF), checked without building the tool a second time:
// alexnet_distributed_without_mpi is model/distributed/ as that build compiles it, and nothing
// else differs, because only model/distributed/mpi_communicator.cpp includes mpi.h (checked here
// too). Without MPI every run is one process, and a run that an MPI launcher started with more
// than one rank is refused with one line saying how to get a build with MPI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "model/distributed/communicator.h"

namespace alexnet::distributed {
namespace {

namespace fs = std::filesystem;

TEST(NoMpi, AnMpiLaunchIsRefusedWithHowToGetMpiAndAPlainRunIsOneProcess) {
  EXPECT_FALSE(built_with_mpi());
  ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  ::setenv("OMPI_COMM_WORLD_RANK", "1", 1);
  EXPECT_TRUE(launched_by_mpi());
  EXPECT_EQ(rank_given_by_launcher(), 1);  // the train command silences all but rank 0
  try {
    world();
    ADD_FAILURE() << "a launch with 2 ranks must be refused without MPI";
  } catch (const DistributedError& e) {
    const std::string said = e.what();
    EXPECT_EQ(said.find('\n'), std::string::npos) << said;
    EXPECT_NE(said.find("started by an MPI launcher with 2 ranks, but this alexnet_vk was built without MPI"),
              std::string::npos)
        << said;
    EXPECT_NE(said.find("configure with -DALEXNET_VK_MPI=ON"), std::string::npos) << said;
  }
  // mpirun -np 1 is one process, as is a run no launcher started.
  ::setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
  ::setenv("OMPI_COMM_WORLD_RANK", "0", 1);
  EXPECT_EQ(world().size(), 1);
  EXPECT_EQ(world().description(), "single process");
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  EXPECT_FALSE(under_mpi_launcher());
}

TEST(NoMpi, OnlyTheMpiCommunicatorIncludesMpiH) {
  const fs::path root = ALEXNET_VK_SOURCE_DIR;
  const std::string include = std::string("#include <") + "mpi.h>";  // not spelt out: this file would match
  int sources = 0;
  for (const char* dir : {"apps", "model", "runtime", "tests"})
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".h") continue;
      ++sources;
      std::ifstream file(entry.path());
      std::stringstream text;
      text << file.rdbuf();
      if (text.str().find(include) == std::string::npos) continue;
      EXPECT_EQ(fs::relative(entry.path(), root).string(), "model/distributed/mpi_communicator.cpp")
          << "includes mpi.h: a build without MPI cannot compile it";
    }
  EXPECT_GT(sources, 100);
}

}  // namespace
}  // namespace alexnet::distributed
