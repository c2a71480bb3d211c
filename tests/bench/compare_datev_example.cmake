# Runs the DATEV example generator into OUT and compares every file with the committed copy in
# EXPECTED (config/examples/datev): the example is what the committed generator writes.
execute_process(COMMAND ${GENERATOR} ${OUT}/inbox RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "generate_datev_example failed: ${rc}")
endif()
foreach(name inbox/EXTF_Debitoren.csv inbox/EXTF_Buchungsstapel.csv history.json)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${name} ${EXPECTED}/${name} RESULT_VARIABLE differ)
  if(NOT differ EQUAL 0)
    message(FATAL_ERROR "${EXPECTED}/${name} differs from the generator's output; regenerate it with "
                        "generate_datev_example config/examples/datev/inbox and review the diff")
  endif()
endforeach()
