/*
 * arena-emu oracle guest runner: executes compiled scenarios (see OpEncoder.java for the format)
 * on the real kernel it boots with, and prints one JSON line per step to the results port.
 *
 * Process model: the runner forks one controller per scenario (its own process group, a child
 * subreaper). The controller holds the arena map fds, makes the bpf(2) calls (map create, kfunc
 * programs, program test runs, map ops) and evaluates every expression; the scenario's user
 * processes are real processes ("workers") that receive numeric commands over a socketpair and
 * do the mmap family, fork, exit and memory accesses themselves. After each step the controller
 * reads every live worker's /proc/PID/maps and /proc/PID/pagemap and the arenas' fdinfo.
 *
 * Built with gcc -static -O2; no library beyond libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 32
#define MAX_ARENAS 8
#define MAX_SLOTS 64
#define MAX_PROGS 32

static int out_fd = 1;

/* ---------------------------------------------------------------- output */

static char *ob;
static size_t olen, ocap;

static void oput(const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(ob + olen, ocap - olen, fmt, ap);
        va_end(ap);
        if (n >= 0 && olen + n < ocap) { olen += n; return; }
        ocap = ocap ? ocap * 2 + n : 65536 + n;
        ob = realloc(ob, ocap);
        if (!ob) _exit(99);
    }
}

/* One whole line per write: the results port sees complete lines even when processes exit. */
static void oflush(void) {
    oput("\n");
    size_t off = 0;
    while (off < olen) {
        ssize_t w = write(out_fd, ob + off, olen - off);
        if (w < 0) { if (errno == EINTR) continue; break; }
        off += w;
    }
    olen = 0;
}

static void ostr(const char *s) {
    oput("\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') oput("\\%c", *s);
        else if ((unsigned char)*s < 0x20) oput("\\u%04x", *s);
        else oput("%c", *s);
    }
    oput("\"");
}

/* ---------------------------------------------------------------- bpf(2) */

#define BPF_MAP_CREATE 0
#define BPF_MAP_LOOKUP_ELEM 1
#define BPF_MAP_UPDATE_ELEM 2
#define BPF_MAP_DELETE_ELEM 3
#define BPF_MAP_GET_NEXT_KEY 4
#define BPF_PROG_LOAD 5
#define BPF_PROG_TEST_RUN 10
#define BPF_MAP_FREEZE 22
#define BPF_PROG_TYPE_SYSCALL 31
#define BPF_PROG_TYPE_SOCKET_FILTER 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_F_SLEEPABLE (1U << 4)

static long sys_bpf(int cmd, void *attr, unsigned size) {
    long r = syscall(__NR_bpf, cmd, attr, size);
    return r < 0 ? -errno : r;
}

struct insn { uint8_t code; uint8_t regs; int16_t off; int32_t imm; };

static unsigned char *unhex(const char *h, size_t *len);

/* Capabilities the scenario drops are dropped from the effective set around bpf(2) calls only:
 * the controller keeps CAP_SYS_ADMIN for reading the workers' pagemap PFNs. */
static uint64_t drop_caps;

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

static void set_effective(int dropped) {
    if (!drop_caps) return;
    struct cap_hdr h = {0x20080522, 0};
    struct cap_data d[2];
    if (syscall(SYS_capget, &h, d)) return;
    uint64_t eff = ((uint64_t)d[1].permitted << 32) | d[0].permitted;
    if (dropped) eff &= ~drop_caps;
    d[0].effective = (uint32_t)eff;
    d[1].effective = (uint32_t)(eff >> 32);
    syscall(SYS_capset, &h, d);
}

static long bpf_as_scenario(int cmd, void *attr, unsigned size) {
    set_effective(1);
    long r = sys_bpf(cmd, attr, size);
    set_effective(0);
    return r;
}

/* BPF_MAP_CREATE (union bpf_attr: map_type, key_size, value_size, max_entries, map_flags; map_extra at 64). */
static long map_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t me, uint32_t fl, uint64_t extra, int as_scenario) {
    char attr[256] = {0};
    memcpy(attr + 0, &type, 4);
    memcpy(attr + 4, &ks, 4);
    memcpy(attr + 8, &vs, 4);
    memcpy(attr + 12, &me, 4);
    memcpy(attr + 16, &fl, 4);
    memcpy(attr + 64, &extra, 8);
    return as_scenario ? bpf_as_scenario(BPF_MAP_CREATE, attr, sizeof attr) : sys_bpf(BPF_MAP_CREATE, attr, sizeof attr);
}

/* BPF_MAP_LOOKUP_ELEM / UPDATE_ELEM (cmd) of key 0 of an array map. */
static long map_elem0(int fd, int cmd, void *value) {
    char attr[256] = {0};
    uint32_t f32 = (uint32_t)fd, key = 0;
    uint64_t kp = (uint64_t)(uintptr_t)&key, vp = (uint64_t)(uintptr_t)value;
    memcpy(attr + 0, &f32, 4);
    memcpy(attr + 8, &kp, 8);
    memcpy(attr + 16, &vp, 8);
    return sys_bpf(cmd, attr, sizeof attr);
}

/* BPF_MAP_FREEZE: libbpf freezes .rodata after filling it (bpf_object__populate_internal_map). */
static long map_freeze(int fd) {
    char attr[256] = {0};
    uint32_t f32 = (uint32_t)fd;
    memcpy(attr, &f32, 4);
    return sys_bpf(BPF_MAP_FREEZE, attr, sizeof attr);
}

/* ---------------------------------------------------------------- BTF: kfunc ids by name */

static unsigned char *btf;
static size_t btf_len;

static void load_btf(void) {
    int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY);
    if (fd < 0) return;
    size_t cap = 1 << 22;
    btf = malloc(cap);
    for (;;) {
        if (btf_len == cap) btf = realloc(btf, cap *= 2);
        ssize_t r = read(fd, btf + btf_len, cap - btf_len);
        if (r <= 0) break;
        btf_len += r;
    }
    close(fd);
}

/* The BTF id of the BTF_KIND_FUNC named name, or -1. */
static int btf_func_id(const char *name) {
    if (btf_len < 24) return -1;
    uint32_t hdr_len, type_off, type_len, str_off, str_len;
    memcpy(&hdr_len, btf + 4, 4);
    memcpy(&type_off, btf + 8, 4);
    memcpy(&type_len, btf + 12, 4);
    memcpy(&str_off, btf + 16, 4);
    memcpy(&str_len, btf + 20, 4);
    unsigned char *t = btf + hdr_len + type_off, *end = t + type_len;
    const char *strs = (const char *)btf + hdr_len + str_off;
    int id = 1;
    while (t + 12 <= end) {
        uint32_t name_off, info;
        memcpy(&name_off, t, 4);
        memcpy(&info, t + 4, 4);
        int kind = (info >> 24) & 0x1f, vlen = info & 0xffff;
        if (kind == 12 && name_off < str_len && strcmp(strs + name_off, name) == 0) return id;
        size_t extra;
        switch (kind) {
        case 1: case 14: case 17: extra = 4; break;           /* INT, VAR, DECL_TAG */
        case 3: extra = 12; break;                           /* ARRAY */
        case 4: case 5: case 15: case 19: extra = 12u * vlen; break; /* STRUCT, UNION, DATASEC, ENUM64 */
        case 6: case 13: extra = 8u * vlen; break;           /* ENUM, FUNC_PROTO */
        default: extra = 0;
        }
        t += 12 + extra;
        id++;
    }
    return -1;
}

