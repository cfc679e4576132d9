// `alexnet_vk eval`, `predict` and `export`: use a trained checkpoint.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <nlohmann/json.hpp>

#include "apps/alexnet_vk/commands.h"
#include "model/graph/arch_file.h"
#include "model/graph/arch_json.h"
#include "model/io/checkpoint_io.h"
#include "model/data/image.h"
#include "model/data/loader.h"
#include "model/train/data_source.h"
#include "model/train/evaluate.h"
#include "model/train/predictor.h"
#include "model/train/train_setup.h"
#include "model/io/weights.h"

namespace alexnet::app {
namespace {

// A trained network's description and weights: from a checkpoint, or from a weights file
// (model/io/weights.h) with its architecture from the file's metadata or --arch.
struct LoadedModel {
  std::string path;
  std::optional<Checkpoint> checkpoint;
  std::optional<WeightsFile> weights;
  Arch arch;
  data::Normalization norm;
  std::vector<std::string> classes;
  std::string data_kind;
  std::string data_dir;  // the data it was trained on, where the checkpoint records it

  explicit LoadedModel(const std::string& checkpoint_path)
      : path(checkpoint_path), checkpoint(load_checkpoint(path)) {
    arch = checkpoint_arch(*checkpoint, path);
    norm = checkpoint_normalization(*checkpoint, path);
    classes = checkpoint_classes(*checkpoint, path);
    const TrainState state = checkpoint_state(*checkpoint, path);
    data_kind = state.data_kind;
    if (state.recipe.is_object() && state.recipe.contains("data") && state.recipe["data"].is_string())
      data_dir = state.recipe["data"].get<std::string>();
  }
  LoadedModel(const std::string& weights_path, const std::string& arch_name, int input_size)
      : path(weights_path), weights(read_weights(path)) {
    if (!arch_name.empty()) {
      arch = arch_for_weights(*weights, path, arch_name, input_size);
    } else if (weights->arch) {
      arch = *weights->arch;
    } else {
      throw CheckpointError(path + ": no architecture in the file's metadata; give --arch");
    }
    rename_torchvision(*weights, arch);
    if (weights->norm) norm = *weights->norm;
    else if (!arch.input_mean.empty()) norm = arch_normalization(arch, {});  // torchvision's fixed statistics
    else throw CheckpointError(path + ": no input normalization in the file's metadata, and " + arch.name +
                               " fixes none");
    classes = weights->classes;
    data_kind = weights->data_kind.empty() ? "folder" : weights->data_kind;
  }
  void load_into(ParameterSet& network) const {
    if (checkpoint) load_parameters(network, *checkpoint, path);
    else import_weights(network, *weights, path);
  }
  // The architecture `name` (a name or a file) at the class count and input channels the weights
  // were made for (their names this project's or torchvision's).
  static Arch arch_for_weights(const WeightsFile& w, const std::string& path, const std::string& name, int size) {
    const Arch layout = is_arch_file(name) ? read_arch_file(name) : arch_preset(name);
    WeightsFile renamed = w;
    rename_torchvision(renamed, layout);
    const auto first = renamed.tensors.find(layout.convs.front().name + ".weight");
    const auto last = renamed.tensors.find(layout.fcs.back().name + ".bias");
    if (first == renamed.tensors.end() || first->second.shape.size() != 4 || last == renamed.tensors.end() ||
        last->second.shape.size() != 1)
      throw CheckpointError(path + ": no " + layout.convs.front().name + ".weight or " + layout.fcs.back().name +
                            ".bias to size the " + layout.name + " architecture from");
    return resolve_arch(name, last->second.shape[0], first->second.shape[1], size);
  }
};

}  // namespace

Runner add_eval_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("eval", "top-1 / top-5 error of a checkpoint on the validation or test split");
  auto checkpoint = std::make_shared<std::string>(), weights = std::make_shared<std::string>();
  auto arch = std::make_shared<std::string>();
  auto input_size = std::make_shared<int>(0);
  auto dir = std::make_shared<std::string>();
  auto ten_crop = std::make_shared<bool>(false), json = std::make_shared<bool>(false);
  auto device = std::make_shared<DeviceChoice>();
  auto threads = std::make_shared<int>(data::default_loader_threads());
  auto* from_checkpoint = command->add_option("--checkpoint", *checkpoint, "checkpoint file");
  auto* from_weights = command->add_option("--weights", *weights,
                                           "weights file (safetensors in PyTorch layout) instead of a checkpoint");
  from_checkpoint->excludes(from_weights);
  command->add_option("--arch", *arch,
                      "with --weights: alexnet, alexnet-small, alexnet-torchvision or FILE.json (default: the file's "
                      "metadata)");
  command->add_option("--input-size", *input_size, "with --weights --arch: input size (default: the architecture's)");
  command->add_option("--data", *dir,
                      "IDX, image or packed folder (default: the data the checkpoint was trained on, else " +
                          std::string(kDefaultDataDir) + ")");
  command->add_flag("--ten-crop", *ten_crop, "average the paper's 10 crops (4 corners + centre, and flips)");
  command->add_flag("--json", *json, "print one JSON object");
  add_device_options(command, device);
  auto precision = std::make_shared<Precision>(Precision::Fp32);
  add_precision_option(command, precision);
  command->add_option("--threads", *threads, "data loader threads");
  return [=, &global]() {
    if (checkpoint->empty() && weights->empty()) throw std::invalid_argument("give --checkpoint FILE or --weights FILE");
    const LoadedModel model = checkpoint->empty() ? LoadedModel(*weights, *arch, *input_size) : LoadedModel(*checkpoint);
    const std::string data_dir = !dir->empty() ? *dir : !model.data_dir.empty() ? model.data_dir : kDefaultDataDir;
    if (dir->empty() && !model.data_dir.empty() && !std::filesystem::exists(data_dir))
      throw std::invalid_argument(model.path + ": trained on " + data_dir + ", which is not here; give --data DIR");
    DataSource source = open_data(data_dir, false);
    if (source.val->num_classes() != model.arch.classes)
      throw CheckpointError(model.path + ": made for " + std::to_string(model.arch.classes) + " classes, " + data_dir +
                            " has " + std::to_string(source.val->num_classes()));
    auto instance = open_instance(global);
    auto devices = open_devices(*instance, *device);
    ModelOptions options{64, 0, false, {}};
    options.precision = *precision;
    auto network = open_model(devices.list(), model.arch, options);
    model.load_into(*network);
    Predictor predictor(*network);
    const std::string device_name = network->device_name();
    const auto r = evaluate(predictor, *source.val, augment_for(model.arch, source, {}), model.norm, *ten_crop, *threads);
    if (*json) {
      nlohmann::json j = {{"top1_error", r.top1_error}, {"top5_error", r.top5_error}, {"loss", r.loss},
                          {"images", r.images}, {"ten_crop", *ten_crop}, {"device", device_name}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%zu images%s: top-1 error %.4f (accuracy %.2f%%), top-5 error %.4f, loss %.4f\n", r.images,
                  *ten_crop ? " (10 crops)" : "", r.top1_error, 100 * (1 - r.top1_error), r.top5_error, r.loss);
    }
    return 0;
  };
}

