// The MPI communicator (mpi_communicator.cpp, compiled only when CMake finds MPI; no_mpi.cpp
// stands in for it otherwise). Only communicator.cpp uses these.
#pragma once

#include <memory>

#include "model/distributed/communicator.h"

namespace alexnet::distributed {

// MPI_Init and MPI_COMM_WORLD; throws DistributedError when this build has no MPI.
std::unique_ptr<Communicator> make_mpi_communicator();
// The MPI communicator, when it is destroyed, will not call MPI_Finalize (a rank that stops alone).
void abandon_mpi();

}  // namespace alexnet::distributed
