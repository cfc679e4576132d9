// A build without MPI: every run is a single process; `mpirun -np N` is refused with advice
// (communicator.cpp).
#include "model/distributed/mpi_communicator.h"

namespace alexnet::distributed {

bool built_with_mpi() { return false; }

std::unique_ptr<Communicator> make_mpi_communicator() {
  throw DistributedError(std::string("this alexnet_vk was built without MPI: ") + how_to_get_mpi());
}

void abandon_mpi() {}

}  // namespace alexnet::distributed
