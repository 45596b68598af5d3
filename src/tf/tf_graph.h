// TfGraph: the lowered TensorFlow graph, held as NodeDef metadata plus Const payloads that
// still point at the source tensors (views into the mapped checkpoint or owned by passes).
// The writers serialise the metadata with libprotobuf and stream each payload into its
// Const's tensor_content, so weight bytes are never copied into a protobuf string.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pt2tf/dtype.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/tensor.h"
#include "tensorflow/node_def.pb.h"
#include "tensorflow/op_def.pb.h"

namespace pt2tf::tf {

struct TfNode {
  tensorflow::NodeDef def;
  // For Const nodes: the value, written as attr "value" = TensorProto{dtype, shape,
  // tensor_content}. C order of the (possibly strided) view is what gets written.
  std::optional<Tensor> payload;
  // The Const's declared shape when it differs from the payload view's (same element
  // count): a permuted weight matrix is streamed as a higher-rank view of the original.
  std::optional<ir::Dims> payload_shape;
};

// A graph input (Placeholder) or output (Identity) as the SavedModel signature lists it.
struct TfEndpoint {
  std::string key;   // signature key
  std::string node;  // TF node name; the tensor is "<node>:0"
  DType dtype = DType::kFloat32;
  std::optional<ir::Dims> shape;  // TF-side shape; -1 = unknown dim; nullopt = unknown rank
};

// A function of the GraphDef's library (an If branch, a While cond or body). Its nodes are
// in function form: inputs read "node:output_arg:index" or an input arg's name.
struct TfFunction {
  tensorflow::OpDef signature;
  std::deque<TfNode> nodes;
  std::map<std::string, std::string> ret;  // output arg -> tensor in function form
};

struct TfGraph {
  std::deque<TfNode> nodes;  // deque: NodeDef references stay valid while appending
  std::vector<TfEndpoint> inputs;
  std::vector<TfEndpoint> outputs;
  // Every function any node (or function) calls, callees of nested bodies included.
  std::vector<TfFunction> functions;
  // "If 'name'" for each IR control-flow node lowered to a functional op (TFLite refuses).
  std::vector<std::string> control_flow;
  // Recurrent nodes lowered as loops (RecurrentToLoop): the lowering depends on the target.
  size_t recurrent_loops = 0;
};

}  // namespace pt2tf::tf
