// CPU time of the whole process (every thread), for rates per CPU second: what one core
// sustains, which other work on a shared machine does not dilute as it dilutes wall time.
#pragma once

#include <sys/resource.h>

namespace alexnet::data {

inline double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace alexnet::data
