#include "model/layers/make_layer.h"

#include "model/layers/activation_layer.h"
#include "model/layers/adaptive_avgpool_layer.h"
#include "model/layers/conv_layer.h"
#include "model/layers/dropout_layer.h"
#include "model/layers/fc_layer.h"
#include "model/layers/lrn_layer.h"
#include "model/layers/pool_layer.h"

namespace alexnet::net {

std::unique_ptr<Layer> make_layer(vkrt::Context& context, const Arch& arch, const ArchNode& node, int batch) {
  const Activation act = arch.options.activation;
  switch (node.kind) {
    case NodeKind::Conv:
      return std::make_unique<ConvLayer>(context, *node.conv, node.in, batch, arch);
    case NodeKind::Activation:
      return std::make_unique<ActivationLayer>(context, node.name, act, node.in);
    case NodeKind::Lrn:
      return std::make_unique<LrnLayer>(context, node.name, node.in, batch, arch.lrn);
    case NodeKind::Pool:
      return std::make_unique<PoolLayer>(context, node.name, node.in, batch, arch.pool_kernel(), arch.pool_stride());
    case NodeKind::Fc:
      return std::make_unique<FcLayer>(context, node.name, node.in.c, node.out.c, batch,
                                       arch.weight_std_for(node.in.c), node.fc->bias_init);
    case NodeKind::Dropout:
      return std::make_unique<DropoutLayer>(context, node.name, node.in, arch.options.dropout);
    case NodeKind::AvgPool:
      return std::make_unique<AdaptiveAvgPoolLayer>(context, node.name, node.in, node.out, batch);
  }
  return nullptr;
}

}  // namespace alexnet::net
