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
