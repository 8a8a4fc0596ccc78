# One 'fuzz' CTest test (cmake -P): replays every reproducer in fuzz/regressions/<NAME>/, then
# fuzzes for SECONDS on a fresh copy of fuzz/corpus/<NAME>/ (plus the reproducers as seeds).
# Fails on any crash, sanitizer report, leak, timeout (-timeout) or memory blow-up.
# Variables: HARNESS (executable), NAME, FUZZ_DIR (source fuzz/), WORK_DIR, SECONDS.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/corpus ${WORK_DIR}/artifacts)
file(GLOB seeds ${FUZZ_DIR}/corpus/${NAME}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${WORK_DIR}/corpus)
endif()

set(options -rss_limit_mb=2048 -timeout=10 -artifact_prefix=${WORK_DIR}/artifacts/)
if(EXISTS ${FUZZ_DIR}/dicts/${NAME}.dict)
  list(APPEND options -dict=${FUZZ_DIR}/dicts/${NAME}.dict)
endif()

file(GLOB regressions ${FUZZ_DIR}/regressions/${NAME}/*)
if(regressions)
  list(LENGTH regressions count)
  message(STATUS "${NAME}: replaying ${count} reproducer(s) from fuzz/regressions/${NAME}")
  execute_process(COMMAND ${HARNESS} ${options} ${regressions} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NAME}: a reproducer in fuzz/regressions/${NAME} fails again (exit ${rc})")
  endif()
endif()

set(corpora ${WORK_DIR}/corpus)
if(IS_DIRECTORY ${FUZZ_DIR}/regressions/${NAME})
  list(APPEND corpora ${FUZZ_DIR}/regressions/${NAME})
endif()
message(STATUS "${NAME}: fuzzing for ${SECONDS} s")
execute_process(
  COMMAND ${HARNESS} ${options} -max_total_time=${SECONDS} -print_final_stats=1 ${corpora}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB artifacts ${WORK_DIR}/artifacts/*)
  message(FATAL_ERROR "${NAME}: libFuzzer failed (exit ${rc}); reproducer(s): ${artifacts}\n"
                      "Minimise with: ${HARNESS} -minimize_crash=1 -runs=100000 <file>; "
                      "then keep it in fuzz/regressions/${NAME}/ (see fuzz/README.md)")
endif()
