m4_changequote(`[[', `]]')m4_changecom()m4_dnl
m4_dnl Shared set-up for every synth template (read first, m4 -P mode).
m4_dnl Quotes are [[ and ]]: synth never passes a value containing '[' or
m4_dnl ']' (it escapes them in strings and refuses them in paths), and it
m4_dnl quotes every value twice so that no value is ever expanded as a macro.
m4_dnl Comments are off so that '#' reaches C, make and assembler untouched.
