# cmake --install: headers, the libraries, libsymtorch_ops.so, the symtorch CLI and a CMake
# package, so that a downstream project writes
#   find_package(symtorch CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE symtorch::engine)      # or symtorch::jit, symtorch::torchbridge, symtorch::mpi
# The package finds the libraries' own dependencies (Eigen, TBB, nlohmann_json, fmt, Boost, SLEEF,
# and LLVM 19 / LibTorch where those parts were built) with find_dependency; see
# cmake/symtorchConfig.cmake.in. tests/install/ checks it on a temporary prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SYMTORCH_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/symtorch)
set(symtorch_exported symtorch_engine)
set_target_properties(symtorch_engine PROPERTIES EXPORT_NAME engine)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(SYMTORCH_NATIVE)
  # The library's Eigen types were compiled for the host CPU (alignment, vector width); a
  # consumer's translation units must agree, as the build tree's do (the global -march=native).
  target_compile_options(symtorch_engine INTERFACE $<INSTALL_INTERFACE:-march=native>)
endif()
if(TARGET symtorch_jit)
  list(APPEND symtorch_exported symtorch_jit)
  set_target_properties(symtorch_jit PROPERTIES EXPORT_NAME jit)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/jit/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET symtorch_cuda)
  list(APPEND symtorch_exported symtorch_cuda)
  set_target_properties(symtorch_cuda PROPERTIES EXPORT_NAME cuda)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/jit/cuda/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET symtorch_mpi)
  list(APPEND symtorch_exported symtorch_mpi)
  set_target_properties(symtorch_mpi PROPERTIES EXPORT_NAME mpi)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/mpi/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET symtorch_ops)
  list(APPEND symtorch_exported symtorch_ops)
  set_target_properties(symtorch_ops PROPERTIES EXPORT_NAME torchbridge)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/torchbridge/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  if(SYMTORCH_NATIVE)
    target_compile_options(symtorch_ops INTERFACE $<INSTALL_INTERFACE:-march=native>)
  endif()
endif()

install(TARGETS ${symtorch_exported} EXPORT symtorch-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET symtorch)
  install(TARGETS symtorch RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# The Python package looks for libsymtorch_ops.so beside itself first (python/symtorch_cpp/
# _library.py): the installed package gets a relative symbolic link to the installed library, so
# C++ and Python load the same file.
set(SYMTORCH_INSTALL_PYTHONDIR lib/python3/dist-packages CACHE STRING
    "Where cmake --install puts the Python package symtorch_cpp (relative to the prefix)")
if(TARGET symtorch_ops AND EXISTS ${PROJECT_SOURCE_DIR}/python/symtorch_cpp/__init__.py)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/symtorch_cpp DESTINATION ${SYMTORCH_INSTALL_PYTHONDIR}
          FILES_MATCHING PATTERN "*.py")
  file(RELATIVE_PATH symtorch_libdir_from_python /${SYMTORCH_INSTALL_PYTHONDIR}/symtorch_cpp /${CMAKE_INSTALL_LIBDIR})
  string(REGEX REPLACE "/$" "" symtorch_libdir_from_python "${symtorch_libdir_from_python}")
  set(symtorch_ops_link_target ${symtorch_libdir_from_python}/$<TARGET_FILE_NAME:symtorch_ops>)
  install(CODE "
    set(link \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${SYMTORCH_INSTALL_PYTHONDIR}/symtorch_cpp/$<TARGET_FILE_NAME:symtorch_ops>\")
    message(STATUS \"Installing: \${link} -> ${symtorch_ops_link_target}\")
    file(CREATE_LINK \"${symtorch_ops_link_target}\" \"\${link}\" SYMBOLIC)")
endif()

install(EXPORT symtorch-targets NAMESPACE symtorch:: DESTINATION ${SYMTORCH_INSTALL_CMAKEDIR})

# Which parts this build has, for the package's find_dependency calls.
if(TARGET symtorch_jit)
  set(SYMTORCH_PACKAGE_HAS_JIT ON)
else()
  set(SYMTORCH_PACKAGE_HAS_JIT OFF)
endif()
if(TARGET symtorch_mpi)
  set(SYMTORCH_PACKAGE_HAS_MPI ON)
else()
  set(SYMTORCH_PACKAGE_HAS_MPI OFF)
endif()
if(TARGET symtorch_ops)
  set(SYMTORCH_PACKAGE_HAS_TORCH ON)
else()
  set(SYMTORCH_PACKAGE_HAS_TORCH OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/symtorchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/symtorchConfig.cmake INSTALL_DESTINATION ${SYMTORCH_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/symtorchConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/symtorchConfig.cmake ${PROJECT_BINARY_DIR}/symtorchConfigVersion.cmake
  DESTINATION ${SYMTORCH_INSTALL_CMAKEDIR})
