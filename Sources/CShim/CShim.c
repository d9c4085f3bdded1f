#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "CShim.h"

int tocsin_open_pty_master(void) {
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (grantpt(fd) != 0 || unlockpt(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int tocsin_pty_slave_name(int master, char *buffer, size_t length) {
    return ptsname_r(master, buffer, length);
}

int tocsin_tty_set_exclusive(int fd) {
    return ioctl(fd, TIOCEXCL);
}

unsigned int tocsin_termios_crtscts(void) {
    return CRTSCTS;
}
