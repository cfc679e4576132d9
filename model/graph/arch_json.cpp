#include "model/graph/arch_json.h"

#include <set>
#include <stdexcept>
#include <string>

#include "model/io/checkpoint_json.h"

namespace alexnet {
namespace {

using nlohmann::json;

// A JSON value quoted for a one-line message: at most 40 characters.
std::string quoted(const json& v) {
  std::string text = v.dump();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

// The fields of one JSON object, read by name; keys no reader asked for are reported by finish().
class Fields {
 public:
  Fields(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) fail("", "expected an object, got " + quoted(j_));
  }
  const json* find(const char* key) {
    read_.insert(key);
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  template <class T>
  bool get(const char* key, T& out) {
    const json* v = find(key);
    if (!v) return false;
    if constexpr (std::is_same_v<T, bool>) {
      if (!v->is_boolean()) fail(key, "expected true or false, got " + quoted(*v));
      out = v->get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      try {
        out = json_integer<T>(*v);
      } catch (const json::exception&) {
        fail(key, "expected an integer, got " + quoted(*v));
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v->is_number()) fail(key, "expected a number, got " + quoted(*v));
      out = v->get<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v->is_string()) fail(key, "expected a string, got " + quoted(*v));
      out = v->get<std::string>();
    } else {  // std::vector<float>: an array of numbers, or null for none
      out.clear();
      if (v->is_null()) return true;
      if (!v->is_array()) fail(key, "expected an array of numbers, got " + quoted(*v));
      for (const auto& e : *v) {
        if (!e.is_number()) fail(key, "expected an array of numbers, got " + quoted(*v));
        out.push_back(e.get<float>());
      }
    }
    return true;
  }
  // One of `names`, as the index of the match.
  bool choice(const char* key, std::initializer_list<const char*> names, int& out) {
    std::string value;
    if (!get(key, value)) return false;
    int i = 0;
    for (const char* n : names) {
      if (value == n) return out = i, true;
      ++i;
    }
    std::string list;
    for (const char* n : names) list += std::string(list.empty() ? "" : " or ") + "\"" + n + "\"";
    fail(key, "expected " + list + ", got " + quoted(*find(key)));
    return false;
  }
  // Reports a key not in `keys` before any field is read, so a misspelt key is the error rather
  // than the field it failed to set being missing.
  void only(std::initializer_list<const char*> keys) const {
    for (const auto& item : j_.items()) {
      bool known = false;
      for (const char* k : keys) known = known || item.key() == k;
      if (!known) fail("", "unknown key " + quoted(json(item.key())));
    }
  }
  void finish() const {
    for (const auto& item : j_.items())
      if (!read_.count(item.key())) fail("", "unknown key " + quoted(json(item.key())));
  }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    std::string at = where_;
    if (!key.empty()) at += (at.empty() ? "" : ".") + key;
    throw std::invalid_argument((at.empty() ? "" : at + ": ") + message);
  }
  const std::string& where() const { return where_; }

 private:
  const json& j_;
  std::string where_;
  std::set<std::string> read_;
};

// The array under `key` (missing: false), each element to `read` with its "key[i]" name.
template <class F>
bool each(Fields& f, const char* key, F&& read) {
  const json* v = f.find(key);
  if (!v) return false;
  if (!v->is_array()) f.fail(key, "expected an array of objects, got " + quoted(*v));
  for (std::size_t i = 0; i < v->size(); ++i) read((*v)[i], std::string(key) + "[" + std::to_string(i) + "]", i);
  return true;
}

void read_conv(const json& j, const std::string& where, ConvSpec& c, bool has_default) {
  Fields f(j, where);
  f.only({"name", "out", "kernel", "stride", "pad", "pad_end", "groups", "lrn", "pool", "bias_init"});
  f.get("name", c.name);
  if (!f.get("out", c.out) && !has_default) f.fail("out", "missing (the output channels)");
  if (!f.get("kernel", c.kernel) && !has_default) f.fail("kernel", "missing");
  f.get("stride", c.stride);
  const bool pad = f.get("pad", c.pad);
  if (!f.get("pad_end", c.pad_end) && (pad || !has_default)) c.pad_end = c.pad;
  f.get("groups", c.groups);
  f.get("lrn", c.lrn);
  f.get("pool", c.pool);
  f.get("bias_init", c.bias_init);
  f.finish();
}

void read_fc(const json& j, const std::string& where, FcSpec& fc, bool has_default, bool last, int classes) {
  Fields f(j, where);
  f.only({"name", "out", "hidden", "dropout", "input_dropout", "bias_init"});
  f.get("name", fc.name);
  if (!f.get("out", fc.out) && !has_default && !last) f.fail("out", "missing (the units)");
  if (last && fc.out == classes) fc.out = 0;  // the class count, whatever data the arch is fitted to
  const bool hidden = f.get("hidden", fc.hidden);
  if (!hidden && !has_default) fc.hidden = !last;
  if (!f.get("dropout", fc.dropout) && !has_default) fc.dropout = fc.hidden;
  f.get("input_dropout", fc.input_dropout);
  f.get("bias_init", fc.bias_init);
  f.finish();
}

void read_lrn(Fields& top, Arch& a) {
  const json* v = top.find("lrn_params");
  if (!v) return;
  Fields f(*v, "lrn_params");
  f.get("size", a.lrn.size);
  f.get("k", a.lrn.k);
  f.get("alpha", a.lrn.alpha);
  f.get("beta", a.lrn.beta);
  // PyTorch's and Caffe's convention divides alpha by size; the paper's (ours) does not.
  bool divided = false;
  if (f.get("alpha_divided_by_size", divided) && divided) a.lrn.alpha /= a.lrn.size > 0 ? a.lrn.size : 1;
  f.finish();
}

// An array present but empty is an error; missing, the base's layers stay.
void require_layers(Fields& top, const char* key, const char* what) {
  const json* v = top.find(key);
  if (v && v->is_array() && v->empty()) top.fail(key, std::string("at least one ") + what + " is needed");
}

void read_layers(Fields& top, Arch& a, const Arch& base) {
  require_layers(top, "convs", "convolution");
  require_layers(top, "fcs", "fully connected layer (the classifier)");
  each(top, "convs", [&](const json& j, const std::string& where, std::size_t i) {
        const bool has_default = i < base.convs.size();
        if (i == 0) a.convs.clear();
        ConvSpec c = has_default ? base.convs[i]
                                 : ConvSpec{"conv" + std::to_string(i + 1), 0, 0, 1, 0, 0, 1, false, false, 0.0f};
        read_conv(j, where, c, has_default);
        a.convs.push_back(c);
      });
  const json* fcs = top.find("fcs");
  const std::size_t fc_count = fcs && fcs->is_array() ? fcs->size() : base.fcs.size();
  each(top, "fcs", [&](const json& j, const std::string& where, std::size_t i) {
        const bool last = i + 1 == fc_count;
        // A default only where the base's layer has the same role (hidden or the classifier).
        const bool has_default = i < base.fcs.size() && (i + 1 == base.fcs.size()) == last;
        if (i == 0) a.fcs.clear();
        FcSpec fc = has_default ? base.fcs[i]
                                : FcSpec{"fc" + std::to_string(a.convs.size() + 1 + i), 0, !last, 0.0f, !last, false};
        read_fc(j, where, fc, has_default, last, a.classes);
        a.fcs.push_back(fc);
      });
}

void read_pooling(Fields& f, Arch& a) {
  int pool = 0;
  if (f.choice("pool", {"overlap", "plain"}, pool)) a.max_pool_kernel = pool == 0 ? 3 : 2, a.max_pool_stride = 2;
  f.get("pool_kernel", a.max_pool_kernel);
  f.get("pool_stride", a.max_pool_stride);
  a.options.pool = a.max_pool_kernel == 2 && a.max_pool_stride == 2 ? PoolKind::Plain : PoolKind::Overlap;
  f.get("avgpool", a.avgpool);
}

}  // namespace

