#define _GNU_SOURCE
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
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

struct tocsin_release_total {
    uintptr_t vdso;
    size_t bytes;
    int failures;
};

/// Whether the object's text is patched at load time; its read-only pages then differ from the
/// file and must stay mapped.
static int tocsin_has_text_relocations(const struct dl_phdr_info *info) {
    for (int index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        if (header->p_type != PT_DYNAMIC) continue;
        for (const ElfW(Dyn) *entry = (const ElfW(Dyn) *)(info->dlpi_addr + header->p_vaddr); entry->d_tag != DT_NULL; entry++) {
            if (entry->d_tag == DT_TEXTREL) return 1;
            if (entry->d_tag == DT_FLAGS && (entry->d_un.d_val & DF_TEXTREL)) return 1;
        }
    }
    return 0;
}

static int tocsin_release_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct tocsin_release_total *total = data;
    if (tocsin_has_text_relocations(info)) return 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        // Writable segments (data, bss, and the RELRO part that is read-only only after
        // relocation) hold private copies that differ from the file.
        if (header->p_type != PT_LOAD || (header->p_flags & PF_W)) continue;
        uintptr_t start = info->dlpi_addr + header->p_vaddr;
        uintptr_t end = start + header->p_memsz;
        if (total->vdso && total->vdso >= start && total->vdso < end) continue;
        // Whole pages inside the segment only: a page shared with a neighbour is left alone.
        start = (start + page - 1) & ~(page - 1);
        end &= ~(page - 1);
        if (end <= start) continue;
        if (madvise((void *)start, end - start, MADV_DONTNEED) == 0) {
            total->bytes += end - start;
        } else {
            total->failures++;
        }
    }
    return 0;
}

long tocsin_release_clean_mappings(void) {
    struct tocsin_release_total total = { getauxval(AT_SYSINFO_EHDR), 0, 0 };
    dl_iterate_phdr(tocsin_release_object, &total);
    // Freed heap pages go back to the system too. The daemon runs on jemalloc, which purges on
    // "arena.<all>.purge" (4096 is MALLCTL_ARENAS_ALL); under glibc's allocator, malloc_trim.
    int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
        (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
    if (mallctl == NULL || mallctl("arena.4096.purge", NULL, NULL, NULL, 0) != 0) malloc_trim(0);
    if (total.failures > 0 && total.bytes == 0) return -1;
    return (long)total.bytes;
}
