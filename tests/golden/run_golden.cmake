# Runs one golden CLI case: `cmake -DMAHNWERK=<binary> -DCASE=<dir> -DSOURCE_DIR=<root> -P run_golden.cmake`.
# A case folder holds `args` (one argument per line, @SRC@ = source root, @TMP@ = a fresh empty
# folder of this case under the test's working directory, i.e. the build tree), and the expected
# `stdout`, `stderr` and `exit`. The source root in the outputs is written as @SRC@, the folder as
# @TMP@. An optional `files` lists paths relative to @TMP@ (one per line) that the command must
# have written; each one for which `out/<path>` exists in the case folder must match it byte for byte.
# An optional `input/` folder is copied into @TMP@ first (files a command moves or changes, such as
# a DATEV inbox).
# With MAHNWERK_UPDATE_GOLDEN=1 in the environment the expected files (`out/` included) are
# rewritten instead.
get_filename_component(case_name "${CASE}" NAME)
set(tmp "${CMAKE_CURRENT_BINARY_DIR}/tmp/${case_name}")
file(REMOVE_RECURSE "${tmp}")
file(MAKE_DIRECTORY "${tmp}")
if(IS_DIRECTORY "${CASE}/input")
  file(COPY "${CASE}/input/" DESTINATION "${tmp}")
endif()

file(STRINGS "${CASE}/args" raw_args)
set(args "")
foreach(a IN LISTS raw_args)
  string(REPLACE "@SRC@" "${SOURCE_DIR}" a "${a}")
  string(REPLACE "@TMP@" "${tmp}" a "${a}")
  list(APPEND args "${a}")
endforeach()

execute_process(
  COMMAND "${MAHNWERK}" ${args}
  WORKING_DIRECTORY "${SOURCE_DIR}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE code)
# The folder first: the build tree may lie inside the source tree.
foreach(stream out err)
  string(REPLACE "${tmp}" "@TMP@" ${stream} "${${stream}}")
  string(REPLACE "${SOURCE_DIR}" "@SRC@" ${stream} "${${stream}}")
endforeach()

set(files "")
if(EXISTS "${CASE}/files")
  file(STRINGS "${CASE}/files" files)
endif()
set(failed FALSE)
foreach(f IN LISTS files)
  if(NOT EXISTS "${tmp}/${f}")
    message(SEND_ERROR "expected file @TMP@/${f} was not written")
    set(failed TRUE)
  endif()
endforeach()

if("$ENV{MAHNWERK_UPDATE_GOLDEN}" STREQUAL "1")
  file(WRITE "${CASE}/stdout" "${out}")
  file(WRITE "${CASE}/stderr" "${err}")
  file(WRITE "${CASE}/exit" "${code}\n")
  foreach(f IN LISTS files)
    if(EXISTS "${tmp}/${f}")
      get_filename_component(dir "${CASE}/out/${f}" DIRECTORY)
      file(MAKE_DIRECTORY "${dir}")
      file(COPY_FILE "${tmp}/${f}" "${CASE}/out/${f}")
    endif()
  endforeach()
  return()
endif()

file(READ "${CASE}/stdout" want_out)
file(READ "${CASE}/stderr" want_err)
file(STRINGS "${CASE}/exit" want_code)
if(NOT code STREQUAL want_code)
  message(SEND_ERROR "exit code ${code}, expected ${want_code}")
  set(failed TRUE)
endif()
foreach(stream out err)
  if(NOT "${${stream}}" STREQUAL "${want_${stream}}")
    file(WRITE "${case_name}.actual.std${stream}" "${${stream}}")  # in the test's build folder
    message(SEND_ERROR "std${stream} differs from ${CASE}/std${stream}; got:\n${${stream}}")
    set(failed TRUE)
  endif()
endforeach()
foreach(f IN LISTS files)
  if(EXISTS "${tmp}/${f}" AND EXISTS "${CASE}/out/${f}")
    execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${tmp}/${f}" "${CASE}/out/${f}"
                    RESULT_VARIABLE differs)
    if(differs)
      message(SEND_ERROR "@TMP@/${f} differs from ${CASE}/out/${f}; got ${tmp}/${f}")
      set(failed TRUE)
    endif()
  endif()
endforeach()
