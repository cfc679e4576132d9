// The processes of one training run and what they say to each other: data parallelism over MPI
// (mpirun -np N alexnet_vk train ...), or the one process of an ordinary run. The trainer has one
// code path: it talks to a Communicator, which is MPI when this build has MPI and the process was
// started by an MPI launcher, and otherwise the single process below (every collective is the
// identity).
//
// Every collective gives up after the collective timeout (ALEXNET_VK_COLLECTIVE_TIMEOUT_S,
// default 600 s) with a one-line error, so a rank that hangs cannot leave the others waiting
// forever. A rank that dies is handled by the launcher: Open MPI's mpirun kills the whole job
// when one process exits non-zero or on a signal, and names that rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace alexnet::distributed {

// What stopped a rank, as every rank learns it (first_failure()).
enum class FailureKind : std::int64_t { None = 0, Error = 1, DeviceLost = 2, NonFinite = 3 };
struct Failure {
  int rank = 0;
  FailureKind kind = FailureKind::Error;
  std::string message;  // one line
};

// A collective that timed out, or a launch that cannot work (sizes, builds, options that differ).
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The rank among the processes on this machine (picks the Vulkan device: local rank mod count).
  virtual int local_rank() const = 0;
  // "Open MPI v4.1.4, 2 ranks" or "single process".
  virtual std::string description() const = 0;

  // Element-wise sums over every rank, in place (the same result on every rank).
  virtual void allreduce_sum(std::span<float> values) = 0;
  virtual void allreduce_sum(std::span<double> values) = 0;
  // A sum over the ranks that was started and not yet waited for (start_sum).
  class PendingSum {
   public:
    virtual ~PendingSum() = default;
    // Whether it has finished; each call also moves it on (MPI progresses a non-blocking
    // collective only inside MPI calls).
    virtual bool test() = 0;
    // Waits for it (a DistributedError after the collective timeout).
    virtual void wait() = 0;
  };
  // allreduce_sum(values) without waiting: `values` hold the sum once it has finished and must
  // stay in place until then. Every rank must start the same sums in the same order.
  virtual std::unique_ptr<PendingSum> start_sum(std::span<float> values) = 0;
  // Every rank's value, in rank order.
  virtual std::vector<std::uint64_t> allgather(std::uint64_t value) = 0;
  // root's bytes into every rank's `bytes` (the same size on every rank).
  virtual void broadcast(std::span<std::byte> bytes, int root) = 0;
  void broadcast(std::span<float> values, int root) { broadcast(std::as_writable_bytes(values), root); }
  // root's text to every rank; the others' argument is ignored.
  std::string broadcast(const std::string& text, int root);

  // The agreement step: every rank says whether it failed; every rank learns the lowest failing
  // rank's failure, or nothing when all are well. The last failure agreed on is remembered
  // (agreed_failure()), so that at exit only one rank need print it.
  std::optional<Failure> first_failure(const std::optional<Failure>& mine);
  const std::optional<Failure>& agreed_failure() const { return agreed_; }

  // The start-up handshake: every rank's (name, value) pairs must equal rank 0's (the build, the
  // options, the data). Throws DistributedError on every rank, naming the first rank and field
  // that differ ("rank 1 has --lr 0.02, rank 0 has 0.01").
  void handshake(const std::vector<std::pair<std::string, std::string>>& fields);

 private:
  std::optional<Failure> agreed_;
};

// The communicator of this process, made on first use: MPI when the process was started by an MPI
// launcher (and this build has MPI), else the single process. Throws DistributedError when a
// launcher started the process and this build has no MPI, saying how to build with it.
Communicator& world();

// True when an MPI launcher (mpirun, mpiexec, srun) started this process with more than one rank.
bool launched_by_mpi();
// True when an MPI launcher started this process, with any number of ranks. Its stdout may then
// be a pseudo-terminal whatever mpirun's own output is (Open MPI gives each rank one), so
// isatty() cannot say whether a person is watching.
bool under_mpi_launcher();
// This process's rank as the launcher numbered it (0 when none did): who speaks for all ranks
// before there is a communicator (a build without MPI under mpirun).
int rank_given_by_launcher();
// This build has MPI (CMake found it).
bool built_with_mpi();
// How to get a build with MPI, for messages.
const char* how_to_get_mpi();

// How this process will leave: with `clean` (the default: done, or a failure every rank agreed
// on), MPI is finalized at exit; without, the process leaves without finalizing, so the launcher
// stops the other ranks at once instead of every rank waiting on one that will never arrive.
void finish(bool clean);

// A single-process communicator (tests, and every run not started by an MPI launcher).
std::unique_ptr<Communicator> single_process();

}  // namespace alexnet::distributed