/* ---------------------------------------------------------------- worker protocol */

enum { W_MMAP = 1, W_MUNMAP, W_MPROTECT, W_MREMAP, W_FORK, W_EXIT, W_READ, W_WRITE, W_COPY, W_TAKEFD, W_CODE, W_POKE };

#define MAX_CODE 1024
struct cmd { int op; int size; long a[6]; unsigned char code[MAX_CODE]; };
struct rep { long ret; int has_ret; int signo, code; int has_value; long addr; long value; int pid; };

static int send_fd(int sock, const void *buf, size_t len, int fd) {
    struct iovec io = {(void *)buf, len};
    char ctl[CMSG_SPACE(sizeof(int))];
    struct msghdr m = {0};
    m.msg_iov = &io;
    m.msg_iovlen = 1;
    if (fd >= 0) {
        memset(ctl, 0, sizeof ctl);
        m.msg_control = ctl;
        m.msg_controllen = sizeof ctl;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    return sendmsg(sock, &m, 0) == (ssize_t)len ? 0 : -1;
}

/* Receives exactly len bytes (one message) and an fd if one came with it; returns bytes or <= 0. */
static ssize_t recv_fd(int sock, void *buf, size_t len, int *fd) {
    struct iovec io = {buf, len};
    char ctl[CMSG_SPACE(sizeof(int))];
    struct msghdr m = {0};
    m.msg_iov = &io;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    ssize_t r;
    do r = recvmsg(sock, &m, 0); while (r < 0 && errno == EINTR);
    if (fd) *fd = -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (r > 0 && c && c->cmsg_type == SCM_RIGHTS && fd) memcpy(fd, CMSG_DATA(c), sizeof(int));
    return r;
}

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;
static volatile int fault_signo, fault_code;
static volatile long fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    if (!fault_armed) { signal(sig, SIG_DFL); raise(sig); return; }
    fault_signo = sig;
    fault_code = si->si_code;
    fault_addr = (long)si->si_addr;
    fault_armed = 0;
    siglongjmp(fault_jmp, 1);
}

static void copy_bytes(long src, long dst, long len) {
    void *d = (void *)dst, *s = (void *)src;
    size_t n = len;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static int arena_fd[MAX_ARENAS];

/*
 * long call_code(void *code, const long regs[6]): run_code's machine code with rdi, rsi, rdx, rcx,
 * r8, r9 from regs; returns its rax. The callee-saved registers are saved around it (the code may
 * use any), and a signal's siglongjmp restores them from the sigsetjmp buffer.
 */
long call_code(void *code, const long *regs);
__asm__(".text\n.globl call_code\n.type call_code,@function\ncall_code:\n"
        "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
        "mov %rdi, %rax\nmov %rsi, %r11\n"
        "mov 0(%r11), %rdi\nmov 8(%r11), %rsi\nmov 16(%r11), %rdx\nmov 24(%r11), %rcx\nmov 32(%r11), %r8\nmov 40(%r11), %r9\n"
        "call *%rax\n"
        "pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");

static void *code_page;

/* A user access at CPL3 with SIGSEGV/SIGBUS caught: signo, si_code, si_addr into the reply. */
static void user_access(struct cmd *c, struct rep *r) {
    fault_signo = 0;
    if (sigsetjmp(fault_jmp, 1) == 0) {
        fault_armed = 1;
        switch (c->op) {
        case W_READ: {
            long a = c->a[0];
            switch (c->size) {
            case 1: r->value = *(volatile uint8_t *)a; break;
            case 2: r->value = *(volatile uint16_t *)a; break;
            case 4: r->value = *(volatile uint32_t *)a; break;
            default: r->value = *(volatile uint64_t *)a; break;
            }
            r->has_value = 1;
            break;
        }
        case W_WRITE: {
            long a = c->a[0], v = c->a[1];
            switch (c->size) {
            case 1: *(volatile uint8_t *)a = (uint8_t)v; break;
            case 2: *(volatile uint16_t *)a = (uint16_t)v; break;
            case 4: *(volatile uint32_t *)a = (uint32_t)v; break;
            default: *(volatile uint64_t *)a = (uint64_t)v; break;
            }
            break;
        }
        case W_COPY: copy_bytes(c->a[0], c->a[1], c->a[2]); break;
        case W_POKE: copy_bytes((long)c->code, c->a[0], c->size); break;
        case W_CODE:
            r->ret = call_code(code_page, c->a);
            r->has_ret = 1;
            break;
        }
        fault_armed = 0;
    } else {
        r->signo = fault_signo;
        r->code = fault_code;
        r->addr = fault_addr;
        r->has_value = 0;
    }
}

__attribute__((noreturn)) static void worker_loop(int sock) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    for (;;) {
        struct cmd c;
        int fd;
        ssize_t n = recv_fd(sock, &c, sizeof c, &fd);
        if (n != (ssize_t)sizeof c) _exit(0);
        struct rep r = {0};
        long v;
        switch (c.op) {
        case W_TAKEFD:
            /* no reply: the controller does not wait for one */
            if (c.size >= 0 && c.size < MAX_ARENAS) arena_fd[c.size] = fd;
            continue;
        case W_MMAP: {
            int afd = c.a[5] < 0 ? -1 : arena_fd[c.a[5]];
            v = syscall(SYS_mmap, c.a[0], c.a[1], c.a[2], c.a[3], afd, c.a[4]);
            r.ret = v == -1 ? -errno : v;
            r.has_ret = 1;
            break;
        }
        case W_MUNMAP:
            v = syscall(SYS_munmap, c.a[0], c.a[1]);
            r.ret = v == -1 ? -errno : v; r.has_ret = 1;
            break;
        case W_MPROTECT:
            v = syscall(SYS_mprotect, c.a[0], c.a[1], c.a[2]);
            r.ret = v == -1 ? -errno : v; r.has_ret = 1;
            break;
        case W_MREMAP:
            v = syscall(SYS_mremap, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4]);
            r.ret = v == -1 ? -errno : v; r.has_ret = 1;
            break;
        case W_FORK: {
            int sv[2];
            if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) { r.ret = -errno; r.has_ret = 1; break; }
            pid_t p = fork();
            if (p == 0) {
                close(sock);
                close(sv[0]);
                worker_loop(sv[1]);
            }
            close(sv[1]);
            r.ret = p < 0 ? -errno : p;
            r.has_ret = 1;
            r.pid = p;
            send_fd(sock, &r, sizeof r, p < 0 ? -1 : sv[0]);
            close(sv[0]);
            continue;
        }
        case W_EXIT:
            send_fd(sock, &r, sizeof r, -1);
            _exit(0);
        case W_READ: case W_WRITE: case W_COPY: case W_POKE:
            user_access(&c, &r);
            break;
        case W_CODE:
            /* the code runs from an anonymous RWX page of the worker's own, outside the arena */
            if (!code_page) code_page = mmap(NULL, MAX_CODE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (code_page == MAP_FAILED) { code_page = NULL; r.ret = -ENOMEM; r.has_ret = 1; break; }
            memcpy(code_page, c.code, c.size < MAX_CODE ? c.size : MAX_CODE);
            user_access(&c, &r);
            break;
        }
        send_fd(sock, &r, sizeof r, -1);
    }
}

