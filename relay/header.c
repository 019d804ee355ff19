/* header.c: placeholder */
typedef int sesrelay_placeholder_header;
