#include <stdexcept>
#include "model/layers/make_layer.h"

#include "model/layers/activation_layer.h"
#include "model/layers/adaptive_avgpool_layer.h"
#include "model/layers/conv_layer.h"
#include "model/layers/dropout_layer.h"
#include "model/layers/fc_layer.h"
#include "model/layers/lrn_layer.h"
#include "model/layers/pool_layer.h"

namespace alexnet::net {

std::unique_ptr<Layer> make_layer(vkrt::Context& context, const Arch& arch, const ArchNode& node, int batch,
                                  Precision precision, GemmPath gemm_path) {
  const Activation act = arch.options.activation;
  switch (node.kind) {
    case NodeKind::Conv:
      return std::make_unique<ConvLayer>(context, *node.conv, node.in, batch, arch, precision, gemm_path);
    case NodeKind::Activation:
      return std::make_unique<ActivationLayer>(context, node.name, act, node.in, precision);
    case NodeKind::Lrn:
      return std::make_unique<LrnLayer>(context, node.name, node.in, batch, arch.lrn, precision);
    case NodeKind::Pool:
      return std::make_unique<PoolLayer>(context, node.name, node.in, batch, arch.pool_kernel(), arch.pool_stride(),
                                         precision);
    case NodeKind::Fc:
      return std::make_unique<FcLayer>(context, node.name, node.in.c, node.out.c, batch,
                                       arch.weight_std_for(node.in.c), node.fc->bias_init, precision,
                                       gemm_path);
    case NodeKind::Dropout:
      return std::make_unique<DropoutLayer>(context, node.name, node.in, arch.options.dropout, precision);
    case NodeKind::AvgPool:
      return std::make_unique<AdaptiveAvgPoolLayer>(context, node.name, node.in, node.out, batch, precision);
  }
  return nullptr;
}

}  // namespace alexnet::net
