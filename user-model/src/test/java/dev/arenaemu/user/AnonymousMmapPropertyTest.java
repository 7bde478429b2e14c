package dev.arenaemu.user;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random sequences of MAP_FIXED mmap, munmap, mprotect, loads and stores over a 12-page window,
 * run at CPL3 and checked against a page-granular reference model of Linux semantics; after
 * every step the VMA set and the PTEs must agree with each other ({@link MmChecks}). Programs
 * come from a seeded generator: the same seed gives the same program.
 */
class AnonymousMmapPropertyTest {
    static final long WINDOW = 0x6000_0000_0000L;
    static final int PAGES = 12;
    static final long PAGE = 4096;

    enum Kind { MAP, UNMAP, PROTECT, LOAD, STORE }

    record Op(Kind kind, int page, int count, int prot, long value) {}

    /** The reference: per page, mapped or not, its protection and its first word. */
    static final class Model {
        final boolean[] mapped = new boolean[PAGES];
        final int[] prot = new int[PAGES];
        final long[] word = new long[PAGES];

        long mprotect(int from, int to, int p) {
            if (!mapped[from]) return Errno.ENOMEM.neg();
            for (int i = from; i < to; i++) {
                if (!mapped[i]) return Errno.ENOMEM.neg();   // VMAs before the hole stay changed
                prot[i] = p;
            }
            return 0;
        }

        UserResult load(int i) {
            long va = WINDOW + i * PAGE;
            if (!mapped[i]) return new UserResult.Signaled(Signal.segvMaperr(va));
            if (prot[i] == Prot.NONE) return new UserResult.Signaled(Signal.segvAccerr(va));
            return new UserResult.Value(word[i]);
        }

        UserResult store(int i, long v) {
            long va = WINDOW + i * PAGE;
            if (!mapped[i]) return new UserResult.Signaled(Signal.segvMaperr(va));
            if ((prot[i] & Prot.WRITE.bit) == 0) return new UserResult.Signaled(Signal.segvAccerr(va));
            word[i] = v;
            return new UserResult.Value(0);
        }
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 40);
    }

    static List<Op> program(long seed) {
        Random r = new Random(seed);
        int[] prots = {Prot.NONE, Prot.READ.bit, Prot.RW};
        List<Op> ops = new ArrayList<>();
        for (int n = 1 + r.nextInt(30); n > 0; n--) {
            ops.add(new Op(Kind.values()[r.nextInt(Kind.values().length)], r.nextInt(PAGES), 1 + r.nextInt(4),
                prots[r.nextInt(prots.length)], 1 + (r.nextLong() & Long.MAX_VALUE - 1)));
        }
        return ops;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void mmFollowsThePageModelAndStaysConsistent(long seed) {
        List<Op> program = program(seed);
        try (UserWorld w = new UserWorld()) {
            Process p = w.processes.spawn();
            Model m = new Model();
            for (Op op : program) {
                int from = op.page(), to = Math.min(PAGES, op.page() + op.count());
                long va = WINDOW + from * PAGE, len = (to - from) * PAGE;
                switch (op.kind()) {
                    case MAP -> {
                        long flags = MapFlag.PRIVATE.bit | MapFlag.ANONYMOUS.bit | MapFlag.FIXED.bit;
                        assertEquals(va, p.mmap(va, len, op.prot(), flags, -1, 0), op.toString());
                        for (int i = from; i < to; i++) { m.mapped[i] = true; m.prot[i] = op.prot(); m.word[i] = 0; }
                    }
                    case UNMAP -> {
                        assertEquals(0, p.munmap(va, len), op.toString());
                        for (int i = from; i < to; i++) m.mapped[i] = false;
                    }
                    case PROTECT -> assertEquals(m.mprotect(from, to, op.prot()), p.mprotect(va, len, op.prot()), op.toString());
                    case LOAD -> assertEquals(m.load(from), p.user().load(va, 8), op.toString());
                    case STORE -> assertEquals(m.store(from, op.value()), p.user().store(va, 8, op.value()), op.toString());
                }
                MmChecks.consistent(p.mm());
            }
            for (int i = 0; i < PAGES; i++) assertEquals(m.load(i), p.user().load(WINDOW + i * PAGE, 8), "final page " + i);
        }
    }
}
