/* smtpd_stdio.c: placeholder */
typedef int sesrelay_placeholder_smtpd_stdio;
