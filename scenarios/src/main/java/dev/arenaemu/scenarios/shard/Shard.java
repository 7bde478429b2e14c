package dev.arenaemu.scenarios.shard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Shard K of N ({@code --shard K/N}, 1 <= K <= N): which runs of a replay or sweep this process
 * executes. A run belongs to the shard given by a SHA-256 of its stable id (scenario name, era,
 * run name; see {@link #id}), so the split depends neither on the machine's file order nor on
 * which other runs exist: every machine that reads the same scenarios puts each run in the same
 * shard, and every run is in exactly one shard.
 */
public record Shard(int index, int count) {
    /** Everything: the unsharded run. */
    public static final Shard ALL = new Shard(1, 1);

    public Shard {
        if (count < 1 || index < 1 || index > count) throw new IllegalArgumentException("shard must be K/N with 1 <= K <= N, not " + index + "/" + count);
    }

    /** Parses "K/N". */
    public static Shard parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("shard must be K/N (e.g. 2/4), not '" + text + "'");
        try {
            return new Shard(Integer.parseInt(text.substring(0, slash).trim()), Integer.parseInt(text.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shard must be K/N (e.g. 2/4), not '" + text + "'");
        }
    }

    /** The stable id of a run: what decides its shard. */
    public static String id(String scenario, String era, String run) {
        return scenario + "\u0000" + era + "\u0000" + run;
    }

    /** Whether the run with this stable id belongs to this shard. */
    public boolean owns(String id) {
        return count == 1 || shardOf(id, count) == index;
    }

    /** The shard (1..count) of a stable id: the first 8 bytes of its SHA-256, unsigned, modulo count. */
    public static int shardOf(String id, int count) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);   // every JDK has SHA-256
        }
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (h[i] & 0xFF);
        return (int) Long.remainderUnsigned(v, count) + 1;
    }

    public boolean sharded() {
        return count > 1;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
