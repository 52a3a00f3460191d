/*
 * backfill_hostsys.h — the system calls the plugin host needs to run a provider in a child
 * process, wrapped as plain functions for Swift (Swift's Glibc module lacks memfd_create,
 * posix_spawn_file_actions_addclosefrom_np, SCM_RIGHTS's CMSG macros and prctl's varargs).
 * Host-side only: plugins never see this header.
 *
 * Every function returns 0 (or a count) on success and -1 with errno set on failure, unless
 * it says otherwise.
 */
#ifndef BACKFILL_HOSTSYS_H
#define BACKFILL_HOSTSYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A shared-memory file of `size` bytes (memfd, close-on-exec): the fd, or -1. */
int bf_sys_memfd(const char *name, size_t size);

/* A connected pair of SOCK_SEQPACKET sockets, both close-on-exec. */
int bf_sys_socketpair(int fds[2]);

/* A pipe, both ends close-on-exec. */
int bf_sys_pipe(int fds[2]);

/* Starts `path` with `argv` (NULL-terminated) and `envp` (NULL-terminated) in a process group of
 * its own (terminal signals reach only the host), with stdin from /dev/null, `sock` as fd 3,
 * `out` as fd 1 and `err` as fd 2, every other descriptor closed, SIGINT, SIGTERM and SIGPIPE at
 * their default actions and no signal blocked. Returns 0 and the pid in *pid, or an errno. */
int bf_sys_spawn(const char *path, char *const argv[], char *const envp[], int sock, int out, int err, pid_t *pid);

/* Sends one message of `len` bytes on a SOCK_SEQPACKET socket, with descriptor `fd` attached
 * when fd >= 0. Never raises SIGPIPE. Returns the bytes sent or -1. */
ssize_t bf_sys_send(int sock, const void *buf, size_t len, int fd);

/* Receives one message into `buf` (at most `capacity` bytes); a descriptor that came with it is
 * stored in *fd (else -1). Returns the bytes received, 0 when the peer closed, -1 on error
 * (EMSGSIZE when the message did not fit). Retries EINTR. */
ssize_t bf_sys_recv(int sock, void *buf, size_t capacity, int *fd);

/* Waits until `sock` has a message or `timeout_ms` passed (-1: no limit): 1 ready (or closed),
 * 0 timed out, -1 error. */
int bf_sys_wait_readable(int sock, int timeout_ms);

/* In the child, before the plugin is loaded: no new privileges (setuid binaries, file
 * capabilities) for it or anything it starts, and an address-space limit of `memory_bytes`
 * (0: none). */
int bf_sys_child_limits(uint64_t memory_bytes);

/* How a reaped child ended: waits for `pid` (blocking when `block`), returns 1 and fills
 * *exited and *code (the exit status, or the signal number when !*exited), 0 when it is still
 * running (non-blocking), -1 on error. */
int bf_sys_reap(pid_t pid, int block, int *exited, int *code);

/* "SIGSEGV" for 11, ...; "signal N" for others (into buf). */
const char *bf_sys_signal_name(int signo, char *buf, size_t capacity);

#ifdef __cplusplus
}
#endif
#endif
