# torchbridge tests beside the doctest area executable (included, deferred, from
# torchbridge/CMakeLists.txt at the end of the top-level directory).
# Debian's torch is only importable from /usr/bin/python3 (a python3 earlier on PATH may lack it).
set(symtorch_torch_python /usr/bin/python3)
add_test(NAME torchbridge_python
  COMMAND ${symtorch_torch_python} ${CMAKE_CURRENT_LIST_DIR}/test_ops.py $<TARGET_FILE:symtorch_ops>)
set_tests_properties(torchbridge_python PROPERTIES LABELS "torchbridge;python" TIMEOUT 300)
if(TARGET torchbridge_tests)
  # The C++ tests run Python to script and save a module, and themselves (a fresh process) to
  # load a saved SymbolicModel.
  target_compile_definitions(torchbridge_tests PRIVATE
    SYMTORCH_TORCH_PYTHON="${symtorch_torch_python}"
    SYMTORCH_OPS_LIBRARY="$<TARGET_FILE:symtorch_ops>")
endif()

# The Python package (python/symtorch_cpp) over this build's op library: tests/python/test_*.py,
# one CTest test python_<name> each.
file(GLOB symtorch_python_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/python/test_*.py)
foreach(script IN LISTS symtorch_python_tests)
  get_filename_component(name ${script} NAME_WE)
  string(REGEX REPLACE "^test_" "python_" name ${name})
  add_test(NAME ${name} COMMAND ${symtorch_torch_python} ${script})
  set_tests_properties(${name} PROPERTIES LABELS "python" TIMEOUT 300
    ENVIRONMENT "SYMTORCH_OPS_LIBRARY=$<TARGET_FILE:symtorch_ops>")
endforeach()
