#ifndef TOCSIN_CSHIM_H
#define TOCSIN_CSHIM_H
// Macros, variadic calls and GNU extensions that Swift cannot import directly.
#include <sqlite3.h>
#include <stddef.h>

/// SQLITE_TRANSIENT is a cast of -1 to a function pointer, which Swift cannot import.
static inline int tocsin_sqlite3_bind_text_transient(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}
static inline int tocsin_sqlite3_bind_blob_transient(sqlite3_stmt *stmt, int index, const void *data, int length) {
    return sqlite3_bind_blob(stmt, index, data, length, SQLITE_TRANSIENT);
}

// Serial ports and pseudo-terminals. The wrappers live in CShim.c, compiled with _GNU_SOURCE:
// ptsname_r is a GNU extension, and ioctl is variadic.

/// A new pty master (posix_openpt with O_RDWR | O_NOCTTY | O_CLOEXEC, then grantpt and unlockpt).
/// Returns the fd, or -1 with errno set.
int tocsin_open_pty_master(void);
/// The slave path of a pty master into `buffer` (ptsname_r). Returns 0, or an errno value.
int tocsin_pty_slave_name(int master, char *buffer, size_t length);
/// ioctl(fd, TIOCEXCL): further opens of the tty fail with EBUSY, except for root.
int tocsin_tty_set_exclusive(int fd);
/// The CRTSCTS bit of c_cflag (hardware flow control), which Swift may not import.
unsigned int tocsin_termios_crtscts(void);

/// Unmaps this process's pages of every read-only segment of the executable and the libraries
/// it loaded (madvise MADV_DONTNEED on code and constants, never on writable or relocated data).
/// The pages stay in the page cache and are mapped again by the next touch, as a minor fault.
/// Then returns the free pages of the heap to the system (jemalloc's arena purge, or malloc_trim).
/// Returns the bytes of address space advised, or -1 if every madvise failed.
long tocsin_release_clean_mappings(void);
#endif
