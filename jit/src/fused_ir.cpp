#include "fused_ir.hpp"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <stdexcept>

#include "symtorch/engine/derivative.hpp"

namespace symtorch::jit::detail {

std::size_t fused_block_rows(ScalarType type) { return 512 / scalar_size(type); }

namespace {

struct ScratchPlan {
  // Forward: feature columns, the projection's gathered column, variable columns, equation columns.
  std::size_t features = 0, tmp = 0, variables = 0, equations = 0, forward_end = 0;
  // Backward: gathered grad_y column, equation gradients, variable gradients, feature gradients.
  std::size_t grad_tmp = 0, grad_equations = 0, grad_variables = 0, grad_features = 0, backward_end = 0;
};

// Offsets in blocks of block_rows elements, each region a whole number of columns so that every
// column starts 512-byte aligned within the (64-byte aligned) scratch buffer.
ScratchPlan plan_scratch(const FusedSpec& s) {
  const std::size_t F = s.num_features(), m = s.equations.size();
  ScratchPlan p;
  std::size_t at = 0;
  if (!s.transforms.empty()) p.features = at, at += F;
  if (s.pca_inputs > 0) p.tmp = at, at += 1, p.variables = at, at += s.pca_inputs;
  if (s.output_pca) p.equations = at, at += m;
  p.forward_end = at;
  at = 0;
  if (s.output_pca) p.grad_tmp = at, at += 1, p.grad_equations = at, at += m;
  if (s.pca_inputs > 0) p.grad_variables = at, at += s.pca_inputs;
  if (!s.transforms.empty()) p.grad_features = at, at += F;
  p.backward_end = at;
  return p;
}

enum class Access { Read, Write, ReadWrite };

// Element (r, k) of a row-major or column block at base[r * row_stride + k * col_stride].
struct View {
  llvm::Value* base = nullptr;
  std::int64_t row_stride = 1, col_stride = 1;
};

class FusedEmitter {
 public:
  FusedEmitter(llvm::Module& module, const FusedSpec& spec, MathEmitter& math)
      : module_(module),
        ctx_(module.getContext()),
        spec_(spec),
        math_(math),
        t_(scalar_llvm_type(ctx_, spec.type)),
        ptr_(llvm::PointerType::getUnqual(ctx_)),
        i64_(llvm::Type::getInt64Ty(ctx_)),
        align_(scalar_size(spec.type)),
        B_(static_cast<std::int64_t>(fused_block_rows(spec.type))),
        layout_(fused_layout(spec)),
        plan_(plan_scratch(spec)) {}

  void forward();
  void backward();

 private:
  using Body = std::function<void(llvm::IRBuilder<>&, llvm::Value*)>;

  // for (i = 0; i < n; ++i) body(i), n a signed i64; the builder continues after the loop.
  static void loop(llvm::IRBuilder<>& b, llvm::Value* n, const std::string& name, const Body& body) {
    llvm::LLVMContext& ctx = b.getContext();
    llvm::Function* f = b.GetInsertBlock()->getParent();
    llvm::BasicBlock* pre = b.GetInsertBlock();
    auto* head = llvm::BasicBlock::Create(ctx, name, f);
    auto* exit = llvm::BasicBlock::Create(ctx, name + ".end", f);
    b.CreateCondBr(b.CreateICmpSGT(n, b.getInt64(0)), head, exit);
    b.SetInsertPoint(head);
    llvm::PHINode* i = b.CreatePHI(b.getInt64Ty(), 2, name + ".i");
    i->addIncoming(b.getInt64(0), pre);
    body(b, i);
    llvm::Value* next = b.CreateAdd(i, b.getInt64(1), name + ".next", /*HasNUW=*/true, /*HasNSW=*/true);
    i->addIncoming(next, b.GetInsertBlock());
    b.CreateCondBr(b.CreateICmpSLT(next, n), head, exit);
    b.SetInsertPoint(exit);
  }
  void loop(llvm::IRBuilder<>& b, std::int64_t n, const std::string& name, const Body& body) const {
    if (n > 0) loop(b, b.getInt64(n), name, body);
  }

