# Finds every dependency through its own CMake config; a missing one stops configuration with
# the Debian package that provides it. Run ./setup.sh to install them all.
macro(symtorch_require package debian)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR "symtorch: ${package} not found. Install the Debian package '${debian}' "
                        "(./setup.sh installs every dependency).")
  endif()
endmacro()

symtorch_require(Eigen3 libeigen3-dev CONFIG)
symtorch_require(TBB libtbb-dev CONFIG)
symtorch_require(nlohmann_json nlohmann-json3-dev CONFIG)
symtorch_require(fmt libfmt-dev CONFIG)
symtorch_require(CLI11 libcli11-dev CONFIG)
symtorch_require(Boost libboost-graph-dev CONFIG)
if(SYMTORCH_BUILD_TESTS)
  symtorch_require(doctest doctest-dev CONFIG)
endif()
if(SYMTORCH_WITH_JIT)
  # "19" alone fails: LLVM's config compares major.minor.
  find_package(LLVM 19.1 CONFIG QUIET PATHS /usr/lib/llvm-19/lib/cmake/llvm NO_DEFAULT_PATH)
  if(NOT LLVM_FOUND)
    message(FATAL_ERROR "symtorch: LLVM 19 not found. Install the Debian package 'llvm-19-dev' "
                        "or configure with -DSYMTORCH_WITH_JIT=OFF.")
  endif()
  message(STATUS "symtorch: LLVM ${LLVM_PACKAGE_VERSION} at ${LLVM_DIR}")
endif()
if(SYMTORCH_WITH_TORCH)
  find_package(Torch CONFIG QUIET)
  if(NOT Torch_FOUND)
    message(FATAL_ERROR "symtorch: LibTorch not found. Install the Debian package 'libtorch-dev' "
                        "or configure with -DSYMTORCH_WITH_TORCH=OFF.")
  endif()
endif()
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(SLEEF QUIET IMPORTED_TARGET sleef)
endif()
