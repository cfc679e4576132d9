// How long this process has run, for start-up times that include what happens before main():
// loading the program and its libraries (the Vulkan loader, the driver).
#pragma once

namespace alexnet::app {

// Seconds since the kernel started this process: /proc/self/stat's start time against
// CLOCK_BOOTTIME (clock-tick resolution, 10 ms on most kernels). Where /proc is missing, the time
// since this program's static initialisation.
double seconds_since_process_start();

}  // namespace alexnet::app
