package dev.arenaemu.scenarios.oracle;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpioTest {
    @Test
    void newcEntriesArePaddedAndTrailed() {
        byte[] a = new Cpio().dir("bin").file("init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII)).finish();
        String s = new String(a, StandardCharsets.ISO_8859_1);
        assertEquals(0, a.length % 4);
        assertTrue(s.startsWith("070701"));
        // the file's header: mode 0100755, size 10, name "init\0" (5 bytes)
        int init = s.indexOf("init\0");
        String header = s.substring(init - 110, init);
        assertEquals(String.format("%08x", 0100755), header.substring(14, 22));
        assertEquals(String.format("%08x", 10), header.substring(54, 62));
        assertEquals(String.format("%08x", 5), header.substring(94, 102));
        assertTrue(s.contains("#!/bin/sh\n"));
        assertTrue(s.contains("TRAILER!!!\0"));
    }
}
