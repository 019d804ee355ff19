/* intake.c: placeholder */
typedef int sesrelay_placeholder_intake;
