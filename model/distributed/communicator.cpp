// The collectives every communicator shares (agreement, handshake, text broadcast), the
// single-process communicator, and the choice of this process's communicator.
#include "model/distributed/communicator.h"

#include <cstdlib>
#include <cstring>

#include "model/distributed/mpi_communicator.h"

namespace alexnet::distributed {
namespace {

// Every collective is the identity on one process.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string description() const override { return "single process"; }
  void allreduce_sum(std::span<float>) override {}
  void allreduce_sum(std::span<double>) override {}
  std::unique_ptr<PendingSum> start_sum(std::span<float>) override {
    struct Done final : PendingSum {
      bool test() override { return true; }
      void wait() override {}
    };
    return std::make_unique<Done>();
  }
  std::vector<std::uint64_t> allgather(std::uint64_t value) override { return {value}; }
  void broadcast(std::span<std::byte>, int) override {}
};

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* value = env(name)) return std::atoi(value);
  return 0;
}

int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"})
    if (const char* value = env(name)) return std::atoi(value);
  return env("PMIX_RANK") ? 2 : 0;  // PMIx without a size: a launcher all the same
}

std::unique_ptr<Communicator>& the_world() {
  static std::unique_ptr<Communicator> world;
  return world;
}

}  // namespace

std::string Communicator::broadcast(const std::string& text, int root) {
  std::uint64_t length = text.size();
  broadcast(std::as_writable_bytes(std::span(&length, 1)), root);
  std::string out = rank() == root ? text : std::string(length, '\0');
  broadcast(std::as_writable_bytes(std::span(out.data(), out.size())), root);
  return out;
}

std::optional<Failure> Communicator::first_failure(const std::optional<Failure>& mine) {
  const auto kinds = allgather(static_cast<std::uint64_t>(mine ? mine->kind : FailureKind::None));
  for (int r = 0; r < int(kinds.size()); ++r) {
    if (kinds[r] == 0) continue;
    Failure f{r, static_cast<FailureKind>(kinds[r]), broadcast(mine && r == rank() ? mine->message : "", r)};
    agreed_ = f;
    return f;
  }
  return std::nullopt;
}

void Communicator::handshake(const std::vector<std::pair<std::string, std::string>>& fields) {
  if (size() == 1) return;
  const auto counts = allgather(fields.size());
  for (int r = 0; r < size(); ++r)
    if (counts[r] != counts[0])
      throw DistributedError("rank " + std::to_string(r) + " is a different build of alexnet_vk from rank 0's (" +
                             std::to_string(counts[r]) + " start-up fields, rank 0 has " + std::to_string(counts[0]) +
                             "): run the same build on every rank");
  // Rank 0's values to all; each rank names its first difference; the lowest such rank is reported.
  std::optional<Failure> mine;
  for (const auto& [name, value] : fields) {
    const std::string theirs = broadcast(value, 0);
    if (!mine && theirs != value)
      mine = Failure{rank(), FailureKind::Error,
                     "rank " + std::to_string(rank()) + " has " + name + " " + value + ", rank 0 has " + theirs};
  }
  if (const auto f = first_failure(mine))
    throw DistributedError(f->message + ": every rank must run the same build with the same options and data");
  agreed_.reset();  // nothing failed: the handshake's agreement is not a failure to report
}

Communicator& world() {
  auto& world = the_world();
  if (world) return *world;
  const int size = launcher_size();
  if (size > 0 && built_with_mpi()) {
    world = make_mpi_communicator();
  } else if (size > 1) {
    throw DistributedError(std::string("this process was started by an MPI launcher with ") + std::to_string(size) +
                           " ranks, but this alexnet_vk was built without MPI: " + how_to_get_mpi());
  } else {
    world = single_process();
  }
  return *world;
}

bool launched_by_mpi() { return launcher_size() > 1; }

bool under_mpi_launcher() { return launcher_size() > 0; }

int rank_given_by_launcher() { return under_mpi_launcher() ? launcher_rank() : 0; }

const char* how_to_get_mpi() {
#if ALEXNET_VK_MPI_OFF
  return "configure with -DALEXNET_VK_MPI=ON (this build was configured with -DALEXNET_VK_MPI=OFF) and build again; "
         "then run `mpirun -np N alexnet_vk train ...`";
#else
  return "install Open MPI (apt-get install openmpi-bin libopenmpi-dev, or scripts/setup.sh test) and configure "
         "and build again; then run `mpirun -np N alexnet_vk train ...`";
#endif
}

void finish(bool clean) {
  // A clean end finalizes MPI when the process exits (the world's destructor, after main's last
  // line is out: Open MPI's MPI_Finalize waits for every rank, and mpirun stops the job as soon
  // as one rank exits non-zero).
  if (!clean) abandon_mpi();
}

std::unique_ptr<Communicator> single_process() { return std::make_unique<SingleProcess>(); }

}  // namespace alexnet::distributed
