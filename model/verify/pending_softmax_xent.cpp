// TEMPORARY while the softmax_xent op is written: delete this file when softmax_xent's real checks exist.
#include "model/verify/check.h"
namespace alexnet::verify {
void add_softmax_xent_checks(std::vector<Check>&) {}
}
