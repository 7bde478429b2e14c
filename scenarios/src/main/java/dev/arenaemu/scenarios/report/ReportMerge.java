package dev.arenaemu.scenarios.report;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.arenaemu.scenarios.shard.Shard;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Combines the reports of the shards of one replay or sweep ({@code --shard K/N}) into the report
 * the unsharded run writes: the runs of every shard, in their {@code seq} order (their position
 * in the unsharded run), with the totals recomputed. Refuses reports that do not add up to one
 * whole run: two reports of the same shard, shards of different N, a missing shard, a run that
 * appears twice or a gap in the sequence. Only timings differ from the unsharded report (the
 * testsuite's time is the sum of the testcases' rounded times).
 */
public final class ReportMerge {
    private ReportMerge() {}

    /** Reports that cannot be merged; the message says why and names the file. */
    public static final class MergeException extends Exception {
        MergeException(String message) {
            super(message);
        }
    }

    /**
     * What the merged runs say: how many, how many failed (FAIL), how many could not execute
     * (ERROR: bad input, LIMIT: stopped by a limit), and how many hit an internal error (INTERNAL).
     * JUnit reports tell only failures from errors: there an internal error counts as an error.
     */
    public record Totals(int runs, int failed, int errors, int internal) {}

    public static Totals json(List<Path> inputs, Path output) throws IOException, MergeException {
        List<Map<String, Object>> runs = new ArrayList<>();
        List<String> shards = new ArrayList<>();
        for (Path in : inputs) {
            Map<String, Object> root;
            try {
                root = JsonReport.mapper().readValue(in.toFile(), new TypeReference<Map<String, Object>>() {});
            } catch (IOException e) {
                throw new MergeException(in + ": not a JSON report: " + e.getMessage());
            }
            if (!(root.get("runs") instanceof List<?> list)) throw new MergeException(in + ": not an arena-emu JSON report (no \"runs\")");
            shards.add(root.get("shard") == null ? null : root.get("shard").toString());
            for (Object r : list) {
                if (!(r instanceof Map<?, ?> m) || !(m.get("seq") instanceof Number)) throw new MergeException(in + ": a run without \"seq\" (a report from before sharding?)");
                @SuppressWarnings("unchecked") Map<String, Object> run = (Map<String, Object>) m;
                runs.add(run);
            }
        }
        checkShards(inputs, shards);
        runs.sort(Comparator.comparingInt(r -> ((Number) r.get("seq")).intValue()));
        checkSequence(runs.stream().map(r -> ((Number) r.get("seq")).intValue()).toList(),
            i -> runs.get(i).get("scenario") + " [" + runs.get(i).get("era") + "] " + runs.get(i).get("run"));
        JsonReport.write(output, runs, Shard.ALL);
        int failed = (int) runs.stream().filter(r -> "FAIL".equals(r.get("status"))).count();
        int internal = (int) runs.stream().filter(r -> "INTERNAL".equals(r.get("status"))).count();
        int errors = (int) runs.stream().filter(r -> !"PASS".equals(r.get("status")) && !"FAIL".equals(r.get("status"))).count() - internal;
        return new Totals(runs.size(), failed, errors, internal);
    }

    public static Totals junit(List<Path> inputs, Path output) throws IOException, MergeException {
        List<JunitReport.Case> cases = new ArrayList<>();
        List<String> shards = new ArrayList<>();
        String suite = null;
        for (Path in : inputs) {
            Document doc;
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                doc = f.newDocumentBuilder().parse(in.toFile());
            } catch (Exception e) {
                throw new MergeException(in + ": not a JUnit XML report: " + e.getMessage());
            }
            Element root = doc.getDocumentElement();
            if (!root.getTagName().equals("testsuite")) throw new MergeException(in + ": not an arena-emu JUnit report (root <" + root.getTagName() + ">)");
            if (suite != null && !suite.equals(root.getAttribute("name"))) {
                throw new MergeException(in + ": testsuite \"" + root.getAttribute("name") + "\", the others are \"" + suite + "\"");
            }
            suite = root.getAttribute("name");
            shards.add(root.hasAttribute("shard") ? root.getAttribute("shard") : null);
            NodeList tcs = root.getElementsByTagName("testcase");
            for (int i = 0; i < tcs.getLength(); i++) {
                Element tc = (Element) tcs.item(i);
                if (!tc.hasAttribute("seq")) throw new MergeException(in + ": a testcase without seq (a report from before sharding?)");
                String tag = null, message = null, text = null;
                for (String t : List.of("failure", "error")) {
                    NodeList x = tc.getElementsByTagName(t);
                    if (x.getLength() > 0) {
                        Element e = (Element) x.item(0);
                        tag = t;
                        message = e.getAttribute("message");
                        text = e.getTextContent();
                    }
                }
                cases.add(new JunitReport.Case(tc.getAttribute("classname"), tc.getAttribute("name"), Double.parseDouble(tc.getAttribute("time")),
                    Integer.parseInt(tc.getAttribute("seq")), tag, message, text));
            }
        }
        checkShards(inputs, shards);
        cases.sort(Comparator.comparingInt(JunitReport.Case::seq));
        checkSequence(cases.stream().map(JunitReport.Case::seq).toList(), i -> cases.get(i).classname() + " " + cases.get(i).name());
        JunitReport.write(output, suite, cases, Shard.ALL, cases.stream().mapToDouble(JunitReport.Case::seconds).sum());
        int failed = (int) cases.stream().filter(c -> "failure".equals(c.tag())).count();
        int errors = (int) cases.stream().filter(c -> "error".equals(c.tag())).count();
        return new Totals(cases.size(), failed, errors, 0);
    }

    /** Every input is a different shard of the same N, and all N are there (one unsharded input is fine too). */
    private static void checkShards(List<Path> inputs, List<String> shards) throws MergeException {
        Map<Integer, Path> seen = new TreeMap<>();
        Integer n = null;
        for (int i = 0; i < inputs.size(); i++) {
            if (shards.get(i) == null) {
                if (inputs.size() > 1) throw new MergeException(inputs.get(i) + ": not a shard's report (no shard K/N), cannot be merged with others");
                return;
            }
            Shard s;
            try {
                s = Shard.parse(shards.get(i));
            } catch (IllegalArgumentException e) {
                throw new MergeException(inputs.get(i) + ": " + e.getMessage());
            }
            if (n != null && n != s.count()) throw new MergeException(inputs.get(i) + ": shard " + s + ", but " + inputs.getFirst() + " is shard " + shards.getFirst());
            n = s.count();
            Path other = seen.put(s.index(), inputs.get(i));
            if (other != null) throw new MergeException(inputs.get(i) + ": shard " + s + " again (also " + other + ")");
        }
        if (n != null && seen.size() != n) {
            List<Integer> missing = new ArrayList<>();
            for (int k = 1; k <= n; k++) if (!seen.containsKey(k)) missing.add(k);
            throw new MergeException("shard(s) " + missing + " of " + n + " missing");
        }
    }

    /** Sorted seqs must be exactly 0, 1, ..., size-1. */
    private static void checkSequence(List<Integer> seqs, java.util.function.IntFunction<String> name) throws MergeException {
        for (int i = 0; i < seqs.size(); i++) {
            if (i > 0 && seqs.get(i).equals(seqs.get(i - 1))) throw new MergeException("run seq " + seqs.get(i) + " appears twice (" + name.apply(i) + ")");
            if (seqs.get(i) != i) throw new MergeException("runs missing before seq " + seqs.get(i) + " (" + name.apply(i) + "): the shards do not add up to one run");
        }
    }
}