Runner add_predict_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("predict", "top-5 classes of each image");
  auto checkpoint = std::make_shared<std::string>();
  auto images = std::make_shared<std::vector<std::string>>();
  auto device = std::make_shared<int>(0);
  command->add_option("--checkpoint", *checkpoint, "checkpoint file")->required();
  command->add_option("images", *images, "JPEG or PNG files")->required();
  command->add_option("--device", *device, "device index");
  auto features = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  command->add_option("--features", *features, "also a layer's vector per image (conv1 ... fc8, e.g. fc7), with --json");
  command->add_flag("--json", *json, "print one JSON object: each image's top-5 and, with --features, its vector");
  auto precision = std::make_shared<Precision>(Precision::Fp32);
  add_precision_option(command, precision);
  return [=, &global]() {
    if (!features->empty() && !*json) throw UsageError("--features needs --json (the vectors are printed as JSON)");
    LoadedModel model(*checkpoint);
    // Decode every image first: a bad file is reported before any GPU work starts.
    DataSource kind;
    kind.kind = model.data_kind;
    auto augment = augment_for(model.arch, kind, {});
    const std::size_t floats = std::size_t(model.arch.in_channels) * model.arch.in_size * model.arch.in_size;
    std::vector<float> batch(images->size() * floats);
    for (std::size_t i = 0; i < images->size(); ++i) {
      auto image = data::to_channels(data::load_image((*images)[i]), model.arch.in_channels);
      auto cfg = augment;
      if (image.width != model.arch.in_size || image.height != model.arch.in_size) {
        cfg.pad = 0;
        cfg.resize_short = model.arch.in_size * 256 / 224;
        cfg.center = cfg.resize_short;
      }
      data::augment(image, cfg, model.norm, data::View::Center, 0, batch.data() + i * floats);
    }
    auto instance = open_instance(global);
    vkrt::Context context(*instance, *device);
    ModelOptions options{1, 0, false, {}};
    options.precision = *precision;
    auto network = open_model({&context}, model.arch, options);
    model.load_into(*network);
    Predictor predictor(*network);
    const auto probs = predictor.probabilities(batch, static_cast<int>(images->size()));
    if (*json) {
      std::size_t dim = 0;
      std::vector<float> vectors;
      if (!features->empty()) {
        try {
          dim = network->feature_count(*features);
        } catch (const std::invalid_argument& e) {
          throw UsageError(e.what());  // names the layers there are
        }
        vectors = predictor.features(batch, static_cast<int>(images->size()), *features);
      }
      nlohmann::json list = nlohmann::json::array();
      for (std::size_t i = 0; i < images->size(); ++i) {
        const std::span<const float> row(probs.data() + i * model.arch.classes, model.arch.classes);
        nlohmann::json top = nlohmann::json::array();
        for (int c : top_k(row, 5))
          top.push_back({{"class", c < static_cast<int>(model.classes.size()) ? model.classes[c] : "?"},
                         {"index", c}, {"probability", row[c]}});
        nlohmann::json entry = {{"image", (*images)[i]}, {"top5", top}};
        if (dim) entry["features"] = std::vector<float>(vectors.begin() + i * dim, vectors.begin() + (i + 1) * dim);
        list.push_back(entry);
      }
      nlohmann::json out = {{"images", list}};
      if (dim) out["layer"] = *features;
      std::printf("%s\n", out.dump().c_str());
      return 0;
    }
    for (std::size_t i = 0; i < images->size(); ++i) {
      std::printf("%s\n", (*images)[i].c_str());
      const std::span<const float> row(probs.data() + i * model.arch.classes, model.arch.classes);
      for (int c : top_k(row, 5))
        std::printf("  %6.2f%%  %s\n", 100.0 * row[c], c < static_cast<int>(model.classes.size()) ? model.classes[c].c_str() : "?");
    }
    return 0;
  };
}

Runner add_export_command(CLI::App& app, const GlobalOptions&) {
  auto* command = app.add_subcommand("export", "write the weights as safetensors (PyTorch layout)");
  auto checkpoint = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  command->add_option("--checkpoint", *checkpoint, "checkpoint file")->required();
  command->add_option("-o,--output", *out, "safetensors file to write")->required();
  return [=]() {
    LoadedModel model(*checkpoint);
    std::map<std::string, Tensor> weights;
    for (auto& [name, tensor] : model.checkpoint->tensors)
      if (name.find(".momentum") == std::string::npos) weights[name] = tensor;
    write_weights(*out, weights, model.arch, model.norm, model.classes, model.data_kind);
    std::printf("wrote %zu tensors to %s\n", weights.size(), out->c_str());
    return 0;
  };
}

}  // namespace alexnet::app
