# flint_embed_file(<var> <symbol> <file>): an assembler source that links <file>'s bytes in as
# <symbol>_start .. <symbol>_end (a NUL follows), for server-rendered page templates. Its path is
# put in <var> to list among a library's sources; a change to <file> rebuilds it.
function(flint_embed_file var symbol file)
  set(out ${CMAKE_BINARY_DIR}/embedded/${symbol}.s)
  file(WRITE ${out}.in "  .section .rodata\n  .global ${symbol}_start\n  .global ${symbol}_end\n${symbol}_start:\n  .incbin \"${file}\"\n${symbol}_end:\n  .byte 0\n  .section .note.GNU-stack,\"\",@progbits\n")
  configure_file(${out}.in ${out} COPYONLY)
  set_source_files_properties(${out} PROPERTIES OBJECT_DEPENDS ${file})
  set(${var} ${out} PARENT_SCOPE)
endfunction()