/* ---------------------------------------------------------------- controller state */

/* maps: the arenas the process mmapped (libbpf's copy of __arena globals goes through one of them) */
struct proc { int live; pid_t pid; int sock; unsigned maps; };
static struct proc procs[MAX_PROCS];

struct arena { int fd; long base, end; };
static struct arena arenas[MAX_ARENAS];
static int narenas_created; /* indices used so far (a failed create leaves fd = -1) */

static long slots[MAX_SLOTS];
static int slot_set[MAX_SLOTS];

struct prog { int n; struct insn *insns; int sleepable; char relocs[2048]; int fd; int loaded; long load_err; char log_line[256]; };
static struct prog progs[MAX_PROGS];

static int spawn_worker(int idx) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) return -1;
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) {
        close(sv[0]);
        for (int i = 0; i < MAX_PROCS; i++) if (procs[i].live) close(procs[i].sock);
        for (int i = 0; i < MAX_ARENAS; i++) if (arenas[i].fd >= 0) close(arenas[i].fd);
        worker_loop(sv[1]);
    }
    close(sv[1]);
    procs[idx].live = 1;
    procs[idx].pid = p;
    procs[idx].sock = sv[0];
    /* processes that exist from the start may map arenas created before them */
    for (int a = 0; a < MAX_ARENAS; a++) {
        if (arenas[a].fd < 0) continue;
        struct cmd c = {W_TAKEFD, a, {0}};
        send_fd(sv[0], &c, sizeof c, arenas[a].fd);
    }
    return 0;
}

/* Sends a command and waits for the reply; -1 when the worker died. */
static int call_worker(int idx, struct cmd *c, struct rep *r, int *fd) {
    if (!procs[idx].live) return -1;
    if (send_fd(procs[idx].sock, c, sizeof *c, -1)) return -1;
    ssize_t n = recv_fd(procs[idx].sock, r, sizeof *r, fd);
    return n == (ssize_t)sizeof *r ? 0 : -1;
}

/* ---------------------------------------------------------------- expressions (RPN) */

static int unbound; /* set when an expression names a symbol without a value */
static int unexpressible;

static long lookup(int slot) {
    /* slots 0..2: base, end, size of the first arena (see OpEncoder) */
    if (slot <= 2) {
        if (narenas_created == 0 || arenas[0].fd < 0) { unbound = 1; return 0; }
        if (slot == 0) return arenas[0].base;
        if (slot == 1) return arenas[0].end;
        return arenas[0].end - arenas[0].base;
    }
    if (slot >= MAX_SLOTS || !slot_set[slot]) { unbound = 1; return 0; }
    return slots[slot];
}

static long eval(const char *e) {
    long st[64];
    int sp = 0;
    const char *p = e;
    while (*p) {
        char item[64];
        int k = 0;
        while (*p && *p != ',' && k < 63) item[k++] = *p++;
        item[k] = 0;
        if (*p == ',') p++;
        if (item[0] == '#') st[sp++] = (long)strtoull(item + 1, NULL, 10);
        else if (item[0] == '-' && item[1] == '#') st[sp++] = -(long)strtoull(item + 2, NULL, 10);
        else if (item[0] == '$') st[sp++] = lookup(atoi(item + 1));
        else if (item[0] == '!') { unexpressible = 1; st[sp++] = 0; }
        else if (sp >= 1 && (item[0] == 'n' || item[0] == 'L' || item[0] == 'H' || item[0] == 'C')) {
            long x = st[sp - 1];
            st[sp - 1] = item[0] == 'n' ? -x : item[0] == 'L' ? (long)((unsigned long)x & 0xffffffffUL)
                       : item[0] == 'H' ? (long)((unsigned long)x >> 32) : (long)((unsigned long)x & ~0xffffffffUL);
        } else if (sp >= 2) {
            long b = st[--sp], a = st[sp - 1], r = 0;
            switch (item[0]) {
            case '+': r = a + b; break;
            case '-': r = a - b; break;
            case '*': r = (long)((unsigned long)a * (unsigned long)b); break;
            case '&': r = a & b; break;
            case '|': r = a | b; break;
            case '<': r = b < 0 || b > 63 ? 0 : (long)((unsigned long)a << b); break;
            case '>': r = b < 0 || b > 63 ? 0 : (long)((unsigned long)a >> b); break;
            }
            st[sp - 1] = r;
        }
        if (sp >= 63) break;
    }
    return sp ? st[sp - 1] : 0;
}

/* ---------------------------------------------------------------- observation */

static long read_memlock(int fd) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    int f = open(path, O_RDONLY);
    if (f < 0) return -1;
    ssize_t n = read(f, buf, sizeof buf - 1);
    close(f);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *m = strstr(buf, "memlock:");
    return m ? strtol(m + 8, NULL, 10) : -1;
}

/* Every arena mapping of a process (anon_inode:bpf-map VMAs) and the present pages in them. */
static void observe_proc(int idx) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", procs[idx].pid);
    FILE *f = fopen(path, "r");
    if (!f) return;
    int pm;
    snprintf(path, sizeof path, "/proc/%d/pagemap", procs[idx].pid);
    pm = open(path, O_RDONLY);
    oput("{\"p\":%d,\"vmas\":[", idx);
    char line[512];
    unsigned long vs[256], ve[256];
    int nv = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "bpf-map")) continue;
        unsigned long s, e;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3) continue;
        oput("%s[%ld,%ld,\"%s\"]", nv ? "," : "", (long)s, (long)e, perms);
        if (nv < 256) { vs[nv] = s; ve[nv] = e; nv++; }
    }
    fclose(f);
    oput("],\"ptes\":[");
    int first = 1;
    static uint64_t buf[8192];
    for (int v = 0; v < nv && pm >= 0; v++) {
        for (unsigned long a = vs[v]; a < ve[v];) {
            size_t cnt = (ve[v] - a) / 4096;
            if (cnt > 8192) cnt = 8192;
            ssize_t n = pread(pm, buf, cnt * 8, (off_t)(a / 4096) * 8);
            if (n <= 0) break;
            for (size_t i = 0; i < (size_t)n / 8; i++) {
                if (!(buf[i] >> 63)) continue;
                oput("%s[%ld,%ld]", first ? "" : ",", (long)(a + i * 4096), (long)(buf[i] & ((1ULL << 55) - 1)));
                first = 0;
            }
            a += (n / 8) * 4096;
        }
    }
    if (pm >= 0) close(pm);
    oput("]}");
}

