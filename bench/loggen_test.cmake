# loggen_test.cmake - smoke test for maillens-loggen, run with cmake -P.
#
# Generates the same small log twice (and once with another seed) and checks:
# the two same-seed outputs are byte-identical, the other seed differs, the
# size limit is honoured and the last line is complete.
# Inputs: -DLOGGEN=<path to maillens-loggen> -DWORKDIR=<scratch directory>.
foreach(run a b)
  execute_process(COMMAND ${LOGGEN} --size 300k --seed 7 --mixed-timestamps -o ${WORKDIR}/loggen_${run}.log
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "maillens-loggen failed (${rc})")
  endif()
endforeach()
execute_process(COMMAND ${LOGGEN} --size 300k --seed 8 --mixed-timestamps -o ${WORKDIR}/loggen_c.log)
file(SHA256 ${WORKDIR}/loggen_a.log ha)
file(SHA256 ${WORKDIR}/loggen_b.log hb)
file(SHA256 ${WORKDIR}/loggen_c.log hc)
if(NOT ha STREQUAL hb)
  message(FATAL_ERROR "same seed, different output")
endif()
if(ha STREQUAL hc)
  message(FATAL_ERROR "different seeds, same output")
endif()
file(SIZE ${WORKDIR}/loggen_a.log size)
if(size GREATER 307200 OR size LESS 300000)
  message(FATAL_ERROR "size ${size} not just under 300k")
endif()
math(EXPR last "${size} - 1")
file(READ ${WORKDIR}/loggen_a.log last_byte OFFSET ${last} LIMIT 1 HEX)
if(NOT last_byte STREQUAL "0a")
  message(FATAL_ERROR "output does not end with a newline")
endif()