json arch_to_json(const Arch& a) {
  json convs = json::array(), fcs = json::array();
  for (const auto& c : a.convs)
    convs.push_back({{"name", c.name}, {"out", c.out}, {"kernel", c.kernel}, {"stride", c.stride},
                     {"pad", c.pad}, {"pad_end", c.pad_end}, {"groups", c.groups},
                     {"lrn", c.lrn && a.options.lrn}, {"pool", c.pool}, {"bias_init", c.bias_init}});
  for (const auto& f : a.fcs)
    fcs.push_back({{"name", f.name}, {"out", a.fc_out(f)}, {"hidden", f.hidden},
                   {"dropout", f.hidden && f.dropout}, {"input_dropout", f.input_dropout},
                   {"bias_init", f.bias_init}});
  return {
      {"name", a.name},
      {"classes", a.classes},
      {"in_channels", a.in_channels},
      {"in_size", a.in_size},
      {"activation", activation_name(a.options.activation)},
      {"lrn", a.options.lrn},
      {"pool_kernel", a.pool_kernel()},
      {"pool_stride", a.pool_stride()},
      {"avgpool", a.avgpool},
      {"dropout", a.options.dropout},
      {"half_width", a.options.half_width},
      {"weight_init", a.he_init ? "he" : "normal"},
      {"weight_std", a.weight_std},
      {"pixel_scale", a.pixel_scale},
      {"input_mean", a.input_mean},
      {"input_std", a.input_std},
      // The paper's formula: alpha is NOT divided by size (PyTorch's LocalResponseNorm divides,
      // so pass alpha * size to it).
      {"lrn_params", {{"size", a.lrn.size}, {"k", a.lrn.k}, {"alpha", a.lrn.alpha}, {"beta", a.lrn.beta},
                      {"alpha_divided_by_size", false}}},
      {"convs", convs},
      {"fcs", fcs},
  };
}

Arch arch_from_json(const json& j) {
  Fields f(j, "");
  std::string name = "custom";
  f.get("name", name);
  const Arch base = is_arch_name(name) ? arch_preset(name) : Arch{};
  Arch a = base;
  a.name = is_arch_name(name) ? base.name : name;
  f.get("classes", a.classes);
  f.get("in_channels", a.in_channels);
  f.get("in_size", a.in_size);
  int activation = 0;
  if (f.choice("activation", {"relu", "tanh"}, activation))
    a.options.activation = activation == 0 ? Activation::Relu : Activation::Tanh;
  f.get("lrn", a.options.lrn);
  read_pooling(f, a);
  f.get("dropout", a.options.dropout);
  f.get("half_width", a.options.half_width);  // a record only: the convs below carry the widths
  int init = 0;
  if (f.choice("weight_init", {"normal", "he"}, init)) a.he_init = init == 1;
  f.get("weight_std", a.weight_std);
  f.get("pixel_scale", a.pixel_scale);
  f.get("input_mean", a.input_mean);
  f.get("input_std", a.input_std);
  read_lrn(f, a);
  read_layers(f, a, base);
  f.finish();
  if (!is_arch_name(name) && (!j.contains("convs") || !j.contains("fcs")))
    f.fail(j.contains("convs") ? "fcs" : "convs", "missing ('" + name + "' is not a named architecture)");
  validate_arch(a);
  return a;
}

}  // namespace alexnet
