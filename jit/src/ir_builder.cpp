#include "ir_builder.hpp"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <stdexcept>

namespace symtorch::jit::detail {

llvm::Type* scalar_llvm_type(llvm::LLVMContext& context, ScalarType type) {
  return type == ScalarType::Float32 ? llvm::Type::getFloatTy(context) : llvm::Type::getDoubleTy(context);
}

namespace {

class HostMathEmitter final : public MathEmitter {
 public:
  explicit HostMathEmitter(llvm::Module& module) : module_(module) {}

  llvm::Value* emit(llvm::IRBuilder<>& b, Op op, llvm::ArrayRef<llvm::Value*> args) override {
    llvm::Type* t = args[0]->getType();
    switch (op) {
      case Op::Sqrt: return intrinsic(b, llvm::Intrinsic::sqrt, args);
      case Op::Abs: return intrinsic(b, llvm::Intrinsic::fabs, args);
      case Op::Exp: return intrinsic(b, llvm::Intrinsic::exp, args);
      case Op::Log: return intrinsic(b, llvm::Intrinsic::log, args);
      case Op::Sin: return intrinsic(b, llvm::Intrinsic::sin, args);
      case Op::Cos: return intrinsic(b, llvm::Intrinsic::cos, args);
      case Op::Tan: return intrinsic(b, llvm::Intrinsic::tan, args);
      case Op::Pow: return intrinsic(b, llvm::Intrinsic::pow, args);
      case Op::Tanh: {
        // No llvm.tanh intrinsic in LLVM 19: call libm. memory(none) tells the vectoriser the
        // call has no side effects (tanh never sets errno), so it can use the vector variant.
        const char* name = t->isFloatTy() ? "tanhf" : "tanh";
        llvm::FunctionCallee callee = module_.getOrInsertFunction(name, llvm::FunctionType::get(t, {t}, false));
        auto* f = llvm::cast<llvm::Function>(callee.getCallee());
        f->setDoesNotAccessMemory();
        f->setDoesNotThrow();
        f->setWillReturn();
        llvm::CallInst* call = b.CreateCall(callee, args);
        call->setDoesNotAccessMemory();
        call->setDoesNotThrow();
        return call;
      }
      default:
        throw std::invalid_argument("host math: operator '" + op_info(op).name + "' is not a math call");
    }
  }