  // An internal, always-inlined function of `access.size()` pointers and the block's row count.
  // Its pointers are noalias: after inlining, the loop vectoriser knows that the stage's
  // arrays (distinct scratch columns, the input, the output, the parameters) do not overlap
  // and vectorises without runtime checks.
  llvm::Function* stage(const std::string& name, const std::vector<Access>& access,
                        const std::function<void(llvm::IRBuilder<>&, const std::vector<llvm::Value*>&, llvm::Value*)>& body) {
    std::vector<llvm::Type*> params(access.size(), ptr_);
    params.push_back(i64_);
    auto* f = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx_), params, false),
                                     llvm::Function::InternalLinkage, spec_.name + "." + name, module_);
    f->addFnAttr(llvm::Attribute::AlwaysInline);
    f->addFnAttr(llvm::Attribute::NoUnwind);
    std::vector<llvm::Value*> args;
    for (unsigned k = 0; k < access.size(); ++k) {
      f->addParamAttr(k, llvm::Attribute::NoAlias);
      f->addParamAttr(k, llvm::Attribute::NoCapture);
      if (access[k] == Access::Read) f->addParamAttr(k, llvm::Attribute::ReadOnly);
      if (access[k] == Access::Write) f->addParamAttr(k, llvm::Attribute::WriteOnly);
      args.push_back(f->getArg(k));
    }
    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", f);
    llvm::IRBuilder<> b(entry);
    body(b, args, f->getArg(static_cast<unsigned>(access.size())));
    b.CreateRetVoid();
    verify(*f);
    return f;
  }

  void verify(llvm::Function& f) const {
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyFunction(f, &os))
      throw std::runtime_error("internal error: invalid IR for fused kernel '" + spec_.name + "': " + problems);
  }

  llvm::Value* index(llvm::IRBuilder<>& b, llvm::Value* r, std::int64_t row_stride, std::int64_t k,
                     std::int64_t col_stride) const {
    llvm::Value* i = row_stride == 1 ? r : b.CreateMul(r, b.getInt64(row_stride), "", true, true);
    const std::int64_t offset = k * col_stride;
    return offset == 0 ? i : b.CreateAdd(i, b.getInt64(offset), "", true, true);
  }
  llvm::Value* index(llvm::IRBuilder<>& b, llvm::Value* r, std::int64_t row_stride, llvm::Value* k,
                     std::int64_t col_stride) const {
    llvm::Value* i = row_stride == 1 ? r : b.CreateMul(r, b.getInt64(row_stride), "", true, true);
    llvm::Value* offset = col_stride == 1 ? k : b.CreateMul(k, b.getInt64(col_stride), "", true, true);
    return b.CreateAdd(i, offset, "", true, true);
  }
  llvm::Value* load(llvm::IRBuilder<>& b, llvm::Value* base, llvm::Value* i) const {
    return b.CreateAlignedLoad(t_, b.CreateInBoundsGEP(t_, base, i), align_);
  }
  void store(llvm::IRBuilder<>& b, llvm::Value* v, llvm::Value* base, llvm::Value* i) const {
    b.CreateAlignedStore(v, b.CreateInBoundsGEP(t_, base, i), align_);
  }
  llvm::Value* fmuladd(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* y, llvm::Value* acc) const {
    return b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {t_}, {x, y, acc});
  }
  llvm::Value* zero() const { return llvm::ConstantFP::get(t_, 0.0); }
  static bool is_zero(llvm::Value* v) {
    auto* c = llvm::dyn_cast<llvm::ConstantFP>(v);
    return c && c->isZero();
  }

  // dst(r, j) = sum_c M[j][c] * (src(r, c) - mean[c]) for j < k, c < d; dst is k columns of the
  // block. Rank-1 updates over the block: per source column, gather it once (minus its mean)
  // into `tmp`, then add w * tmp to each destination column (w = M[j][c] broadcast), every
  // access contiguous. Sums run over c in increasing order.
  llvm::Function* project_stage(const std::string& name, const View& src, std::int64_t d, std::int64_t k,
                                bool has_mean) {
    std::vector<Access> access{Access::Read, Access::Read, Access::ReadWrite, Access::ReadWrite};
    if (has_mean) access.push_back(Access::Read);
    return stage(name, access, [&, src, d, k, has_mean](llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& a, llvm::Value* nb) {
      llvm::Value *in = a[0], *M = a[1], *tmp = a[2], *dst = a[3];
      loop(b, k, "zero", [&](llvm::IRBuilder<>& b, llvm::Value* j) {
        loop(b, nb, "zero.r", [&](llvm::IRBuilder<>& b, llvm::Value* r) { store(b, zero(), dst, index(b, r, 1, j, B_)); });
      });
      loop(b, d, "col", [&](llvm::IRBuilder<>& b, llvm::Value* c) {
        llvm::Value* mean = has_mean ? load(b, a[4], c) : nullptr;
        loop(b, nb, "gather", [&](llvm::IRBuilder<>& b, llvm::Value* r) {
          llvm::Value* v = load(b, in, index(b, r, src.row_stride, c, src.col_stride));
          store(b, mean ? b.CreateFSub(v, mean) : v, tmp, r);
        });
        loop(b, k, "comp", [&](llvm::IRBuilder<>& b, llvm::Value* j) {
          llvm::Value* w = load(b, M, b.CreateAdd(b.CreateMul(j, b.getInt64(d), "", true, true), c, "", true, true));
          loop(b, nb, "update", [&](llvm::IRBuilder<>& b, llvm::Value* r) {
            llvm::Value* at = index(b, r, 1, j, B_);
            store(b, fmuladd(b, w, load(b, tmp, r), load(b, dst, at)), dst, at);
          });
        });
      });
    });
  }

  // dst(r, c) = bias[c] + sum_j src(r, j) * M[j][c] for c < d, j < k; src is k columns of the
  // block, dst rows of row_stride elements. Per row, a loop over c (contiguous in M's rows and in
  // dst) that adds up to eight components held in registers, so dst is written once per eight
  // components and the loop over c vectorises. Sums run over j in increasing order.
  llvm::Function* expand_rows_stage(const std::string& name, std::int64_t k, std::int64_t d, std::int64_t row_stride,
                                    bool has_bias) {
    std::vector<Access> access{Access::Read, Access::Read, Access::ReadWrite};
    if (has_bias) access.push_back(Access::Read);
    return stage(name, access, [&, k, d, row_stride, has_bias](llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& a, llvm::Value* nb) {
      llvm::Value *src = a[0], *M = a[1], *dst = a[2];
      loop(b, nb, "row", [&](llvm::IRBuilder<>& b, llvm::Value* r) {
        llvm::Value* row = b.CreateMul(r, b.getInt64(row_stride), "", true, true);
        for (std::int64_t first = 0; first < k; first += 8) {
          const std::int64_t last = std::min(k, first + 8);
          std::vector<llvm::Value*> s;
          for (std::int64_t j = first; j < last; ++j) s.push_back(load(b, src, index(b, r, 1, j, B_)));
          loop(b, d, "out", [&](llvm::IRBuilder<>& b, llvm::Value* c) {
            llvm::Value* at = b.CreateAdd(row, c, "", true, true);
            llvm::Value* acc = first > 0 ? load(b, dst, at) : has_bias ? load(b, a[3], c) : zero();
            for (std::int64_t j = first; j < last; ++j)
              acc = fmuladd(b, s[static_cast<std::size_t>(j - first)], load(b, M, b.CreateAdd(b.getInt64(j * d), c, "", true, true)), acc);
            store(b, acc, dst, at);
          });
        }
      });
    });
  }

  // dst(r, c) = sum_j src(r, j) * M[j][c], c < d, j < k, both src and dst columns of the block
  // (rank-1 updates as in project_stage).
  llvm::Function* expand_columns_stage(const std::string& name, std::int64_t k, std::int64_t d) {
    return stage(name, {Access::Read, Access::Read, Access::ReadWrite},
                 [&, k, d](llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& a, llvm::Value* nb) {
      llvm::Value *src = a[0], *M = a[1], *dst = a[2];
      loop(b, d, "zero", [&](llvm::IRBuilder<>& b, llvm::Value* c) {
        loop(b, nb, "zero.r", [&](llvm::IRBuilder<>& b, llvm::Value* r) { store(b, zero(), dst, index(b, r, 1, c, B_)); });
      });
      loop(b, k, "comp", [&](llvm::IRBuilder<>& b, llvm::Value* j) {
        loop(b, d, "col", [&](llvm::IRBuilder<>& b, llvm::Value* c) {
          llvm::Value* w = load(b, M, b.CreateAdd(b.CreateMul(j, b.getInt64(d), "", true, true), c, "", true, true));
          loop(b, nb, "update", [&](llvm::IRBuilder<>& b, llvm::Value* r) {
            llvm::Value* at = index(b, r, 1, c, B_);
            store(b, fmuladd(b, w, load(b, src, index(b, r, 1, j, B_)), load(b, dst, at)), dst, at);
          });
        });
      });
    });
  }

  // dst(r, k) = src(r, k), k < count.
  llvm::Function* copy_stage(const std::string& name, const View& src, const View& dst, std::int64_t count) {
    return stage(name, {Access::Read, Access::Write}, [&, src, dst, count](llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& a, llvm::Value* nb) {
      loop(b, count, "col", [&](llvm::IRBuilder<>& b, llvm::Value* k) {
        loop(b, nb, "row", [&](llvm::IRBuilder<>& b, llvm::Value* r) {
          store(b, load(b, a[0], index(b, r, src.row_stride, k, src.col_stride)), a[1],
                index(b, r, dst.row_stride, k, dst.col_stride));
        });
      });
    });
  }

  // Per row: the DAG of its inputs (input k = in(r, k)), then `combine` turns its outputs (and
  // the row's `extra` values, read on demand) into the stage's outputs, stored at out(r, o).
  using Combine = std::function<std::vector<llvm::Value*>(llvm::IRBuilder<>&, const std::vector<llvm::Value*>&,
                                                          const std::function<llvm::Value*(std::int64_t)>&)>;
  llvm::Function* dag_stage(const std::string& name, const ExpressionDag& dag, const View& in, const View& extra,
                            const View& out, const Combine& combine) {
    return stage(name, {Access::Read, Access::Read, Access::Write},
                 [&, in, extra, out](llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& a, llvm::Value* nb) {
      loop(b, nb, "row", [&](llvm::IRBuilder<>& b, llvm::Value* r) {
        auto load_input = [&](std::uint32_t k) -> llvm::Value* {
          return load(b, a[0], index(b, r, in.row_stride, static_cast<std::int64_t>(k), in.col_stride));
        };
        std::vector<llvm::Value*> values = emit_dag_values(b, dag, spec_.type, load_input, math_);
        auto load_extra = [&](std::int64_t e) { return load(b, a[1], index(b, r, extra.row_stride, e, extra.col_stride)); };
        std::vector<llvm::Value*> results = combine ? combine(b, values, load_extra) : values;
        for (std::size_t o = 0; o < results.size(); ++o)
          store(b, results[o], a[2], index(b, r, out.row_stride, static_cast<std::int64_t>(o), out.col_stride));
      });
    });
  }

  // result_k = sum_j weight(j) * D[j * K + k] (D: the derivatives d f_j / d v_k), skipping the
  // structurally zero derivatives.
  std::vector<llvm::Value*> chain(llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& D, std::size_t m, std::size_t K,
                                  const std::function<llvm::Value*(std::int64_t)>& weight,
                                  const std::function<llvm::Value*(std::size_t)>& initial) const {
    std::vector<llvm::Value*> w(m, nullptr);
    std::vector<llvm::Value*> out;
    for (std::size_t k = 0; k < K; ++k) {
      llvm::Value* acc = initial ? initial(k) : nullptr;
      for (std::size_t j = 0; j < m; ++j) {
        llvm::Value* d = D[j * K + k];
        if (is_zero(d)) continue;
        if (!w[j]) w[j] = weight(static_cast<std::int64_t>(j));
        llvm::Value* term = b.CreateFMul(w[j], d);
        acc = acc ? b.CreateFAdd(acc, term) : term;
      }
      out.push_back(acc ? acc : zero());
    }
    return out;
  }

  // Entry point: for each block of rows, `block(builder, first_row, rows_in_block)`.
  llvm::Function* entry(const std::string& name, unsigned num_ptrs, unsigned n_arg,
                        const std::function<void(llvm::IRBuilder<>&, llvm::Function&, llvm::Value*, llvm::Value*)>& block) {
    std::vector<llvm::Type*> params(num_ptrs + 1, ptr_);
    params[n_arg] = i64_;
    auto* f = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx_), params, false),
                                     llvm::Function::ExternalLinkage, name, module_);
    f->addFnAttr(llvm::Attribute::NoUnwind);
    auto* start = llvm::BasicBlock::Create(ctx_, "entry", f);
    llvm::IRBuilder<> b(start);
    llvm::Value* n = f->getArg(n_arg);
    llvm::Value* blocks = b.CreateSDiv(b.CreateAdd(n, b.getInt64(B_ - 1)), b.getInt64(B_));
    loop(b, blocks, "block", [&](llvm::IRBuilder<>& b, llvm::Value* i) {
      llvm::Value* first = b.CreateMul(i, b.getInt64(B_), "first", true, true);
      llvm::Value* left = b.CreateSub(n, first);
      llvm::Value* nb = b.CreateSelect(b.CreateICmpSLT(left, b.getInt64(B_)), left, b.getInt64(B_), "nb");
      block(b, *f, first, nb);
    });
    b.CreateRetVoid();
    verify(*f);
    return f;
  }

  llvm::Value* offset(llvm::IRBuilder<>& b, llvm::Value* base, std::size_t elements) const {
    return elements == 0 ? base : b.CreateConstInBoundsGEP1_64(t_, base, elements);
  }
  llvm::Value* rows(llvm::IRBuilder<>& b, llvm::Value* base, llvm::Value* first, std::size_t width) const {
    return b.CreateInBoundsGEP(t_, base, b.CreateMul(first, b.getInt64(static_cast<std::int64_t>(width)), "", true, true));
  }
  llvm::Value* column_block(llvm::IRBuilder<>& b, llvm::Value* scratch, std::size_t first_column) const {
    return offset(b, scratch, first_column * static_cast<std::size_t>(B_));
  }

  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  const FusedSpec& spec_;
  MathEmitter& math_;
  llvm::Type* t_;
  llvm::Type* ptr_;
  llvm::Type* i64_;
  llvm::Align align_;
  std::int64_t B_;
  FusedLayout layout_;
  ScratchPlan plan_;
};