static void observe_state(void) {
    oput(",\"arenas\":[");
    for (int a = 0; a < narenas_created; a++) {
        if (a) oput(",");
        if (arenas[a].fd < 0) oput("null");
        else oput("[%ld,%ld,%ld]", arenas[a].base, arenas[a].end, read_memlock(arenas[a].fd));
    }
    oput("],\"procs\":[");
    int first = 1;
    for (int i = 0; i < MAX_PROCS; i++) {
        if (!procs[i].live) continue;
        if (!first) oput(",");
        first = 0;
        observe_proc(i);
    }
    oput("]");
}

/* ---------------------------------------------------------------- steps */

static int sc_index;

#define MAXTOK 16384
static char *tok[MAXTOK];
static int ntok;

static void split(char *line) {
    ntok = 0;
    for (char *s = strtok(line, " \t\r\n"); s && ntok < MAXTOK; s = strtok(NULL, " \t\r\n")) tok[ntok++] = s;
}

static long E(int i) { return i < ntok ? eval(tok[i]) : 0; }
static long N(int i) { return i < ntok ? strtol(tok[i], NULL, 0) : 0; }

static void emit_ld64(struct insn *p, int dst, int src, long v) {
    p[0] = (struct insn){0x18, (uint8_t)(dst | (src << 4)), 0, (int32_t)v};
    p[1] = (struct insn){0, 0, 0, (int32_t)((unsigned long)v >> 32)};
}

static char last_log[256];

static long prog_load_as(struct insn *insns, int n, uint32_t type, uint32_t flags) {
    static char log[65536];
    char attr[256] = {0};
    uint32_t cnt = n, level = 1, size = sizeof log;
    uint64_t ip = (uint64_t)(uintptr_t)insns, lic = (uint64_t)(uintptr_t)"GPL", lp = (uint64_t)(uintptr_t)log;
    memcpy(attr + 0, &type, 4);
    memcpy(attr + 4, &cnt, 4);
    memcpy(attr + 8, &ip, 8);
    memcpy(attr + 16, &lic, 8);
    memcpy(attr + 44, &flags, 4);
    long fd = bpf_as_scenario(BPF_PROG_LOAD, attr, sizeof attr);
    last_log[0] = 0;
    if (fd < 0) {
        /* retry with the verifier log for the report's note */
        log[0] = 0;
        memcpy(attr + 24, &level, 4);
        memcpy(attr + 28, &size, 4);
        memcpy(attr + 32, &lp, 8);
        bpf_as_scenario(BPF_PROG_LOAD, attr, sizeof attr);
        /* the last line that is not the verifier's statistics says why */
        char *why = NULL;
        for (char *l = strtok(log, "\n"); l; l = strtok(NULL, "\n")) {
            if (!strncmp(l, "processed ", 10) || !strncmp(l, "verification time", 17) || !strncmp(l, "stack depth", 11)) continue;
            why = l;
        }
        snprintf(last_log, sizeof last_log, "%s", why ? why : "");
    }
    return fd;
}

/* a syscall program must be sleepable; a non-sleepable one is a socket filter, as the emulator's */
static long prog_load(struct insn *insns, int n, int sleepable) {
    return prog_load_as(insns, n, sleepable ? BPF_PROG_TYPE_SYSCALL : BPF_PROG_TYPE_SOCKET_FILTER, sleepable ? BPF_F_SLEEPABLE : 0);
}

/*
 * Programs get r1..r5 from, and leave their 64-bit r0 in, the value of a one-entry array map
 * (u64 args[5], result): BPF_PROG_TEST_RUN reports only 32 bits of r0, and a socket filter has
 * no writable context. The wrapper reaches the value with ld_imm64 BPF_PSEUDO_MAP_VALUE.
 */
static int result_map = -1;

static int io_map_create(void) {
    return (int)map_create(BPF_MAP_TYPE_ARRAY, 4, 48, 1, 0, 0, 0);
}

static long io_map(int cmd, uint64_t *value) {
    return map_elem0(result_map, cmd, value);
}

/* BPF_PROG_TEST_RUN with io[0..4] as r1..r5; io[5] is r0 afterwards. */
static long test_run(int fd, int sleepable, uint64_t *io) {
    char attr[256] = {0};
    static char packet[64];
    uint32_t pfd = fd, dsz = sizeof packet;
    uint64_t dp = (uint64_t)(uintptr_t)packet;
    io[5] = 0;
    long r = io_map(BPF_MAP_UPDATE_ELEM, io);
    if (r < 0) return r;
    memcpy(attr + 0, &pfd, 4);
    if (!sleepable) {
        /* a socket filter runs on a packet: at least an Ethernet header */
        memcpy(attr + 8, &dsz, 4);
        memcpy(attr + 16, &dp, 8);
    }
    r = sys_bpf(BPF_PROG_TEST_RUN, attr, sizeof attr);
    if (r < 0) return r;
    return io_map(BPF_MAP_LOOKUP_ELEM, io);
}

/* A step's result: what is printed before the state. */
struct result { int has_ret; long ret; int signo, code; long addr; int has_value; long value; char note[300]; int not_observable; };

static void kfunc_step(struct result *res) {
    /* K kind arena addr cnt node flags sleepable */
    const char *kind = tok[4];
    int a = N(5);
    long addr = E(6), cnt = E(7), node = E(8), flags = E(9);
    int sleepable = N(10);
    /* arena -1: the map argument is an array map (the kfunc checks the map type) */
    int map_fd = a == -1 ? io_map_create() : a >= 0 && a < narenas_created ? arenas[a].fd : -1;
    if (map_fd < 0) { snprintf(res->note, sizeof res->note, "no arena %d", a); res->not_observable = 1; return; }
    const char *fname = !strcmp(kind, "alloc") ? "bpf_arena_alloc_pages" : !strcmp(kind, "free") ? "bpf_arena_free_pages" : "bpf_arena_reserve_pages";
    int id = btf_func_id(fname);
    if (id < 0) { snprintf(res->note, sizeof res->note, "kernel has no kfunc %s", fname); res->not_observable = 1; return; }
    struct insn p[20];
    int n = 0;
    emit_ld64(p + n, 1, 1, map_fd); n += 2;               /* r1 = map (BPF_PSEUDO_MAP_FD) */
    emit_ld64(p + n, 2, 0, addr); n += 2;
    emit_ld64(p + n, 3, 0, cnt); n += 2;
    if (!strcmp(kind, "alloc")) {
        emit_ld64(p + n, 4, 0, node); n += 2;
        emit_ld64(p + n, 5, 0, flags); n += 2;
    }
    p[n++] = (struct insn){0x85, 2 << 4, 0, id};                /* call kfunc (BPF_PSEUDO_KFUNC_CALL) */
    if (strcmp(kind, "free")) {
        p[n] = (struct insn){0x18, 1 | (2 << 4), 0, result_map};   /* r1 = &io (BPF_PSEUDO_MAP_VALUE) */
        p[n + 1] = (struct insn){0, 0, 0, 0};
        n += 2;
        p[n++] = (struct insn){0x7b, 1, 40, 0};                     /* io[5] = r0 */
    }
    p[n++] = (struct insn){0xb7, 0, 0, 0};
    p[n++] = (struct insn){0x95, 0, 0, 0};
    long fd = prog_load(p, n, sleepable);
    if (a == -1) close(map_fd); /* the program holds its own reference */
    if (fd < 0) {
        res->has_ret = 1;
        res->ret = fd;
        snprintf(res->note, sizeof res->note, "kfunc program load: %s", last_log);
        return;
    }
    uint64_t ctx[6] = {0};
    long r = test_run(fd, sleepable, ctx);
    close(fd);
    if (r < 0) { res->has_ret = 1; res->ret = r; snprintf(res->note, sizeof res->note, "test_run failed"); return; }
    if (strcmp(kind, "free")) {
        res->has_ret = 1;
        res->ret = !strcmp(kind, "reserve") ? (long)(int32_t)ctx[5] : (long)ctx[5];
    }
}

