# Stand-in for ./configure's config.mk in the golden tests: synth reads M4
# from it, and generated build.mk files include it (never run here).
M4 := m4
