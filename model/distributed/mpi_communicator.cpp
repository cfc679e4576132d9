// The communicator over MPI_COMM_WORLD. Every collective is started non-blocking and waited for
// with a deadline (ALEXNET_VK_COLLECTIVE_TIMEOUT_S), so no rank waits forever on one that hangs;
// MPI errors come back as return codes (MPI_ERRORS_RETURN) and become one-line errors.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>
#include <vector>

#include "model/distributed/mpi_communicator.h"
#include "runtime/environment.h"

namespace alexnet::distributed {
namespace {

bool abandoned = false;

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int provided = 0;
    // Only the thread that drives the devices calls MPI (the loader's threads never do).
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm local;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
    MPI_Comm_rank(local, &local_rank_);
    MPI_Comm_free(&local);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(version, &length);
    library_ = std::string(version, std::find(version, version + length, ',') - version);
    timeout_ = std::chrono::seconds(vkrt::switches().collective_timeout_s);
  }
  ~MpiCommunicator() override {
    if (!abandoned) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  std::string description() const override { return library_ + ", " + std::to_string(size_) + " ranks"; }

  void allreduce_sum(std::span<float> values) override { start(values.data(), values.size(), MPI_FLOAT)->wait(); }
  void allreduce_sum(std::span<double> values) override { start(values.data(), values.size(), MPI_DOUBLE)->wait(); }
  std::unique_ptr<PendingSum> start_sum(std::span<float> values) override {
    return start(values.data(), values.size(), MPI_FLOAT);
  }

  std::vector<std::uint64_t> allgather(std::uint64_t value) override {
    std::vector<std::uint64_t> all(size_);
    MPI_Request request;
    check(MPI_Iallgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD, &request),
          "MPI_Iallgather");
    wait(request, "MPI_Iallgather");
    return all;
  }

  void broadcast(std::span<std::byte> bytes, int root) override {
    for (std::size_t done = 0; done < bytes.size();) {
      const int count = static_cast<int>(std::min<std::size_t>(bytes.size() - done, INT_MAX / 2));
      MPI_Request request;
      check(MPI_Ibcast(bytes.data() + done, count, MPI_BYTE, root, MPI_COMM_WORLD, &request), "MPI_Ibcast");
      wait(request, "MPI_Ibcast");
      done += std::size_t(count);
    }
  }

 private:
  class Pending final : public PendingSum {
   public:
    explicit Pending(MpiCommunicator& comm) : comm_(comm) {}
    bool test() override {
      int done = 0;
      comm_.check(MPI_Testall(int(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE), "MPI_Iallreduce");
      return done != 0;
    }
    void wait() override { comm_.poll([this] { return test(); }, "MPI_Iallreduce"); }
    std::vector<MPI_Request> requests_;

   private:
    MpiCommunicator& comm_;
  };

  // MPI_Iallreduce in place, in pieces of at most INT_MAX / 2 elements (MPI counts are ints).
  std::unique_ptr<Pending> start(void* data, std::size_t count, MPI_Datatype type) {
    auto pending = std::make_unique<Pending>(*this);
    int element = 0;
    MPI_Type_size(type, &element);
    for (std::size_t done = 0; done < count;) {
      const int n = static_cast<int>(std::min<std::size_t>(count - done, INT_MAX / 2));
      MPI_Request request;
      check(MPI_Iallreduce(MPI_IN_PLACE, static_cast<char*>(data) + done * element, n, type, MPI_SUM, MPI_COMM_WORLD,
                           &request),
            "MPI_Iallreduce");
      pending->requests_.push_back(request);
      done += std::size_t(n);
    }
    return pending;
  }

  void wait(MPI_Request& request, const char* what) {
    poll(
        [&] {
          int done = 0;
          check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
          return done != 0;
        },
        what);
  }

  // Polls until `done()`: at first without pause (a reduction of a few KB is done in
  // microseconds), then with short sleeps, so a rank waiting for a slower one leaves the CPU to it.
  template <class Done>
  void poll(Done done, const char* what) {
    const auto start = std::chrono::steady_clock::now();
    for (int polls = 0;; ++polls) {
      if (done()) return;
      if (polls < 1000) continue;
      std::this_thread::sleep_for(std::chrono::microseconds(polls < 20000 ? 20 : 500));
      if (std::chrono::steady_clock::now() - start > timeout_) {
        abandoned = true;  // the request can never complete: no MPI_Finalize on the way out
        throw DistributedError("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": no answer from " +
                               "the other ranks in " + what + " for " + std::to_string(timeout_.count()) +
                               " s (ALEXNET_VK_COLLECTIVE_TIMEOUT_S): a rank has hung or stopped");
      }
    }
  }

  void check(int rc, const char* what) const {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    abandoned = true;
    throw DistributedError("rank " + std::to_string(rank_) + ": " + what + " failed: " + std::string(text, length));
  }

  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::string library_;
  std::chrono::seconds timeout_{600};
};

}  // namespace

bool built_with_mpi() { return true; }

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

void abandon_mpi() { abandoned = true; }

}  // namespace alexnet::distributed