static int worker_step(int op, int p, struct cmd *c, struct result *res);

/* C objects' data maps (D lines) and __arena globals (Y lines), what libbpf's load creates and copies. */
#define MAX_DMAPS 32
#define MAX_OBJS 16
static int dmap_fd[MAX_DMAPS];
struct globals { int arena; long off; size_t len; unsigned char *bytes; int copied; };
static struct globals objglobals[MAX_OBJS];

static void data_map(char *line) {
    /* D idx type key value max_entries flags init freeze */
    split(line);
    int i = N(1);
    if (i < 0 || i >= MAX_DMAPS || ntok < 9) return;
    uint32_t vs = N(4);
    long fd = map_create(N(2), N(3), vs, N(5), strtoul(tok[6], NULL, 0), 0, 1);
    dmap_fd[i] = fd < 0 ? -1 : (int)fd;
    size_t ilen;
    unsigned char *init = unhex(tok[7], &ilen);
    if (fd >= 0 && ilen) {
        unsigned char *value = calloc(vs + 8, 1);
        memcpy(value, init, ilen < vs ? ilen : vs);
        map_elem0((int)fd, BPF_MAP_UPDATE_ELEM, value);
        free(value);
    }
    if (fd >= 0 && N(8)) map_freeze((int)fd);
    free(init);
}

static void object_globals(char *line) {
    /* Y object arena offset hex */
    split(line);
    int o = N(1);
    if (o < 0 || o >= MAX_OBJS || ntok < 5) return;
    objglobals[o].arena = N(2);
    objglobals[o].off = N(3);
    objglobals[o].bytes = unhex(tok[4], &objglobals[o].len);
}

/*
 * libbpf copies an object's __arena globals into the arena mapping before the load; the replay
 * does it from the first process that mapped the arena, as here (a fault is the step's signal).
 */
static int copy_globals(int o, struct result *res) {
    struct globals *g = &objglobals[o];
    if (o < 0 || o >= MAX_OBJS || g->copied || !g->len) return 0;
    int a = g->arena, p = -1;
    for (int i = 0; i < MAX_PROCS && p < 0; i++) if (procs[i].live && (procs[i].maps >> a & 1)) p = i;
    if (a >= narenas_created || arenas[a].fd < 0 || p < 0) {
        res->not_observable = 1;
        snprintf(res->note, sizeof res->note, "no process maps arena %d for the copy of the __arena globals", a);
        return -1;
    }
    for (size_t at = 0; at < g->len; at += MAX_CODE) {
        struct cmd c = {0};
        c.a[0] = arenas[a].base + g->off + (long)at;
        c.size = g->len - at < MAX_CODE ? (int)(g->len - at) : MAX_CODE;
        memcpy(c.code, g->bytes + at, c.size);
        if (worker_step(W_POKE, p, &c, res)) return -1;
        res->has_ret = 0;
        if (res->signo) return -1;
    }
    g->copied = 1;
    return 0;
}

/* A scenario program: its instructions with the ctx prologue/epilogue OpEncoder added; the map
 * and kfunc references are patched here (fds and BTF ids exist only in the guest). */
static void run_program(struct result *res) {
    /* R prog nargs args... */
    int pi = N(4), nargs = N(5);
    struct prog *pr = &progs[pi];
    if (!pr->loaded) {
        pr->loaded = 1;
        char rel[2048];
        snprintf(rel, sizeof rel, "%s", pr->relocs);
        for (char *s = strtok(rel, ";"); s; s = strtok(NULL, ";")) {
            char kind;
            int at;
            char name[128];
            if (sscanf(s, "%c:%d:%127s", &kind, &at, name) != 3 || at >= pr->n) continue;
            if (kind == 'y') {
                if (copy_globals(atoi(name), res)) { pr->loaded = 0; return; }
            } else if (kind == 'd') {
                int d = atoi(name);
                if (d < 0 || d >= MAX_DMAPS || dmap_fd[d] < 0) { pr->load_err = 1; snprintf(pr->log_line, sizeof pr->log_line, "data map %d not created", d); break; }
                pr->insns[at].imm = dmap_fd[d];
            } else if (kind == 'm' || kind == 'a') {
                int a = atoi(name);
                if (a >= narenas_created || arenas[a].fd < 0) { pr->load_err = 1; snprintf(pr->log_line, sizeof pr->log_line, "map %d not created", a); break; }
                pr->insns[at].imm = arenas[a].fd;
            } else if (kind == 'v') {
                pr->insns[at].imm = result_map;
            } else if (kind == 'k') {
                int id = btf_func_id(name);
                if (id < 0) { pr->load_err = 1; snprintf(pr->log_line, sizeof pr->log_line, "kernel has no kfunc %s", name); break; }
                pr->insns[at].imm = id;
            }
        }
        if (pr->load_err) { res->not_observable = 1; snprintf(res->note, sizeof res->note, "%s", pr->log_line); return; }
        long fd = prog_load(pr->insns, pr->n, pr->sleepable);
        if (fd < 0) {
            /* a refused load is tried again at the next run, as the scenario's loader does (the arena may be placed by then) */
            pr->loaded = 0;
            res->has_ret = 1;
            res->ret = fd;
            snprintf(res->note, sizeof res->note, "verifier: %s", last_log);
            return;
        }
        pr->fd = fd;
    }
    if (pr->load_err) { res->not_observable = 1; snprintf(res->note, sizeof res->note, "%s", pr->log_line); return; }
    uint64_t ctx[6] = {0};
    for (int i = 0; i < nargs && i < 5; i++) ctx[i] = E(6 + i);
    long r = test_run(pr->fd, pr->sleepable, ctx);
    res->has_ret = 1;
    res->ret = r < 0 ? r : (long)ctx[5];
    if (r < 0) snprintf(res->note, sizeof res->note, "test_run failed");
}

static void map_op(struct result *res) {
    /* M name arena */
    const char *op = tok[4];
    int a = N(5);
    if (a >= narenas_created || arenas[a].fd < 0) { res->not_observable = 1; snprintf(res->note, sizeof res->note, "no arena %d", a); return; }
    char attr[256] = {0};
    uint32_t fd = arenas[a].fd;
    memcpy(attr, &fd, 4);
    int cmd = !strcmp(op, "lookup") ? BPF_MAP_LOOKUP_ELEM : !strcmp(op, "update") ? BPF_MAP_UPDATE_ELEM
            : !strcmp(op, "delete") ? BPF_MAP_DELETE_ELEM : !strcmp(op, "get_next_key") ? BPF_MAP_GET_NEXT_KEY : BPF_MAP_FREEZE;
    res->has_ret = 1;
    res->ret = bpf_as_scenario(cmd, attr, sizeof attr);
}

