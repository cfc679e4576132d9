#include "model/io/safetensors.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/io/checkpoint_json.h"

namespace alexnet {
namespace {

// Tensor names come from the file; error messages stay one line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

void write_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = metadata;
  std::size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const std::size_t bytes = t.data.size() * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');  // keeps the data 8-byte aligned
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw CheckpointError(path + ": cannot write");
    const std::uint64_t size = text.size();
    out.write(reinterpret_cast<const char*>(&size), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : tensors)
      out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size() * sizeof(float)));
    out.flush();
    if (!out) {
      std::remove(temp.c_str());
      throw CheckpointError(path + ": write failed");
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw CheckpointError(path + ": cannot replace");
  }
}

std::map<std::string, Tensor> read_safetensors(const std::string& path, std::map<std::string, std::string>* metadata) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(path + ": cannot open");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) throw CheckpointError(path + ": truncated safetensors file");
  std::uint64_t size;
  std::memcpy(&size, bytes.data(), 8);
  if (size > bytes.size() - 8) throw CheckpointError(path + ": header length out of bounds");
  std::map<std::string, Tensor> tensors;
  try {
    const auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(size));
    const std::size_t data = 8 + size, data_size = bytes.size() - data;
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        if (metadata) *metadata = entry.get<std::map<std::string, std::string>>();
        continue;
      }
      if (entry.at("dtype") != "F32") throw CheckpointError(path + ": tensor " + one_line(name) + " is not F32");
      const auto offsets = json_integers<std::uint64_t>(entry.at("data_offsets"));
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size || (offsets[1] - offsets[0]) % 4)
        throw CheckpointError(path + ": tensor " + one_line(name) + " lies outside the file");
      Tensor t;
      t.shape = json_integers<int>(entry.at("shape"));
      // The shape must account for exactly the bytes given (no product may wrap on the way).
      std::uint64_t elements = 1;
      for (int d : t.shape) {
        if (d < 0 || (d > 0 && elements > (offsets[1] - offsets[0]) / 4 / static_cast<std::uint64_t>(d)))
          throw CheckpointError(path + ": tensor " + one_line(name) + ": shape does not match its data");
        elements *= static_cast<std::uint64_t>(d);
      }
      if (elements * 4 != offsets[1] - offsets[0])
        throw CheckpointError(path + ": tensor " + one_line(name) + ": shape does not match its data");
      t.data.resize((offsets[1] - offsets[0]) / 4);
      // A 0-element tensor is valid; memcpy from/to its null data() is not.
      if (!t.data.empty()) std::memcpy(t.data.data(), bytes.data() + data + offsets[0], offsets[1] - offsets[0]);
      tensors[name] = std::move(t);
    }
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(path + ": malformed safetensors header: " + e.what());
  }
  return tensors;
}

}  // namespace alexnet
