/* quilt-exec -t: the command's terminal and the relay to ours. */
#ifndef QUILT_EXEC_TTY_H
#define QUILT_EXEC_TTY_H

#include <sys/types.h>
#include <termios.h>

/* A pty of the devpts that /dev/ptmx names in our (the container's) mount
 * namespace, sized like our terminal if we have one.  0 or -errno. */
int tty_open_pty(int *master, int *peer);

/* Puts our stdin, when it is a terminal, in raw mode for a relay to the pty's master, its modes kept in
 * *saved for tty_raw_end; 1 if it did, 0 if stdin is no terminal (or refuses).  Input the terminal had
 * already cooked is taken first: whole lines typed ahead go to master as they are, and an end of file
 * (^D at a line's start; script(1)'s when its own input ends) is sent on as the pty's end-of-file
 * character, with *input_ended set: there is no more to read.  Kept for raw mode, that end of file would
 * reach the command as a NUL byte (n_tty's mark for it), echoed as ^@. */
int tty_raw_begin(int master, struct termios *saved, int *input_ended);

/* Gives our terminal back its modes, as tty_raw_begin saved them. */
void tty_raw_end(const struct termios *saved);

/* Writes the pty's end-of-file character (VEOF, ^D by default) to its master: the command reads an end of file. */
void tty_send_eof(int master);

/* The relay between our stdio and the pty until the child exits (its pidfd
 * readable); our stdin too when with_stdin, in raw mode when it is a
 * terminal (restored after).  Returns the child's wait status. */
int tty_relay(pid_t pid, int pidfd, int master, int with_stdin);

#endif
