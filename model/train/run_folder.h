// Where a training run writes, so that runs are never lost: each `train` gets a new folder
// runs/<date>-<time> (runs/latest links to the newest) unless --out names one, and an --out that
// holds another run is refused unless the run resumes it or --force is given.
#pragma once

#include <string>

namespace alexnet {

// True when `folder` holds a run's files (last.ckpt or metrics.csv).
bool holds_run(const std::string& folder);

// Throws std::invalid_argument with a one-line message when `folder` holds another run and the
// caller neither resumes it nor forces.
void refuse_existing_run(const std::string& folder, bool resuming, bool force);

// Creates a new folder `root`/<YYYYmmdd-HHMMSS> (local time; "-2", "-3", ... when taken) and
// points `root`/latest at it (a relative symbolic link, replaced atomically). Returns the
// folder. A `root`/latest that is a real folder (an older run's) is left as it is; `note` then
// says so.
std::string new_run_folder(const std::string& root, std::string* note = nullptr);

}  // namespace alexnet
