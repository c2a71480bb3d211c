# Runs one golden CLI case: `cmake -DMAHNWERK=<binary> -DCASE=<dir> -DSOURCE_DIR=<root> -P run_golden.cmake`.
# A case folder holds `args` (one argument per line, @SRC@ = source root), and the expected
# `stdout`, `stderr` and `exit`. The source root in the outputs is written as @SRC@.
# With MAHNWERK_UPDATE_GOLDEN=1 in the environment the expected files are rewritten instead.
file(STRINGS "${CASE}/args" raw_args)
set(args "")
foreach(a IN LISTS raw_args)
  string(REPLACE "@SRC@" "${SOURCE_DIR}" a "${a}")
  list(APPEND args "${a}")
endforeach()

execute_process(
  COMMAND "${MAHNWERK}" ${args}
  WORKING_DIRECTORY "${SOURCE_DIR}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE code)
string(REPLACE "${SOURCE_DIR}" "@SRC@" out "${out}")
string(REPLACE "${SOURCE_DIR}" "@SRC@" err "${err}")

if("$ENV{MAHNWERK_UPDATE_GOLDEN}" STREQUAL "1")
  file(WRITE "${CASE}/stdout" "${out}")
  file(WRITE "${CASE}/stderr" "${err}")
  file(WRITE "${CASE}/exit" "${code}\n")
  return()
endif()

file(READ "${CASE}/stdout" want_out)
file(READ "${CASE}/stderr" want_err)
file(STRINGS "${CASE}/exit" want_code)
set(failed FALSE)
if(NOT code STREQUAL want_code)
  message(SEND_ERROR "exit code ${code}, expected ${want_code}")
  set(failed TRUE)
endif()
foreach(stream out err)
  if(NOT "${${stream}}" STREQUAL "${want_${stream}}")
    get_filename_component(case_name "${CASE}" NAME)
    file(WRITE "${case_name}.actual.std${stream}" "${${stream}}")  # in the test's build folder
    message(SEND_ERROR "std${stream} differs from ${CASE}/std${stream}; got:\n${${stream}}")
    set(failed TRUE)
  endif()
endforeach()