void FusedEmitter::forward() {
  const FusedSpec& s = spec_;
  const auto n_in = static_cast<std::int64_t>(s.num_inputs), n_out = static_cast<std::int64_t>(s.num_outputs);
  const auto F = static_cast<std::int64_t>(s.num_features()), K = static_cast<std::int64_t>(s.num_variables());
  const auto m = static_cast<std::int64_t>(s.equations.size());
  const std::int64_t raw = s.keep_inputs ? n_in : 0;
  const bool transforms = !s.transforms.empty(), pca_in = s.pca_inputs > 0;
  const ExpressionDag eq_dag(s.equations, static_cast<std::uint32_t>(K));

  const View x_rows{nullptr, n_in, 1}, feature_cols{nullptr, 1, B_};
  const View features = transforms ? feature_cols : x_rows;
  const View variables = pca_in ? View{nullptr, 1, B_} : features;
  llvm::Function* keep = transforms && s.keep_inputs ? copy_stage("keep", x_rows, feature_cols, n_in) : nullptr;
  llvm::Function* transform = nullptr;
  std::optional<ExpressionDag> transform_dag;
  if (transforms) {
    transform_dag.emplace(s.transforms, s.num_inputs);
    transform = dag_stage("transforms", *transform_dag, x_rows, x_rows, feature_cols, nullptr);
  }
  llvm::Function* project = pca_in ? project_stage("project", features, F, K, true) : nullptr;
  const View eq_out = s.output_pca ? View{nullptr, 1, B_} : View{nullptr, n_out, 1};
  llvm::Function* equations = dag_stage("equations", eq_dag, variables, variables, eq_out, nullptr);
  llvm::Function* save = transforms || pca_in ? copy_stage("save", View{nullptr, 1, B_}, View{nullptr, K, 1}, K) : nullptr;
  llvm::Function* expand = s.output_pca ? expand_rows_stage("expand", m, n_out, n_out, true) : nullptr;

  entry(s.name, 5, 3, [&](llvm::IRBuilder<>& b, llvm::Function& f, llvm::Value* first, llvm::Value* nb) {
    llvm::Value *x = f.getArg(0), *y = f.getArg(1), *saved = f.getArg(2), *params = f.getArg(4), *scratch = f.getArg(5);
    llvm::Value* xb = rows(b, x, first, s.num_inputs);
    llvm::Value* yb = rows(b, y, first, s.num_outputs);
    llvm::Value* feature_base = xb;
    if (transforms) {
      feature_base = column_block(b, scratch, plan_.features);
      if (keep) b.CreateCall(keep, {xb, feature_base, nb});
      b.CreateCall(transform, {xb, xb, column_block(b, scratch, plan_.features + static_cast<std::size_t>(raw)), nb});
    }
    llvm::Value* variable_base = feature_base;
    if (pca_in) {
      variable_base = column_block(b, scratch, plan_.variables);
      b.CreateCall(project, {feature_base, offset(b, params, layout_.in_components), column_block(b, scratch, plan_.tmp),
                             variable_base, offset(b, params, layout_.in_mean), nb});
    }
    llvm::Value* eq_base = s.output_pca ? column_block(b, scratch, plan_.equations) : yb;
    b.CreateCall(equations, {variable_base, variable_base, eq_base, nb});
    if (save) {
      // saved may be null (no gradient wanted): no address is formed from it then.
      auto* yes = llvm::BasicBlock::Create(ctx_, "save", &f);
      auto* done = llvm::BasicBlock::Create(ctx_, "saved", &f);
      b.CreateCondBr(b.CreateIsNotNull(saved), yes, done);
      b.SetInsertPoint(yes);
      b.CreateCall(save, {variable_base, rows(b, saved, first, static_cast<std::size_t>(K)), nb});
      b.CreateBr(done);
      b.SetInsertPoint(done);
    }
    if (expand)
      b.CreateCall(expand, {eq_base, offset(b, params, layout_.out_components), yb, offset(b, params, layout_.out_mean), nb});
  });
}

