/** Exit statuses shared by every subcommand. */
export const EXIT_OK = 0;
/** The input is not valid RADL (or, for `fmt --check`, is not canonical). */
export const EXIT_INVALID = 1;
/** Bad command line or unreadable input file. */
export const EXIT_USAGE = 2;
/** A bug: an exception that is not one of our typed errors. */
export const EXIT_INTERNAL = 3;
