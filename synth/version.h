/* synth's version, shown by --version and in the first line of every
 * generated file (make install also reads it for the .pc files). */
#ifndef SYNTH_VERSION_H
#define SYNTH_VERSION_H

#define SYNTH_VERSION "0.1.0"

#endif