void FusedEmitter::backward() {
  const FusedSpec& s = spec_;
  const auto n_in = static_cast<std::int64_t>(s.num_inputs), n_out = static_cast<std::int64_t>(s.num_outputs);
  const auto F = static_cast<std::int64_t>(s.num_features()), K = static_cast<std::int64_t>(s.num_variables());
  const auto m = static_cast<std::int64_t>(s.equations.size());
  const bool transforms = !s.transforms.empty(), pca_in = s.pca_inputs > 0;
  const bool saved_vars = transforms || pca_in;

  // d f_j / d v_k at j * K + k.
  std::vector<Expression> eq_derivatives;
  for (const Expression& e : s.equations)
    for (std::uint32_t k = 0; k < K; ++k) eq_derivatives.push_back(derivative(e, k));
  const ExpressionDag eq_dag(eq_derivatives, static_cast<std::uint32_t>(K));

  const View x_rows{nullptr, n_in, 1}, cols{nullptr, 1, B_};
  const View variables = saved_vars ? View{nullptr, K, 1} : x_rows;
  const View gy_rows{nullptr, n_out, 1};
  const View grad_eq = s.output_pca ? cols : gy_rows;
  llvm::Function* project = s.output_pca ? project_stage("grad_project", gy_rows, n_out, m, false) : nullptr;
  const View grad_var_out = pca_in || transforms ? cols : x_rows;
  llvm::Function* equations = dag_stage(
      "grad_equations", eq_dag, variables, grad_eq, grad_var_out,
      [&](llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& D, const std::function<llvm::Value*(std::int64_t)>& ge) {
        return chain(b, D, static_cast<std::size_t>(m), static_cast<std::size_t>(K), ge, nullptr);
      });
  llvm::Function* expand = nullptr;
  if (pca_in)
    expand = transforms ? expand_columns_stage("grad_expand", K, F) : expand_rows_stage("grad_expand", K, n_in, n_in, false);
  llvm::Function* transform = nullptr;
  std::optional<ExpressionDag> transform_dag;
  if (transforms) {
    // d t_i / d x_c at i * n_in + c.
    std::vector<Expression> t_derivatives;
    for (const Expression& t : s.transforms)
      for (std::uint32_t c = 0; c < n_in; ++c) t_derivatives.push_back(derivative(t, c));
    transform_dag.emplace(t_derivatives, s.num_inputs);
    const std::size_t raw = s.keep_inputs ? s.num_inputs : 0;
    transform = dag_stage(
        "grad_transforms", *transform_dag, x_rows, cols, x_rows,
        [&, raw](llvm::IRBuilder<>& b, const std::vector<llvm::Value*>& D, const std::function<llvm::Value*(std::int64_t)>& gf) {
          auto initial = [&](std::size_t c) -> llvm::Value* { return raw > 0 ? gf(static_cast<std::int64_t>(c)) : nullptr; };
          return chain(b, D, s.transforms.size(), s.num_inputs,
                       [&](std::int64_t i) { return gf(static_cast<std::int64_t>(raw) + i); }, initial);
        });
  }

  entry(s.name + "_grad", 6, 4, [&](llvm::IRBuilder<>& b, llvm::Function& f, llvm::Value* first, llvm::Value* nb) {
    llvm::Value *x = f.getArg(0), *saved = f.getArg(1), *gy = f.getArg(2), *gx = f.getArg(3), *params = f.getArg(5),
                *scratch = f.getArg(6);
    llvm::Value* xb = rows(b, x, first, s.num_inputs);
    llvm::Value* gyb = rows(b, gy, first, s.num_outputs);
    llvm::Value* gxb = rows(b, gx, first, s.num_inputs);
    llvm::Value* var_base = saved_vars ? rows(b, saved, first, static_cast<std::size_t>(K)) : xb;
    llvm::Value* ge_base = gyb;
    if (project) {
      ge_base = column_block(b, scratch, plan_.grad_equations);
      b.CreateCall(project, {gyb, offset(b, params, layout_.out_components), column_block(b, scratch, plan_.grad_tmp),
                             ge_base, nb});
    }
    llvm::Value* gv_base = pca_in ? column_block(b, scratch, plan_.grad_variables)
                           : transforms ? column_block(b, scratch, plan_.grad_features)
                                        : gxb;
    b.CreateCall(equations, {var_base, ge_base, gv_base, nb});
    llvm::Value* gf_base = transforms ? column_block(b, scratch, plan_.grad_features) : gxb;
    if (expand) b.CreateCall(expand, {gv_base, offset(b, params, layout_.in_components), gf_base, nb});
    if (transform) b.CreateCall(transform, {xb, gf_base, gxb, nb});
  });
}

}  // namespace

std::size_t fused_scratch_elements(const FusedSpec& spec) {
  const ScratchPlan p = plan_scratch(spec);
  return std::max<std::size_t>(1, std::max(p.forward_end, p.backward_end)) * fused_block_rows(spec.type);
}

void build_fused_forward(llvm::Module& module, const FusedSpec& spec, MathEmitter& math) {
  FusedEmitter(module, spec, math).forward();
}

void build_fused_backward(llvm::Module& module, const FusedSpec& spec, MathEmitter& math) {
  FusedEmitter(module, spec, math).backward();
}

}  // namespace symtorch::jit::detail