static void create_arena(struct result *res) {
    /* A idx max_entries flags map_extra key_size value_size */
    int a = N(4);
    uint64_t extra = E(7), me = E(5);
    long fd = map_create(33, E(8), E(9), me, E(6), extra, 1);
    if (a >= MAX_ARENAS) { res->not_observable = 1; return; }
    if (narenas_created <= a) narenas_created = a + 1;
    res->has_ret = 1;
    res->ret = fd < 0 ? fd : 0;
    arenas[a].fd = fd < 0 ? -1 : (int)fd;
    if (fd >= 0) {
        arenas[a].base = extra;
        arenas[a].end = extra ? (long)(extra + (uint64_t)me * 4096) : 0;
        for (int i = 0; i < MAX_PROCS; i++) {
            if (!procs[i].live) continue;
            struct cmd c = {W_TAKEFD, a, {0}};
            send_fd(procs[i].sock, &c, sizeof c, (int)fd);
        }
    }
}

static int worker_step(int op, int p, struct cmd *c, struct result *res) {
    struct rep r = {0};
    int fd = -1;
    c->op = op;
    if (call_worker(p, c, &r, &fd)) return -1;
    res->has_ret = r.has_ret;
    res->ret = r.ret;
    res->signo = r.signo;
    res->code = r.code;
    res->addr = r.addr;
    res->has_value = r.has_value;
    res->value = r.value;
    if (op == W_FORK && fd >= 0) {
        int child = N(4);
        if (child < MAX_PROCS) { procs[child].live = 1; procs[child].pid = r.pid; procs[child].sock = fd; procs[child].maps = procs[p].maps; }
    }
    return 0;
}

/* Runs one step line; returns -1 when the scenario cannot go on (a worker died). */
static int run_step(char *line) {
    split(line);
    /* T step op proc bind ... */
    if (ntok < 4) return 0;
    int step = N(1), p = N(3), bind = N(4);
    char op = tok[2][0];
    struct result res = {0};
    unbound = unexpressible = 0;
    /* the operands start at token 5; shift so that each op reads from 4 */
    for (int i = 4; i + 1 < ntok; i++) tok[i] = tok[i + 1];
    ntok--;
    struct cmd c = {0};
    int died = 0;
    switch (op) {
    case 'A': create_arena(&res); break;
    case 'm': {
        long addr = E(4), len = E(5), prot = N(6), flags = N(7), off = E(8);
        int anon = N(9), a = N(10);
        if (unbound || unexpressible) break;
        c.a[0] = addr; c.a[1] = len; c.a[2] = prot; c.a[3] = flags | (anon ? 0x20 : 0); c.a[4] = off; c.a[5] = anon ? -1 : a;
        if (!anon && (a >= narenas_created || arenas[a].fd < 0)) { res.not_observable = 1; snprintf(res.note, sizeof res.note, "no arena %d", a); break; }
        died = worker_step(W_MMAP, p, &c, &res);
        /* the first mapping of an arena without map_extra fixes user_vm_start/end (arena_map_mmap) */
        if (!died && !anon && res.ret > 0 && arenas[a].base == 0) { arenas[a].base = res.ret; arenas[a].end = res.ret + ((len + 4095) & ~4095L); }
        if (!died && !anon && (res.ret > 0 || res.ret < -4095)) procs[p].maps |= 1u << a;
        break;
    }
    case 'u': c.a[0] = E(4); c.a[1] = E(5); if (!unbound) died = worker_step(W_MUNMAP, p, &c, &res); break;
    case 'p': c.a[0] = E(4); c.a[1] = E(5); c.a[2] = N(6); if (!unbound) died = worker_step(W_MPROTECT, p, &c, &res); break;
    case 'r': c.a[0] = E(4); c.a[1] = E(5); c.a[2] = E(6); c.a[3] = N(7); c.a[4] = E(8); if (!unbound) died = worker_step(W_MREMAP, p, &c, &res); break;
    case 'f': died = worker_step(W_FORK, p, &c, &res); break;
    case 'x': {
        struct rep r;
        c.op = W_EXIT;
        call_worker(p, &c, &r, NULL);
        /* EOF on the socket: the worker's files are closed, which do_exit does after exit_mm */
        char b;
        while (recv(procs[p].sock, &b, 1, 0) > 0) {}
        close(procs[p].sock);
        procs[p].live = 0;
        procs[p].maps = 0;
        break;
    }
    case 'R': c.a[0] = E(4); c.size = N(5); if (!unbound) died = worker_step(W_READ, p, &c, &res); break;
    case 'W': c.a[0] = E(4); c.size = N(5); c.a[1] = E(6); if (!unbound) died = worker_step(W_WRITE, p, &c, &res); break;
    case 'C': c.a[0] = E(4); c.a[1] = E(5); c.a[2] = E(6); if (!unbound) died = worker_step(W_COPY, p, &c, &res); break;
    case 'X': {
        /* X hex rdi rsi rdx rcx r8 r9 */
        const char *hex = tok[4];
        int n = 0;
        for (; hex[2 * n] && hex[2 * n + 1] && n < MAX_CODE; n++) {
            char b[3] = {hex[2 * n], hex[2 * n + 1], 0};
            c.code[n] = (unsigned char)strtoul(b, NULL, 16);
        }
        c.size = n;
        for (int i = 0; i < 6; i++) c.a[i] = E(5 + i);
        if (!unbound) died = worker_step(W_CODE, p, &c, &res);
        break;
    }
    case 'K': kfunc_step(&res); break;
    case 'P': run_program(&res); break;
    case 'M': map_op(&res); break;
    case 'N': break; /* observe only */
    }
    if (unexpressible) { res.not_observable = 1; snprintf(res.note, sizeof res.note, "an operand needs what the runner cannot know (kern_vm_start, or sym() of a program object's __arena global)"); }
    if (unbound && !res.not_observable) { res.not_observable = 1; snprintf(res.note, sizeof res.note, "an operand names a symbol without a value"); }
    if (bind >= 0 && bind < MAX_SLOTS && res.has_ret) { slots[bind] = res.ret; slot_set[bind] = 1; }
    oput("@@ORACLE {\"sc\":%d,\"st\":%d", sc_index, step);
    if (died) oput(",\"error\":\"process %d died\"", p);
    if (res.not_observable) oput(",\"no\":1");
    if (res.has_ret) oput(",\"ret\":%ld", res.ret);
    if (res.has_value) oput(",\"val\":%ld", res.value);
    if (res.signo) oput(",\"sig\":[%d,%d,%ld]", res.signo, res.code, res.addr);
    if (res.note[0]) { oput(",\"note\":"); ostr(res.note); }
    observe_state();
    oput("}");
    oflush();
    return died ? -1 : 0;
}

/* ---------------------------------------------------------------- scenarios */

