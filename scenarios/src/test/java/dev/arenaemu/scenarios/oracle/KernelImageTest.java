package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Era;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelImageTest {
    /** A minimal bzImage: "HdrS" at 0x202 and the kernel_version pointer at 0x20e (+0x200). */
    static Path bzImage(Path dir, String version) throws Exception {
        byte[] b = new byte[0x2000];
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, b, 0x202, 4);
        int at = 0x1000;
        b[0x20e] = (byte) ((at - 0x200) & 0xff);
        b[0x20f] = (byte) ((at - 0x200) >> 8);
        byte[] v = version.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(v, 0, b, at, v.length);
        return Files.write(dir.resolve("bzImage"), b);
    }

    @Test
    void releaseAndEraFromTheSetupHeader(@TempDir Path dir) throws Exception {
        KernelImage k = KernelImage.of("x", bzImage(dir, "7.3.4+deb13-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP"));
        assertEquals("7.3.4+deb13-cloud-amd64", k.release());
        assertEquals(Era.LATEST, k.era());
        assertNull(k.eraNote());
        assertEquals(Era.V7_0, KernelImage.of("x", bzImage(dir, "7.2.12+deb13-cloud-amd64 #1")).era());
        KernelImage stable612 = KernelImage.of("x", bzImage(dir, "6.12.117+deb13-cloud-amd64 #1"));
        assertEquals(Era.V6_12_STABLE, stable612.era(), "6.12.91+ carry the split/mremap/DONTCOPY fix and the NUMA check");
        assertNull(stable612.eraNote());
        assertEquals(Era.V6_10, KernelImage.of("x", bzImage(dir, "6.12.10 #1")).era(), "v6.10 (E2) covers 6.10 to 6.12 before the backports");
        KernelImage partial = KernelImage.of("x", bzImage(dir, "6.12.89 #1"));
        assertEquals(Era.V6_10, partial.era());
        assertTrue(partial.eraNote().contains("6.12.88"), partial.eraNote());
        assertEquals(Era.V7_0_STABLE, KernelImage.of("x", bzImage(dir, "7.0.13+deb13-cloud-amd64 #1")).era());
        assertEquals(Era.V7_0, KernelImage.of("x", bzImage(dir, "7.0.3 #1")).era());
        assertEquals(Era.V7_0, KernelImage.of("x", bzImage(dir, "7.0 #1")).era(), "no patch level: the release itself");
        KernelImage asked = stable612.comparedWith(Era.V6_10);   // oracle --era v6.10
        assertEquals(Era.V6_10, asked.era());
        assertTrue(asked.eraNote().contains("the build maps to v6.12-stable"), asked.eraNote());
        assertNull(stable612.comparedWith(Era.V6_12_STABLE).eraNote(), "asking for the build's own profile needs no note");
        assertEquals(Era.V6_9, KernelImage.of("x", bzImage(dir, "6.9.12 #1")).era());
        KernelImage between = KernelImage.of("x", bzImage(dir, "6.17.13+deb13-cloud-amd64 #1"));
        assertEquals(Era.V6_13, between.era());
        assertTrue(between.eraNote().contains("v6.13"), between.eraNote());
    }

    @Test
    void kernelsBeforeTheArenaAreRefused(@TempDir Path dir) throws Exception {
        OracleException e = assertThrows(OracleException.class, () -> KernelImage.of("6.1", bzImage(dir, "6.1.0-28-cloud-amd64 #1")));
        assertTrue(e.getMessage().contains("has no BPF arena"), e.getMessage());
    }
}
