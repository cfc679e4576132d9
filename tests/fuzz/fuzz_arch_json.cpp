// The architecture description reader (arch_from_json), as found in checkpoint headers, on
// arbitrary JSON text. What it builds must survive a round trip and the size arithmetic the
// network does with it.
#include <cstddef>
#include <cstdint>

#include "model/graph/arch_json.h"
#include "tests/fuzz/fuzz_common.h"

using namespace alexnet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  // Not JSON at all is the checkpoint reader's concern (a CheckpointError); parse without throwing.
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  Arch arch;
  // std::invalid_argument is arch_from_json's documented error.
  if (!fuzz::expect_documented_errors({"", true, true}, [&] { arch = arch_from_json(j); })) return 0;
  (void)arch.flat_features();
  (void)arch.parameter_count();
  const nlohmann::json again = arch_to_json(arch);
  Arch rebuilt;
  if (!fuzz::expect_documented_errors({"", true, true}, [&] { rebuilt = arch_from_json(again); }))
    fuzz::finding("arch_to_json wrote what arch_from_json rejects: " + again.dump());
  if (arch_to_json(rebuilt) != again) fuzz::finding("arch JSON does not round-trip: " + again.dump());
  return 0;
}