static void load_prog(char *line) {
    /* P idx sleepable n hex... relocs */
    split(line);
    int i = N(1);
    if (i >= MAX_PROGS || ntok < 4) return;
    struct prog *pr = &progs[i];
    pr->sleepable = N(2);
    pr->n = N(3);
    pr->insns = calloc(pr->n + 1, sizeof(struct insn));
    for (int k = 0; k < pr->n && 4 + k < ntok; k++) {
        unsigned long long raw = strtoull(tok[4 + k], NULL, 16);
        memcpy(&pr->insns[k], &raw, 8);
    }
    if (4 + pr->n < ntok) snprintf(pr->relocs, sizeof pr->relocs, "%s", tok[4 + pr->n]);
}

static void run_controller(char **lines, int n, int nprocs, uint64_t drop) {
    setpgid(0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    drop_caps = drop;
    for (int a = 0; a < MAX_ARENAS; a++) arenas[a].fd = -1;
    for (int d = 0; d < MAX_DMAPS; d++) dmap_fd[d] = -1;
    result_map = io_map_create();
    for (int i = 0; i < nprocs && i < MAX_PROCS; i++) spawn_worker(i);
    for (int i = 0; i < n; i++) {
        if (lines[i][0] == 'P') load_prog(lines[i]);
        else if (lines[i][0] == 'D') data_map(lines[i]);
        else if (lines[i][0] == 'Y') object_globals(lines[i]);
        else if (lines[i][0] == 'T' && run_step(lines[i])) break;
    }
    for (int i = 0; i < MAX_PROCS; i++) if (procs[i].live) kill(procs[i].pid, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
    _exit(0);
}

/* ---------------------------------------------------------------- program images (oracle --jit) */

/*
 * An object block ("O" line, then "G" maps and "J" programs) loads programs as libbpf would have
 * (OpEncoder/JitOpEncoder did the ELF, BTF and relocation work on the host) and prints what
 * BPF_OBJ_GET_INFO_BY_FD shows of each: the xlated and jited images, each function's length and
 * address. Nothing runs; the block's process exits and its maps and programs go with it.
 */
#define BPF_MAP_TYPE_ARENA 33
#define BPF_OBJ_GET_INFO_BY_FD 15
#define MAX_JMAPS 32

static int jmap_fd[MAX_JMAPS];
static long jmap_err[MAX_JMAPS];

/* Hex to bytes (malloc'd; "-" is empty). */
static unsigned char *unhex(const char *h, size_t *len) {
    size_t n = strcmp(h, "-") ? strlen(h) / 2 : 0;
    unsigned char *b = calloc(n + 8, 1);
    for (size_t i = 0; i < n; i++) {
        char x[3] = {h[2 * i], h[2 * i + 1], 0};
        b[i] = (unsigned char)strtoul(x, NULL, 16);
    }
    *len = n;
    return b;
}

static void ohex(const void *p, size_t n) {
    const unsigned char *b = p;
    oput("\"");
    for (size_t i = 0; i < n; i++) oput("%02x", b[i]);
    oput("\"");
}

static void object_map(void) {
    /* G idx type key_size value_size max_entries flags map_extra init_hex freeze globals_off globals_hex */
    int i = N(1);
    if (i < 0 || i >= MAX_JMAPS) return;
    uint32_t type = N(2), vs = N(4), me = N(5);
    uint64_t extra = strtoull(tok[7], NULL, 0);
    long fd = map_create(type, N(3), vs, me, strtoul(tok[6], NULL, 0), extra, 0);
    jmap_fd[i] = fd < 0 ? -1 : (int)fd;
    jmap_err[i] = fd < 0 ? fd : 0;
    if (fd < 0) return;
    size_t ilen, glen;
    unsigned char *init = unhex(tok[8], &ilen), *globals = unhex(tok[11], &glen);
    if (type == BPF_MAP_TYPE_ARENA) {
        /* libbpf maps the arena right after creating it (user_vm_start is fixed then) and copies the __arena globals in */
        void *base = mmap((void *)extra, (size_t)me * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | (extra ? MAP_FIXED : 0), (int)fd, 0);
        if (base == MAP_FAILED) jmap_err[i] = -errno;
        else if (glen) memcpy((char *)base + N(10), globals, glen);
    } else if (ilen) {
        unsigned char *value = calloc(vs + 8, 1);
        memcpy(value, init, ilen < vs ? ilen : vs);
        long r = map_elem0((int)fd, BPF_MAP_UPDATE_ELEM, value);
        if (r < 0) jmap_err[i] = r;
        free(value);
    }
    if (N(9)) {
        long r = map_freeze((int)fd);
        if (r < 0) jmap_err[i] = r;
    }
    free(init);
    free(globals);
}

/* BPF_OBJ_GET_INFO_BY_FD: struct bpf_prog_info offsets (include/uapi/linux/bpf.h). */
enum { PI_JITED_LEN = 16, PI_XLATED_LEN = 20, PI_JITED = 24, PI_XLATED = 32, PI_NR_KSYMS = 104, PI_NR_FUNC_LENS = 108,
       PI_KSYMS = 112, PI_FUNC_LENS = 120, PI_SIZE = 232 };

static long prog_info(int fd, unsigned char *info) {
    char attr[256] = {0};
    uint32_t f32 = (uint32_t)fd, len = PI_SIZE;
    uint64_t ip = (uint64_t)(uintptr_t)info;
    memcpy(attr + 0, &f32, 4);
    memcpy(attr + 4, &len, 4);
    memcpy(attr + 8, &ip, 8);
    return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, attr, sizeof attr);
}

static uint32_t u32at(const unsigned char *p, int off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static void setptr(unsigned char *p, int off, void *v) { uint64_t x = (uint64_t)(uintptr_t)v; memcpy(p + off, &x, 8); }

static void object_prog(void) {
    /* J idx prog_type prog_flags insn_hex relocs ("m:insn:map" fd, "v:insn:map" map value, "k:insn:kfunc") */
    int idx = N(1);
    uint32_t type = N(2), flags = strtoul(tok[3], NULL, 0);
    size_t bytes;
    struct insn *p = (struct insn *)unhex(tok[4], &bytes);
    int n = (int)(bytes / 8);
    oput("@@ORACLE {\"sc\":%d,\"st\":%d,\"jit\":1", sc_index, idx);
    char why[200] = "";
    char *rel = ntok > 5 && strcmp(tok[5], "-") ? tok[5] : NULL;
    for (char *s = rel ? strtok(rel, ";") : NULL; s && !why[0]; s = strtok(NULL, ";")) {
        char kind, name[128];
        int at;
        if (sscanf(s, "%c:%d:%127s", &kind, &at, name) != 3 || at < 0 || at >= n) { snprintf(why, sizeof why, "bad relocation %s", s); break; }
        if (kind == 'm' || kind == 'v') {
            int m = atoi(name);
            if (m < 0 || m >= MAX_JMAPS || jmap_fd[m] < 0 || jmap_err[m]) { snprintf(why, sizeof why, "map %d: %ld", m, m >= 0 && m < MAX_JMAPS ? jmap_err[m] : -1L); break; }
            p[at].imm = jmap_fd[m];
        } else if (kind == 'k') {
            int id = btf_func_id(name);
            if (id < 0) { snprintf(why, sizeof why, "kernel has no kfunc %s", name); break; }
            p[at].imm = id;
        }
    }
    if (why[0]) {
        oput(",\"no\":1,\"note\":");
        ostr(why);
    } else {
        long fd = prog_load_as(p, n, type, flags);
        oput(",\"ret\":%ld", fd < 0 ? fd : 0);
        if (fd < 0) {
            oput(",\"note\":");
            ostr(last_log);
        } else {
            unsigned char info[PI_SIZE] = {0};
            long r = prog_info((int)fd, info);
            uint32_t jl = u32at(info, PI_JITED_LEN), xl = u32at(info, PI_XLATED_LEN), nk = u32at(info, PI_NR_KSYMS), nf = u32at(info, PI_NR_FUNC_LENS);
            unsigned char *jited = calloc(jl + 1, 1), *xlated = calloc(xl + 1, 1);
            uint64_t *ksyms = calloc(nk + 1, 8);
            uint32_t *lens = calloc(nf + 1, 4);
            memset(info, 0, sizeof info);
            memcpy(info + PI_JITED_LEN, &jl, 4);
            memcpy(info + PI_XLATED_LEN, &xl, 4);
            memcpy(info + PI_NR_KSYMS, &nk, 4);
            memcpy(info + PI_NR_FUNC_LENS, &nf, 4);
            setptr(info, PI_JITED, jited);
            setptr(info, PI_XLATED, xlated);
            setptr(info, PI_KSYMS, ksyms);
            setptr(info, PI_FUNC_LENS, lens);
            if (r >= 0) r = prog_info((int)fd, info);
            if (r < 0) {
                oput(",\"note\":\"BPF_OBJ_GET_INFO_BY_FD: %ld\"", r);
            } else {
                oput(",\"xlated\":");
                ohex(xlated, u32at(info, PI_XLATED_LEN) < xl ? u32at(info, PI_XLATED_LEN) : xl);
                oput(",\"jited\":");
                ohex(jited, u32at(info, PI_JITED_LEN) < jl ? u32at(info, PI_JITED_LEN) : jl);
                oput(",\"lens\":[");
                for (uint32_t k = 0; k < nf; k++) oput("%s%u", k ? "," : "", lens[k]);
                oput("],\"ksyms\":[");
                for (uint32_t k = 0; k < nk; k++) oput("%s\"%llx\"", k ? "," : "", (unsigned long long)ksyms[k]);
                oput("]");
            }
            free(jited);
            free(xlated);
            free(ksyms);
            free(lens);
            close((int)fd);
        }
    }
    free(p);
    oput("}");
    oflush();
}

/*
 * The addresses of the arena kfuncs (/proc/kallsyms, readable with CAP_SYSLOG): the host resolves
 * the jited images' kfunc calls to these symbols. Printed once per boot, before the first object.
 */
static void print_kfunc_symbols(void) {
    FILE *f = fopen("/proc/kallsyms", "r");
    oput("@@ORACLE {\"kallsyms\":{");
    int first = 1;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long addr;
        char type, name[256];
        if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || strncmp(name, "bpf_arena_", 10)) continue;
        if (type != 'T' && type != 't') continue;
        oput("%s\"%s\":\"%llx\"", first ? "" : ",", name, addr);
        first = 0;
    }
    if (f) fclose(f);
    oput("}}");
    oflush();
}

