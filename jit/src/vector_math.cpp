#include "vector_math.hpp"

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/Support/DynamicLibrary.h>

#include <deque>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace symtorch::jit::detail {

std::string VectorMathLibrary::label() const {
  switch (kind) {
    case VectorMath::Libmvec: return "libmvec";
    case VectorMath::Sleef: return "sleef";
    default: return "none";
  }
}

namespace {

bool load_permanently(const std::string& soname, std::string* error) {
  // Loading is idempotent; LoadLibraryPermanently keeps the handle for the process lifetime so
  // the symbols stay valid for every kernel.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  return !llvm::sys::DynamicLibrary::LoadLibraryPermanently(soname.c_str(), error);
}

struct Mapping {
  std::string scalar, vector, prefix;
  unsigned width;
  char isa;
};

// Names for the x86-64 vector function ABI: _ZGV<isa>N<width><params>_<scalar name>.
const std::vector<Mapping>& all_mappings() {
  static const std::vector<Mapping> table = [] {
    struct Fn {
      const char* name;
      bool binary;
      bool has_intrinsic;
    };
    const Fn fns[] = {{"sin", false, true}, {"cos", false, true}, {"tan", false, true}, {"tanh", false, false},
                      {"exp", false, true}, {"log", false, true}, {"pow", true, true},
                      // not emitted by us, but InstCombine rewrites some pow(2, x) into exp2
                      {"exp2", false, true}};
    struct Isa {
      char letter;
      unsigned bits;
    };
    const Isa isas[] = {{'b', 128}, {'d', 256}, {'e', 512}};
    std::vector<Mapping> out;
    for (const Fn& fn : fns) {
      for (bool single : {false, true}) {
        const std::string libm = std::string(fn.name) + (single ? "f" : "");
        const std::string params = fn.binary ? "vv" : "v";
        for (const Isa& isa : isas) {
          const unsigned width = isa.bits / (single ? 32 : 64);
          const std::string vname = std::string("_ZGV") + isa.letter + "N" + std::to_string(width) + params + "_" + libm;
          const std::string prefix = "_ZGV_LLVM_N" + std::to_string(width) + params;
          out.push_back({libm, vname, prefix, width, isa.letter});
          if (fn.has_intrinsic)
            out.push_back({std::string("llvm.") + fn.name + (single ? ".f32" : ".f64"), vname, prefix, width, isa.letter});
        }
      }
    }
    return out;
  }();
  return table;
}

}  // namespace

VectorMathLibrary load_vector_math(VectorMath requested) {
  VectorMathLibrary lib;
  if (requested == VectorMath::None) return lib;
  const bool want_sleef = requested == VectorMath::Sleef;
  const std::string soname = want_sleef ? "libsleefgnuabi.so.3" : "libmvec.so.1";
  std::string error;
  if (load_permanently(soname, &error)) {
    lib.kind = want_sleef ? VectorMath::Sleef : VectorMath::Libmvec;
    lib.soname = soname;
    return lib;
  }
  if (requested == VectorMath::Auto) return lib;  // scalar libm calls still work
  throw std::runtime_error("vector math library " + soname + " cannot be loaded: " + error +
                           (want_sleef ? " (install libsleef3 / libsleef-dev)" : " (part of glibc's libc6 package)"));
}

void add_vector_math_mappings(llvm::TargetLibraryInfoImpl& tli, const VectorMathLibrary& library,
                              const llvm::MCSubtargetInfo& subtarget, unsigned vector_bits) {
  if (library.kind == VectorMath::None) return;
  const bool avx2 = vector_bits >= 256 && subtarget.checkFeatures("+avx2");
  const bool avx512 = vector_bits >= 512 && subtarget.checkFeatures("+avx512f");
  std::vector<llvm::VecDesc> descs;
  for (const Mapping& m : all_mappings()) {
    if ((m.isa == 'd' && !avx2) || (m.isa == 'e' && !avx512)) continue;
    descs.emplace_back(m.scalar, m.vector, llvm::ElementCount::getFixed(m.width), /*Masked=*/false, m.prefix);
  }
  tli.addVectorizableFunctions(descs);
}

}  // namespace symtorch::jit::detail
