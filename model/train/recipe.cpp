#include "model/train/recipe.h"

#include <filesystem>
#include <string>
#include <type_traits>

#include "model/io/checkpoint_io.h"
#include "model/io/checkpoint_json.h"

namespace alexnet {
namespace {

// Writes each recorded option under its name: values as they are, names as their text, flags as
// whether they are on.
struct RecipeWriter {
  nlohmann::json& out;
  template <class T>
  void operator()(const OptionInfo& info, const T& value) {
    if (info.recorded) out[info.name] = value;
  }
  template <class E>
  void operator()(const OptionInfo& info, const Named<E>& named) {
    if (!info.recorded) return;
    for (const auto& [name, value] : named.names)
      if (value == named.value) out[info.name] = name;
  }
  template <class T>
  void operator()(const OptionInfo& info, const Flag<T>& flag) {
    if (info.recorded) out[info.name] = flag.target == flag.when_given;
  }
};

// Reads each recorded option the command line did not give and the recipe holds.
struct RecipeReader {
  const nlohmann::json& recipe;
  const std::set<std::string>& given;
  const std::string& path;

  bool wanted(const OptionInfo& info) const {
    return info.recorded && !given.count(info.name) && recipe.contains(info.name);
  }
  [[noreturn]] void malformed(const OptionInfo& info, const std::string& why) const {
    throw CheckpointError(path + ": recipe option " + info.name + " is malformed (" + why + ")");
  }
  template <class T>
  void operator()(const OptionInfo& info, T& field) {
    if (!wanted(info)) return;
    try {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) field = json_integer<T>(recipe.at(info.name));
      else recipe.at(info.name).get_to(field);
    } catch (const nlohmann::json::exception& e) {
      malformed(info, e.what());
    }
  }
  template <class E>
  void operator()(const OptionInfo& info, Named<E> named) {
    if (!wanted(info)) return;
    std::string text;
    (*this)(info, text);
    std::string choices;
    for (const auto& [name, value] : named.names) {
      if (text == name) {
        named.value = value;
        return;
      }
      choices += std::string(choices.empty() ? "" : ", ") + "'" + name + "'";
    }
    throw CheckpointError(path + ": recipe option " + info.name + " must be one of " + choices + ", got '" + text + "'");
  }
  template <class T>
  void operator()(const OptionInfo& info, Flag<T> flag) {
    if (!wanted(info)) return;
    if constexpr (std::is_same_v<T, bool>) {  // a recorded flag is a switch: on, or the other value
      bool on = false;
      (*this)(info, on);
      flag.target = on ? flag.when_given : !flag.when_given;
    } else {
      malformed(info, "only on/off flags can be recorded");
    }
  }
};

}  // namespace

nlohmann::json recipe_of(const TrainOptions& o) {
  nlohmann::json recipe = nlohmann::json::object();
  TrainOptions copy = o;  // visit_options hands out references; the writer only reads them
  visit_options(copy, RecipeWriter{recipe});
  return recipe;
}

void inherit_recipe(TrainOptions& o, const std::set<std::string>& given_options) {
  if (o.resume.empty()) return;
  std::set<std::string> given = given_options;
  if (given.count("no-crop")) given.insert("crop");  // --no-crop is --crop center
  if (!given.count("out")) {
    const std::filesystem::path folder = std::filesystem::path(o.resume).parent_path();
    o.out_dir = folder.empty() ? "." : folder.string();
  }
  const nlohmann::json header = read_checkpoint_header(o.resume);
  const auto train = header.find("train");
  if (train == header.end() || !train->contains("recipe")) return;  // version 1
  const nlohmann::json& r = (*train)["recipe"];
  visit_options(o, RecipeReader{r, given, o.resume});
  // Recipes before "crop" recorded "no-crop": random crops unless it was on.
  if (!given.count("crop") && !given.count("no-crop") && !r.contains("crop") && r.contains("no-crop")) {
    bool centre = false;
    RecipeReader{r, given, o.resume}(OptionInfo{"no-crop", "", true}, centre);
    o.augment.crop = centre ? CropMode::Center : CropMode::Random;
  }
}

}  // namespace alexnet
