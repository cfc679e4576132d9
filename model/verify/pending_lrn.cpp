// TEMPORARY while the lrn op is written: delete this file when lrn's real checks exist.
#include "model/verify/check.h"
namespace alexnet::verify {
void add_lrn_checks(std::vector<Check>&) {}
}
