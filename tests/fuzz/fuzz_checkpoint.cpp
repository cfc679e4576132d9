// The checkpoint readers (load_checkpoint, read_checkpoint_header) and the header readers behind
// eval, predict, export and --resume (checkpoint_arch, _normalization, _classes, _state) on
// arbitrary bytes.
//
// A checkpoint ends with a CRC-32 of everything before it, so almost every mutation fails the
// checksum. Each input is therefore read twice: as it is (the checksum check itself), and with a
// correct CRC-32 appended (everything past the checksum). The seed corpus holds checkpoints with
// their CRC stripped.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "model/io/checkpoint.h"
#include "model/io/checkpoint_io.h"
#include "tests/fuzz/fuzz_common.h"

using namespace alexnet;

namespace {

void check_loaded(const Checkpoint& c) {
  if (c.header.contains("tensors")) fuzz::finding("load_checkpoint left \"tensors\" in the header");
  for (const auto& [name, t] : c.tensors) {
    std::uint64_t product = 1;
    for (int d : t.shape) {
      if (d <= 0) fuzz::finding("tensor " + name + " has a non-positive dimension");
      if (product > UINT64_MAX / static_cast<std::uint64_t>(d))
        fuzz::finding("tensor " + name + ": shape product overflows");
      product *= static_cast<std::uint64_t>(d);
    }
    if (product != t.data.size()) fuzz::finding("tensor " + name + ": shape does not match its data");
  }
}

void read(const std::string& path) {
  // The header alone, as `train --resume` reads it first (no checksum: it stops before the data).
  fuzz::expect_documented_errors({path + ": "}, [&] {
    const nlohmann::json header = read_checkpoint_header(path);
    if (header.contains("tensors")) fuzz::finding("read_checkpoint_header left \"tensors\" in");
  });
  Checkpoint c;
  if (!fuzz::expect_documented_errors({path + ": "}, [&] { c = load_checkpoint(path); })) return;
  check_loaded(c);
  // Each header reader on its own, as eval and --resume call them; each throws CheckpointError.
  fuzz::expect_documented_errors({path + ": "}, [&] {
    const Arch arch = checkpoint_arch(c, path);
    (void)arch.flat_features();
    (void)arch.parameter_count();
  });
  fuzz::expect_documented_errors({path + ": "}, [&] { checkpoint_normalization(c, path); });
  fuzz::expect_documented_errors({path + ": "}, [&] { checkpoint_classes(c, path); });
  fuzz::expect_documented_errors({path + ": "}, [&] { checkpoint_state(c, path); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  read(fuzz::write_scratch("input.ckpt", data, size));

  std::vector<uint8_t> fixed(data, data + size);
  const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
  fixed.resize(size + 4);
  std::memcpy(fixed.data() + size, &crc, 4);  // little-endian, as save_checkpoint writes it
  read(fuzz::write_scratch("input-crc.ckpt", fixed.data(), fixed.size()));
  return 0;
}
