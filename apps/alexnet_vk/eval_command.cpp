// `alexnet_vk eval`, `predict` and `export`: use a trained checkpoint.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/alexnet_vk/commands.h"
#include "model/graph/arch_json.h"
#include "model/io/checkpoint_io.h"
#include "model/data/image.h"
#include "model/train/data_source.h"
#include "model/train/evaluate.h"
#include "model/train/predictor.h"
#include "model/io/safetensors.h"

namespace alexnet::app {
namespace {

// A checkpoint's network on a device, ready for forward passes.
struct LoadedModel {
  Checkpoint checkpoint;
  Arch arch;
  data::Normalization norm;
  std::vector<std::string> classes;
  TrainState state;
  LoadedModel(const std::string& path)
      : checkpoint(load_checkpoint(path)),
        arch(checkpoint_arch(checkpoint, path)),
        norm(checkpoint_normalization(checkpoint, path)),
        classes(checkpoint_classes(checkpoint, path)),
        state(checkpoint_state(checkpoint, path)) {}
};

}  // namespace

Runner add_eval_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("eval", "top-1 / top-5 error of a checkpoint on the validation or test split");
  auto checkpoint = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>(kDefaultDataDir);
  auto ten_crop = std::make_shared<bool>(false), json = std::make_shared<bool>(false);
  auto device = std::make_shared<DeviceChoice>();
  auto threads = std::make_shared<int>(2);
  command->add_option("--checkpoint", *checkpoint, "checkpoint file")->required();
  command->add_option("--data", *dir, "IDX folder or ImageNet-layout folder")->capture_default_str();
  command->add_flag("--ten-crop", *ten_crop, "average the paper's 10 crops (4 corners + centre, and flips)");
  command->add_flag("--json", *json, "print one JSON object");
  add_device_options(command, device);
  command->add_option("--threads", *threads, "data loader threads");
  return [=, &global]() {
    LoadedModel model(*checkpoint);
    DataSource source = open_data(*dir, false);
    if (source.val->num_classes() != model.arch.classes)
      throw CheckpointError(*checkpoint + ": made for " + std::to_string(model.arch.classes) + " classes, " + *dir +
                            " has " + std::to_string(source.val->num_classes()));
    auto instance = open_instance(global);
    auto devices = open_devices(*instance, *device);
    auto network = open_model(devices.list(), model.arch, ModelOptions{64, 0, false, {}});
    load_parameters(*network, model.checkpoint, *checkpoint);
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
  return [=, &global]() {
    LoadedModel model(*checkpoint);
    // Decode every image first: a bad file is reported before any GPU work starts.
    DataSource kind;
    kind.kind = model.state.data_kind;
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
    auto network = open_model({&context}, model.arch, ModelOptions{1, 0, false, {}});
    load_parameters(*network, model.checkpoint, *checkpoint);
    Predictor predictor(*network);
    const auto probs = predictor.probabilities(batch, static_cast<int>(images->size()));
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
    for (auto& [name, tensor] : model.checkpoint.tensors)
      if (name.find(".momentum") == std::string::npos) weights[name] = tensor;
    nlohmann::json norm = {{"mean", model.norm.mean}, {"pixel_scale", model.norm.pixel_scale},
                           {"formula", "(pixel_0_255 - mean[c]) * pixel_scale"}};
    write_safetensors(*out, weights,
                      {{"format", "pt"},
                       {"arch", arch_to_json(model.arch).dump()},
                       {"normalization", norm.dump()},
                       {"classes", nlohmann::json(model.classes).dump()},
                       {"data_kind", model.state.data_kind}});
    std::printf("wrote %zu tensors to %s\n", weights.size(), out->c_str());
    return 0;
  };
}

}  // namespace alexnet::app