 private:
  static llvm::Value* intrinsic(llvm::IRBuilder<>& b, llvm::Intrinsic::ID id, llvm::ArrayRef<llvm::Value*> args) {
    return b.CreateIntrinsic(id, {args[0]->getType()}, args);
  }
  llvm::Module& module_;
};

// Postorder from `root`, skipping nodes already marked in `done` (and marking what it adds):
// every operand before its user.
void append_postorder(const ExpressionDag& dag, std::uint32_t root, std::vector<char>& done,
                      std::vector<std::uint32_t>& order) {
  if (done[root]) return;
  std::vector<std::pair<std::uint32_t, int>> stack{{root, 0}};  // node, next operand to visit
  while (!stack.empty()) {
    auto& [id, next] = stack.back();
    const DagNode& n = dag.node(id);
    if (next < n.arity) {
      const std::uint32_t child = n.child[next++];
      if (!done[child]) stack.push_back({child, 0});
      continue;
    }
    if (!done[id]) {
      done[id] = 1;
      order.push_back(id);
    }
    stack.pop_back();
  }
}

// A topological order that evaluates the math calls (and what they need) first. A call clobbers
// every vector register, so each value computed before a call and used after it is spilled and
// reloaded; putting the calls first leaves only the call results live across later calls, and
// the plain arithmetic runs afterwards with the registers to itself.
std::vector<std::uint32_t> evaluation_order(const ExpressionDag& dag) {
  std::vector<std::uint32_t> order;
  order.reserve(dag.num_nodes());
  std::vector<char> done(dag.num_nodes(), 0);
  for (std::uint32_t id : dag.topological_order())
    if (op_info(dag.node(id).op).math_library) append_postorder(dag, id, done, order);
  for (std::uint32_t id : dag.topological_order()) append_postorder(dag, id, done, order);
  return order;
}

// Emits `order` (operands first); value[] may hold nodes given from elsewhere.
void emit_nodes(llvm::IRBuilder<>& b, const ExpressionDag& dag, ScalarType type,
                const std::vector<std::uint32_t>& order, std::vector<llvm::Value*>& value,
                const InputLoader& load_input, MathEmitter& math) {
  llvm::Type* t = scalar_llvm_type(b.getContext(), type);
  std::vector<llvm::Value*> inputs(dag.num_inputs(), nullptr);
  for (std::uint32_t id : order) {
    const DagNode& n = dag.node(id);
    llvm::Value* a = n.arity > 0 ? value[n.child[0]] : nullptr;
    llvm::Value* c = n.arity > 1 ? value[n.child[1]] : nullptr;
    llvm::Value* v = nullptr;
    switch (n.op) {
      case Op::Const: v = llvm::ConstantFP::get(t, n.value); break;  // rounded to T like the interpreter
      case Op::Var:
        if (!inputs[n.feature]) inputs[n.feature] = load_input(n.feature);
        v = inputs[n.feature];
        break;
      case Op::Add: v = b.CreateFAdd(a, c); break;
      case Op::Sub: v = b.CreateFSub(a, c); break;
      case Op::Mul: v = b.CreateFMul(a, c); break;
      case Op::Div: v = b.CreateFDiv(a, c); break;
      case Op::Neg: v = b.CreateFNeg(a); break;
      case Op::Square: v = b.CreateFMul(a, a); break;
      case Op::Cube: v = b.CreateFMul(b.CreateFMul(a, a), a); break;  // (x*x)*x, as the reference
      case Op::Inv: v = b.CreateFDiv(llvm::ConstantFP::get(t, 1.0), a); break;
      case Op::Pow: v = math.emit(b, n.op, {a, c}); break;
      case Op::Sqrt:
      case Op::Exp:
      case Op::Log:
      case Op::Sin:
      case Op::Cos:
      case Op::Tan:
      case Op::Tanh:
      case Op::Abs: v = math.emit(b, n.op, {a}); break;
      default:
        throw std::invalid_argument("cannot lower operator '" + op_info(n.op).name + "' (user operators are not compiled)");
    }
    value[id] = v;
  }
}


// One loop over the rows: load inputs, evaluate the DAG, store outputs.
void emit_single_loop(llvm::Function& rows, ScalarType type, const ExpressionDag& dag, MathEmitter& math) {
  llvm::LLVMContext& ctx = rows.getContext();
  llvm::Type* t = scalar_llvm_type(ctx, type);
  const unsigned num_in = dag.num_inputs();
  const unsigned num_out = static_cast<unsigned>(dag.outputs().size());
  const llvm::Align align(scalar_size(type));
  auto* entry = llvm::BasicBlock::Create(ctx, "entry", &rows);
  auto* loop = llvm::BasicBlock::Create(ctx, "row", &rows);
  auto* exit = llvm::BasicBlock::Create(ctx, "exit", &rows);
  llvm::IRBuilder<> b(entry);
  llvm::Value* n = rows.getArg(num_in + num_out);
  b.CreateCondBr(b.CreateICmpSGT(n, b.getInt64(0)), loop, exit);
  b.SetInsertPoint(loop);
  llvm::PHINode* i = b.CreatePHI(b.getInt64Ty(), 2, "i");
  i->addIncoming(b.getInt64(0), entry);
  auto load_input = [&](std::uint32_t k) -> llvm::Value* {
    return b.CreateAlignedLoad(t, b.CreateInBoundsGEP(t, rows.getArg(k), i), align, "in" + std::to_string(k));
  };
  std::vector<llvm::Value*> results = emit_dag_values(b, dag, type, load_input, math);
  for (unsigned j = 0; j < num_out; ++j)
    b.CreateAlignedStore(results[j], b.CreateInBoundsGEP(t, rows.getArg(num_in + j), i), align);
  llvm::Value* next = b.CreateAdd(i, b.getInt64(1), "i.next", /*HasNUW=*/true, /*HasNSW=*/true);
  i->addIncoming(next, loop);
  b.CreateCondBr(b.CreateICmpSLT(next, n), loop, exit);
  b.SetInsertPoint(exit);
  b.CreateRetVoid();
}

}  // namespace

std::unique_ptr<MathEmitter> make_host_math_emitter(llvm::Module& module) {
  return std::make_unique<HostMathEmitter>(module);
}

std::vector<llvm::Value*> emit_dag_values(llvm::IRBuilder<>& b, const ExpressionDag& dag, ScalarType type,
                                          const InputLoader& load_input, MathEmitter& math) {
  std::vector<llvm::Value*> value(dag.num_nodes(), nullptr);
  emit_nodes(b, dag, type, evaluation_order(dag), value, load_input, math);
  std::vector<llvm::Value*> out;
  out.reserve(dag.outputs().size());
  for (std::uint32_t id : dag.outputs()) out.push_back(value[id]);
  return out;
}

llvm::Function* build_host_kernel(llvm::Module& module, const KernelSpec& spec, const ExpressionDag& dag,
                                  MathEmitter& math) {
  llvm::LLVMContext& ctx = module.getContext();
  llvm::Type* ptr = llvm::PointerType::getUnqual(ctx);
  llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
  const unsigned num_in = dag.num_inputs();
  const unsigned num_out = static_cast<unsigned>(dag.outputs().size());

  // Row loop with one noalias pointer per column.
  std::vector<llvm::Type*> row_params(num_in + num_out, ptr);
  row_params.push_back(i64);
  auto* rows = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), row_params, false),
                                      llvm::Function::InternalLinkage, spec.name + ".rows", module);
  rows->addFnAttr(llvm::Attribute::AlwaysInline);
  rows->addFnAttr(llvm::Attribute::NoUnwind);
  for (unsigned k = 0; k < num_in + num_out; ++k) {
    rows->addParamAttr(k, llvm::Attribute::NoAlias);
    rows->addParamAttr(k, llvm::Attribute::NoCapture);
    rows->addParamAttr(k, k < num_in ? llvm::Attribute::ReadOnly : llvm::Attribute::WriteOnly);
  }
  emit_single_loop(*rows, spec.type, dag, math);

  // The C ABI entry point.
  auto* kernel = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr, ptr, i64}, false),
                                        llvm::Function::ExternalLinkage, spec.name, module);
  kernel->addFnAttr(llvm::Attribute::NoUnwind);
  kernel->getArg(0)->setName("inputs");
  kernel->getArg(1)->setName("outputs");
  kernel->getArg(2)->setName("n");
  {
    auto* entry = llvm::BasicBlock::Create(ctx, "entry", kernel);
    llvm::IRBuilder<> b(entry);
    std::vector<llvm::Value*> args;
    for (unsigned k = 0; k < num_in; ++k)
      args.push_back(b.CreateAlignedLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, kernel->getArg(0), k), llvm::Align(8)));
    for (unsigned j = 0; j < num_out; ++j)
      args.push_back(b.CreateAlignedLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, kernel->getArg(1), j), llvm::Align(8)));
    args.push_back(kernel->getArg(2));
    b.CreateCall(rows, args);
    b.CreateRetVoid();
  }

  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyFunction(*rows, &os) || llvm::verifyFunction(*kernel, &os))
    throw std::runtime_error("internal error: invalid IR for kernel '" + spec.name + "': " + problems);
  return kernel;
}

}  // namespace symtorch::jit::detail
