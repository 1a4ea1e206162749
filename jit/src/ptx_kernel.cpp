#include "ptx_kernel.hpp"

#include <llvm/IR/Constants.h>
#include <llvm/IR/IntrinsicsNVPTX.h>
#include <llvm/IR/Metadata.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <stdexcept>
#include <string>

namespace symtorch::jit::detail {

namespace {

// NVPTX's global address space: loads and stores become ld.global / st.global directly.
constexpr unsigned kGlobalAddressSpace = 1;

const char* libdevice_name(Op op, bool single) {
  switch (op) {
    case Op::Exp: return single ? "__nv_expf" : "__nv_exp";
    case Op::Log: return single ? "__nv_logf" : "__nv_log";
    case Op::Sin: return single ? "__nv_sinf" : "__nv_sin";
    case Op::Cos: return single ? "__nv_cosf" : "__nv_cos";
    case Op::Tan: return single ? "__nv_tanf" : "__nv_tan";
    case Op::Tanh: return single ? "__nv_tanhf" : "__nv_tanh";
    case Op::Pow: return single ? "__nv_powf" : "__nv_pow";
    default: return nullptr;
  }
}

class LibdeviceMathEmitter final : public MathEmitter {
 public:
  explicit LibdeviceMathEmitter(llvm::Module& module) : module_(module) {}

  llvm::Value* emit(llvm::IRBuilder<>& b, Op op, llvm::ArrayRef<llvm::Value*> args) override {
    llvm::Type* t = args[0]->getType();
    if (op == Op::Sqrt) return b.CreateIntrinsic(llvm::Intrinsic::sqrt, {t}, args);
    if (op == Op::Abs) return b.CreateIntrinsic(llvm::Intrinsic::fabs, {t}, args);
    const char* name = libdevice_name(op, t->isFloatTy());
    if (!name) throw std::invalid_argument("GPU math: operator '" + op_info(op).name + "' is not a math call");
    std::vector<llvm::Type*> params(args.size(), t);
    llvm::FunctionCallee callee = module_.getOrInsertFunction(name, llvm::FunctionType::get(t, params, false));
    llvm::CallInst* call = b.CreateCall(callee, args);
    call->setDoesNotThrow();
    return call;
  }

 private:
  llvm::Module& module_;
};

llvm::Value* special_register(llvm::IRBuilder<>& b, llvm::Intrinsic::ID id) {
  return b.CreateZExt(b.CreateIntrinsic(id, {}, {}), b.getInt64Ty());
}

}  // namespace

std::unique_ptr<MathEmitter> make_libdevice_math_emitter(llvm::Module& module) {
  return std::make_unique<LibdeviceMathEmitter>(module);
}

bool needs_libdevice(const ExpressionDag& dag) {
  for (std::uint32_t id : dag.topological_order())
    if (op_info(dag.node(id).op).math_library) return true;
  return false;
}

llvm::Function* build_ptx_kernel(llvm::Module& module, const KernelSpec& spec, const ExpressionDag& dag,
                                 MathEmitter& math) {
  llvm::LLVMContext& ctx = module.getContext();
  llvm::Type* t = scalar_llvm_type(ctx, spec.type);
  llvm::Type* column = llvm::PointerType::get(ctx, kGlobalAddressSpace);
  llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
  const unsigned num_in = dag.num_inputs();
  const unsigned num_out = static_cast<unsigned>(dag.outputs().size());
  const llvm::Align align(scalar_size(spec.type));

  std::vector<llvm::Type*> params(num_in + num_out, column);
  params.push_back(i64);
  auto* kernel = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), params, false),
                                        llvm::Function::ExternalLinkage, spec.name, module);
  kernel->addFnAttr(llvm::Attribute::NoUnwind);
  // noalias + readonly inputs let NVPTX read them with ld.global.nc (read-only data cache).
  for (unsigned k = 0; k < num_in + num_out; ++k) {
    kernel->addParamAttr(k, llvm::Attribute::NoAlias);
    kernel->addParamAttr(k, llvm::Attribute::NoCapture);
    kernel->addParamAttr(k, k < num_in ? llvm::Attribute::ReadOnly : llvm::Attribute::WriteOnly);
    kernel->getArg(k)->setName(k < num_in ? llvm::Twine("in") + llvm::Twine(k) : llvm::Twine("out") + llvm::Twine(k - num_in));
  }
  llvm::Value* n = kernel->getArg(num_in + num_out);
  n->setName("n");

  auto* entry = llvm::BasicBlock::Create(ctx, "entry", kernel);
  auto* loop = llvm::BasicBlock::Create(ctx, "row", kernel);
  auto* exit = llvm::BasicBlock::Create(ctx, "exit", kernel);
  llvm::IRBuilder<> b(entry);
  // Row of this thread: blockIdx.x * blockDim.x + threadIdx.x; stride: gridDim.x * blockDim.x.
  // In 64 bits: n may exceed 2^31 rows.
  llvm::Value* block_dim = special_register(b, llvm::Intrinsic::nvvm_read_ptx_sreg_ntid_x);
  llvm::Value* first = b.CreateAdd(b.CreateMul(special_register(b, llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_x), block_dim),
                                   special_register(b, llvm::Intrinsic::nvvm_read_ptx_sreg_tid_x), "first",
                                   /*HasNUW=*/true, /*HasNSW=*/true);
  llvm::Value* stride = b.CreateMul(special_register(b, llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_x), block_dim,
                                    "stride", /*HasNUW=*/true, /*HasNSW=*/true);
  b.CreateCondBr(b.CreateICmpSLT(first, n), loop, exit);

  b.SetInsertPoint(loop);
  llvm::PHINode* i = b.CreatePHI(i64, 2, "i");
  i->addIncoming(first, entry);
  auto load_input = [&](std::uint32_t k) -> llvm::Value* {
    llvm::Value* p = b.CreateInBoundsGEP(t, kernel->getArg(k), i);
    return b.CreateAlignedLoad(t, p, align, llvm::Twine("x") + llvm::Twine(k));
  };
  std::vector<llvm::Value*> results = emit_dag_values(b, dag, spec.type, load_input, math);
  for (unsigned j = 0; j < num_out; ++j) {
    llvm::Value* p = b.CreateInBoundsGEP(t, kernel->getArg(num_in + j), i);
    b.CreateAlignedStore(results[j], p, align);
  }
  // i + stride cannot wrap: n is bounded by device memory (far below 2^62 rows) and so is stride.
  llvm::Value* next = b.CreateAdd(i, stride, "i.next", /*HasNUW=*/true, /*HasNSW=*/true);
  i->addIncoming(next, loop);
  b.CreateCondBr(b.CreateICmpSLT(next, n), loop, exit);
  b.SetInsertPoint(exit);
  b.CreateRetVoid();

  // LLVM 19 marks kernel entry points with !nvvm.annotations = {ptr @f, !"kernel", i32 1}.
  llvm::Metadata* annotation[] = {llvm::ValueAsMetadata::get(kernel), llvm::MDString::get(ctx, "kernel"),
                                  llvm::ValueAsMetadata::get(llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), 1))};
  module.getOrInsertNamedMetadata("nvvm.annotations")->addOperand(llvm::MDNode::get(ctx, annotation));

  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyFunction(*kernel, &os))
    throw std::runtime_error("internal error: invalid NVPTX IR for kernel '" + spec.name + "': " + problems);
  return kernel;
}

}  // namespace symtorch::jit::detail
