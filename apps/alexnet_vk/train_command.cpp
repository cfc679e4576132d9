// `alexnet_vk train`: train AlexNet (or the small variant) on IDX files or an ImageNet-layout folder.
//
// ALEXNET_VK_VALIDATION=sync runs it under the Khronos validation layer with synchronization
// validation on (hazards between commands and submissions; slow), for tests and debugging.
// The test-only fault hooks (ALEXNET_VK_TEST_*) are described in model/io/faults.h.
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>

#include "apps/alexnet_vk/commands.h"
#include "model/train/trainer.h"

namespace alexnet::app {

Runner add_train_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("train", "train on a data set (default: Fashion-MNIST, alexnet-small)");
  auto o = std::make_shared<TrainOptions>();
  auto device = std::make_shared<DeviceChoice>();
  auto activation = std::make_shared<std::string>("relu");
  auto pool = std::make_shared<std::string>("overlap");
  auto no_lrn = std::make_shared<bool>(false);
  auto crop = std::make_shared<std::string>("auto");
  auto no_crop = std::make_shared<bool>(false), no_flip = std::make_shared<bool>(false),
       no_pca = std::make_shared<bool>(false), no_mean = std::make_shared<bool>(false);

  command->add_option("--arch", o->arch, "alexnet (paper, 224x224) or alexnet-small (28x28)")
      ->check(CLI::IsMember({"alexnet", "alexnet-small"}))
      ->capture_default_str();
  command->add_option("--data", o->data_dir, "IDX folder or ImageNet-layout folder (train/, val/)")->capture_default_str();
  command->add_option("--input-size", o->input_size, "input size in pixels (default: the architecture's)");
  command->add_option("--epochs", o->epochs, "epochs to train (default: 20 for alexnet-small, 12 for alexnet)")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  command->add_option("--batch", o->batch, "images per SGD step")->capture_default_str();
  command->add_option("--lr", o->lr, "initial learning rate (default: 0.01 for alexnet, 0.05 for alexnet-small)")
      ->check(CLI::PositiveNumber);
  command->add_option("--lr-schedule", o->lr_schedule, "auto, plateau, or step:E1,E2,... (divide by 10 at those epochs); auto: plateau for alexnet, "
                      "step at 2/3 of the epochs and before the last for alexnet-small")
      ->capture_default_str();
  command->add_option("--patience", o->patience, "plateau: epochs without improvement before dividing lr by 10")
      ->capture_default_str();
  command->add_option("--momentum", o->sgd.momentum, "SGD momentum")->capture_default_str();
  command->add_option("--weight-decay", o->sgd.weight_decay, "weight decay")->capture_default_str();
  command->add_option("--seed", o->seed, "seed for init, data order, augmentation and dropout")->capture_default_str();
  command->add_option("--out", o->out_dir, "folder for metrics.csv, curves.png and last.ckpt")->capture_default_str();
  command->add_option("--checkpoint-every", o->checkpoint_every, "also checkpoint every N steps (0: per epoch only)");
  command->add_option("--resume", o->resume,
                      "continue from this checkpoint; options not given are those of the checkpoint's run, the output "
                      "folder the checkpoint's");
  command->add_option("--threads", o->threads, "data loader threads")->capture_default_str();
  add_device_options(command, device);
  command->add_option("--activation", *activation, "relu or tanh")->check(CLI::IsMember({"relu", "tanh"}));
  command->add_flag("--no-lrn", *no_lrn, "no local response normalization");
  command->add_option("--pool", *pool, "overlap (3x3/2) or plain (2x2/2)")->check(CLI::IsMember({"overlap", "plain"}));
  command->add_option("--dropout", o->arch_options.dropout, "dropout probability on fc6 and fc7 (0: off)")
      ->capture_default_str();
  auto* crop_option = command->add_option("--crop", *crop, "training crop: random, center, or auto (random for image folders, "
                                         "center for IDX data)")
      ->check(CLI::IsMember({"auto", "random", "center"}))
      ->capture_default_str();
  command->add_flag("--no-crop", *no_crop, "same as --crop center")->excludes(crop_option);
  command->add_flag("--no-flip", *no_flip, "no horizontal flips");
  command->add_flag("--no-pca", *no_pca, "no PCA colour augmentation");
  command->add_flag("--no-mean", *no_mean, "no mean subtraction");
  command->add_option("--max-steps", o->max_steps, "stop after N steps (for quick checks)");
  command->add_option("--train-limit", o->max_train_examples, "use only the first N training images");
  command->add_option("--val-limit", o->max_val_examples, "validate on only the first N images");

  return [=, &global]() {
    TrainOptions options = *o;
    // On --resume, every option of the run's recipe not given here comes from the checkpoint.
    std::set<std::string> given;
    for (const char* name : {"data", "epochs", "lr", "lr-schedule", "patience", "momentum", "weight-decay", "out",
                             "checkpoint-every", "train-limit", "val-limit", "crop", "no-flip", "no-pca", "no-mean"})
      if (command->count(std::string("--") + name) > 0) given.insert(name);
    options.arch_options.activation = *activation == "tanh" ? Activation::Tanh : Activation::Relu;
    options.arch_options.pool = *pool == "plain" ? PoolKind::Plain : PoolKind::Overlap;
    options.arch_options.lrn = !*no_lrn;
    if (*no_crop) given.insert("crop");
    options.augment = {*no_crop ? CropMode::Center : parse_crop_mode(*crop), !*no_flip, !*no_pca, !*no_mean};
    inherit_recipe(options, given);
    std::unique_ptr<vkrt::Instance> instance;
    if (const char* v = std::getenv("ALEXNET_VK_VALIDATION"); v && std::string(v) == "sync") {
      vkrt::InstanceOptions sync;
      sync.validation = vkrt::Validation::Required;
      sync.synchronization_validation = true;
      instance = std::make_unique<vkrt::Instance>(sync);
      if (instance->physical_devices().empty()) throw vkrt::Error("no Vulkan device found");
    } else {
      instance = open_instance(global);
    }
    auto devices = open_devices(*instance, *device);
    const auto result = train(*devices.first, options, devices.second.get());
    if (result.val_top1_error >= 0) {
      std::printf("final: ");
      if (result.steps > 0) std::printf("loss %.4f, ", result.last_loss);  // none when a finished run is resumed
      std::printf("val top-1 error %.4f (accuracy %.2f%%), top-5 error %.4f\n", result.val_top1_error,
                  100 * (1 - result.val_top1_error), result.val_top5_error);
    } else
      std::printf("final: loss %.6f after %llu steps\n", result.last_loss, static_cast<unsigned long long>(result.steps));
    return 0;
  };
}

}  // namespace alexnet::app