static void run_object(char **lines, int n) {
    setpgid(0, 0);
    for (int i = 0; i < MAX_JMAPS; i++) jmap_fd[i] = -1;
    for (int i = 0; i < n; i++) {
        char c = lines[i][0];
        if (c != 'G' && c != 'J') continue;
        split(lines[i]);
        if (c == 'G' && ntok >= 12) object_map();
        else if (c == 'J' && ntok >= 5) object_prog();
    }
    _exit(0);
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int s) { (void)s; alarmed = 1; }

int main(int argc, char **argv) {
    const char *in = argc > 1 ? argv[1] : "/scenarios.txt";
    if (argc > 2) {
        out_fd = open(argv[2], O_WRONLY | O_NOCTTY);
        if (out_fd < 0) { perror(argv[2]); return 1; }
    }
    FILE *f = fopen(in, "r");
    if (!f) { perror(in); return 1; }
    int cap = 1024, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    size_t len = 0;
    char *l = NULL;
    ssize_t r;
    while ((r = getline(&l, &len, f)) >= 0) {
        if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = strdup(l);
    }
    fclose(f);
    load_btf();
    struct utsname_like { char s[400]; } u = {{0}};
    int ufd = open("/proc/version", O_RDONLY);
    if (ufd >= 0) { ssize_t k = read(ufd, u.s, sizeof u.s - 1); if (k > 0) u.s[k] = 0; close(ufd); }
    char *nl = strchr(u.s, '\n');
    if (nl) *nl = 0;
    oput("@@ORACLE {\"boot\":");
    ostr(u.s);
    oput(",\"btf\":%d}", btf_len > 0);
    oflush();
    for (int i = 0; i < n; i++) {
        if (lines[i][0] == 'O') { print_kfunc_symbols(); break; }
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    for (int i = 0; i < n; i++) {
        if (lines[i][0] != 'S' && lines[i][0] != 'O') continue;
        /* S index nprocs drop_caps timeout_ms (a scenario), or O index 0 0 timeout_ms (an object's programs) */
        int object = lines[i][0] == 'O';
        char *copy = strdup(lines[i]);
        split(copy);
        sc_index = N(1);
        int nprocs = N(2);
        uint64_t drop = strtoull(tok[3], NULL, 0);
        long timeout_ms = N(4);
        free(copy);
        int j = i + 1;
        while (j < n && lines[j][0] != 'S' && lines[j][0] != 'O') j++;
        oput("@@ORACLE {\"sc\":%d,\"begin\":1}", sc_index);
        oflush();
        pid_t c = fork();
        if (c == 0 && object) run_object(lines + i + 1, j - i - 1);
        if (c == 0) run_controller(lines + i + 1, j - i - 1, nprocs, drop);
        alarmed = 0;
        alarm((unsigned)((timeout_ms + 999) / 1000));
        int status = 0;
        pid_t w;
        while ((w = waitpid(c, &status, 0)) < 0 && errno == EINTR && !alarmed) {}
        alarm(0);
        if (w != c) {
            kill(-c, SIGKILL);
            kill(c, SIGKILL);
            waitpid(c, &status, 0);
            oput("@@ORACLE {\"sc\":%d,\"timeout\":%ld}", sc_index, timeout_ms);
        } else if (WIFSIGNALED(status)) {
            oput("@@ORACLE {\"sc\":%d,\"crash\":\"signal %d\"}", sc_index, WTERMSIG(status));
        } else {
            oput("@@ORACLE {\"sc\":%d,\"end\":1}", sc_index);
        }
        kill(-c, SIGKILL);
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        oflush();
        i = j - 1;
    }
    oput("@@ORACLE {\"done\":1}");
    oflush();
    return 0;
}
