m4_dnl Read between two templates when synth renders every output in one m4
m4_dnl run: prints the line synth cuts the output at (control characters
m4_dnl never occur in what synth generates).
m4_format([[%csynth-next-file%c]], 1, 1)
