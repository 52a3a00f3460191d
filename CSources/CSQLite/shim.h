#include <sqlite3.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

// SQLITE_TRANSIENT is a macro Swift cannot import.
static inline sqlite3_destructor_type bf_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// The run lock of a SQLite database is a lock on `<file>.lock`. On Linux it is an open file
// description lock (F_OFD_SETLK): like flock, it belongs to one open of the file and the kernel
// drops it when that is closed or the process dies, but unlike flock it can be tested without
// taking it (F_OFD_GETLK), which `backfill runs` does to tell a live run from an abandoned one.
// Swift's Glibc module does not export the F_OFD_* commands; their values are Linux's ABI.
#if defined(__linux__)
#define BF_OFD_GETLK 36
#define BF_OFD_SETLK 37
#endif

#if defined(__linux__)
// An exclusive lock on the whole file.
static inline struct flock bf_whole_file_write_lock(void) {
    struct flock l;
    memset(&l, 0, sizeof l);
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    return l;
}
#endif

// Takes the exclusive lock on `fd` without waiting: 0 when taken, -1 when held elsewhere
// (or on error, with errno set).
static inline int bf_lock_file(int fd) {
#if defined(__linux__)
    struct flock l = bf_whole_file_write_lock();
    return fcntl(fd, BF_OFD_SETLK, &l);
#else
    return flock(fd, LOCK_EX | LOCK_NB);
#endif
}

// Whether another open of the file holds the lock: 1 held, 0 free, -1 on error.
static inline int bf_file_locked_elsewhere(int fd) {
#if defined(__linux__)
    struct flock l = bf_whole_file_write_lock();
    if (fcntl(fd, BF_OFD_GETLK, &l) != 0) return -1;
    return l.l_type != F_UNLCK;
#else
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) return 1;
    flock(fd, LOCK_UN);
    return 0;
#endif
}
