#include "runtime/spirv_reflect.h"

#include <algorithm>
#include <map>

#include "runtime/error.h"

namespace vkrt {
namespace {

// Opcodes and enums from the SPIR-V specification that this reader needs.
constexpr std::uint32_t kMagic = 0x07230203;
constexpr std::uint32_t OpTypeInt = 21, OpTypeFloat = 22, OpTypeImage = 25, OpTypeStruct = 30,
                        OpTypePointer = 32, OpVariable = 59, OpDecorate = 71, OpMemberDecorate = 72,
                        OpTypeArray = 28, OpTypeRuntimeArray = 29,
                        OpTypeSampledImage = 27;
constexpr std::uint32_t DecorationBinding = 33, DecorationDescriptorSet = 34, DecorationOffset = 35;
constexpr std::uint32_t StorageUniformConstant = 0, StorageUniform = 2, StoragePushConstant = 9,
                        StorageStorageBuffer = 12;

struct Type {
  std::uint32_t opcode = 0;
  std::vector<std::uint32_t> operands;  // after the result id
};

// What reflection reads of a module: its types, decorations and variables.
struct Module {
  std::map<std::uint32_t, Type> types;
  std::map<std::uint32_t, std::uint32_t> binding_of, set_of;
  std::map<std::uint32_t, std::map<std::uint32_t, std::uint32_t>> member_offsets;  // struct -> member -> offset
  struct Variable {
    std::uint32_t id, pointer_type, storage;
  };
  std::vector<Variable> variables;
};

template <typename Fail>
Module parse_module(std::span<const std::uint32_t> words, const Fail& fail) {
  Module m;
  for (std::size_t i = 5; i < words.size();) {
    const std::uint32_t count = words[i] >> 16, opcode = words[i] & 0xffff;
    if (count == 0 || i + count > words.size()) fail("truncated instruction");
    const std::uint32_t* op = &words[i + 1];
    switch (opcode) {
      case OpTypeInt:
      case OpTypeFloat:
      case OpTypeImage:
      case OpTypeStruct:
      case OpTypePointer:
      case OpTypeArray:
      case OpTypeRuntimeArray:
      case OpTypeSampledImage:
        m.types[op[0]] = Type{opcode, std::vector<std::uint32_t>(op + 1, op + count - 1)};
        break;
      case OpVariable:
        m.variables.push_back({op[1], op[0], op[2]});
        break;
      case OpDecorate:
        if (op[1] == DecorationBinding) m.binding_of[op[0]] = op[2];
        if (op[1] == DecorationDescriptorSet) m.set_of[op[0]] = op[2];
        break;
      case OpMemberDecorate:
        if (op[2] == DecorationOffset) m.member_offsets[op[0]][op[1]] = op[3];
        break;
      default:
        break;
    }
    i += count;
  }
  return m;
}

// The push-constant block's size; every member must be a 4-byte scalar.
template <typename Fail>
std::uint32_t push_constant_bytes(Module& m, std::uint32_t block_type, const Fail& fail) {
  const auto& block = m.types[block_type];
  if (block.opcode != OpTypeStruct) fail("push constants are not a block");
  std::uint32_t end = 0;
  for (std::uint32_t i = 0; i < block.operands.size(); ++i) {
    const auto& member = m.types[block.operands[i]];
    const bool scalar32 = (member.opcode == OpTypeInt || member.opcode == OpTypeFloat) && !member.operands.empty() &&
                          member.operands[0] == 32;
    if (!scalar32) fail("push-constant member " + std::to_string(i) + " is not a 4-byte scalar");
    end = std::max(end, m.member_offsets[block_type][i] + 4);
  }
  return end;
}

}  // namespace

ShaderInterface reflect_compute_shader(std::span<const std::uint32_t> words, const std::string& name) {
  auto fail = [&](const std::string& what) -> void { throw Error("shader " + name + ": " + what); };
  if (words.size() < 5 || words[0] != kMagic) fail("not a SPIR-V module");
  Module m = parse_module(words, fail);
  auto& types = m.types;
  auto& binding_of = m.binding_of;
  auto& set_of = m.set_of;

  ShaderInterface out;
  std::map<std::uint32_t, BindingKind> bindings;
  for (const auto& v : m.variables) {
    const auto& pointer = types[v.pointer_type];
    const std::uint32_t pointee = pointer.operands.size() >= 2 ? pointer.operands[1] : 0;
    if (v.storage == StoragePushConstant) {
      out.push_constant_bytes = push_constant_bytes(m, pointee, fail);
      continue;
    }
    if (v.storage != StorageStorageBuffer && v.storage != StorageUniform && v.storage != StorageUniformConstant)
      continue;
    if (!binding_of.count(v.id)) continue;
    if (set_of[v.id] != 0) fail("uses descriptor set " + std::to_string(set_of[v.id]) + "; only set 0 is supported");
    BindingKind kind = BindingKind::StorageBuffer;
    const Type* type = &types[pointee];
    if (type->opcode == OpTypeSampledImage) type = &types[type->operands.at(0)];
    if (type->opcode == OpTypeImage) {
      // operands: sampled type, dim, depth, arrayed, ms, sampled, format. Dim 5 = Buffer.
      if (type->operands.size() < 6 || type->operands[1] != 5) fail("binds an image that is not a texel buffer");
      kind = type->operands[5] == 2 ? BindingKind::StorageTexelBuffer : BindingKind::UniformTexelBuffer;
    } else if (v.storage == StorageUniformConstant) {
      fail("binds an unsupported resource");
    }
    bindings[binding_of[v.id]] = kind;
  }
  for (const auto& [binding, kind] : bindings) {
    if (binding != out.bindings.size())
      fail("bindings must be numbered densely from 0; binding " + std::to_string(out.bindings.size()) + " is missing");
    out.bindings.push_back(kind);
  }
  return out;
}

}  // namespace vkrt
