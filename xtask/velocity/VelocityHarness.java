import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.commons.collections.ExtendedProperties;
import org.apache.velocity.Template;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.context.Context;
import org.apache.velocity.exception.ParseErrorException;
import org.apache.velocity.exception.ResourceNotFoundException;
import org.apache.velocity.exception.TemplateInitException;
import org.apache.velocity.runtime.RuntimeConstants;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.runtime.parser.ParseException;
import org.apache.velocity.runtime.parser.node.SimpleNode;
import org.apache.velocity.runtime.resource.Resource;
import org.apache.velocity.runtime.resource.loader.ResourceLoader;

/**
 * Differential harness: renders VTL templates with the real Apache Velocity 1.7 so Tollgate's engine can be
 * compared with it byte for byte. See README.md next to this file for the contract (modes, JSON conversion,
 * engine configuration, the .out/.err golden format).
 *
 * JDK only, besides Velocity 1.7 and its two dependencies (commons-collections 3, commons-lang 2).
 */
public final class VelocityHarness {

    private static final String USAGE = "usage: VelocityHarness render TEMPLATE.vm [VARS.json]\n"
            + "       VelocityHarness golden DIR\n"
            + "       VelocityHarness bench DIR [ITERATIONS]\n";

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (HarnessException e) {
            System.err.println("velocity harness: " + e.getMessage());
            System.exit(2);
        } catch (IOException e) {
            System.err.println("velocity harness: I/O error: " + e);
            System.exit(2);
        }
    }

    private static int run(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.print(USAGE);
            return 2;
        }
        switch (args[0]) {
            case "render":
                if (args.length < 2 || args.length > 3) {
                    throw new HarnessException("render takes TEMPLATE.vm [VARS.json]\n" + USAGE);
                }
                return renderCommand(Paths.get(args[1]), args.length == 3 ? Paths.get(args[2]) : null);
            case "golden":
                if (args.length != 2) {
                    throw new HarnessException("golden takes DIR\n" + USAGE);
                }
                return goldenCommand(Paths.get(args[1]));
            case "bench":
                if (args.length < 2 || args.length > 3) {
                    throw new HarnessException("bench takes DIR [ITERATIONS]\n" + USAGE);
                }
                int iterations = 0; // 0: pick a batch size that runs about half a second
                if (args.length == 3) {
                    try {
                        iterations = Integer.parseInt(args[2]);
                    } catch (NumberFormatException e) {
                        throw new HarnessException("ITERATIONS must be a positive integer, got `" + args[2] + "`");
                    }
                    if (iterations <= 0) {
                        throw new HarnessException("ITERATIONS must be a positive integer, got `" + args[2] + "`");
                    }
                }
                return benchCommand(Paths.get(args[1]), iterations);
            default:
                throw new HarnessException("unknown mode `" + args[0] + "`\n" + USAGE);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Modes

    private static int renderCommand(Path template, Path vars) throws IOException {
        Outcome outcome = renderCase(template, vars);
        if (outcome.output != null) {
            System.out.write(outcome.output);
            System.out.flush();
            return 0;
        }
        System.err.print(outcome.error);
        return 1;
    }

    private static int goldenCommand(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new HarnessException("not a directory: " + dir);
        }
        // JDK 19 changed Double.toString to the shortest representation; the goldens pin the older algorithm
        // (Java 8 to 18), which prints 1e23 as 9.999999999999999E22.
        String probe = Double.toString(1.0e23);
        if (!probe.equals("9.999999999999999E22")) {
            throw new HarnessException("this JDK (" + System.getProperty("java.version") + ") prints 1e23 as " + probe
                    + ": golden outputs need a JDK from 8 to 18, whose Double.toString they pin");
        }
        int rendered = 0;
        int failed = 0;
        for (Path template : listFiles(dir, ".vm")) {
            Path vars = sibling(template, ".json");
            Outcome outcome = renderCase(template, Files.exists(vars) ? vars : null);
            Path out = sibling(template, ".out");
            Path err = sibling(template, ".err");
            if (outcome.output != null) {
                writeIfChanged(out, outcome.output);
                Files.deleteIfExists(err);
                rendered++;
            } else {
                writeIfChanged(err, outcome.error.getBytes(StandardCharsets.UTF_8));
                Files.deleteIfExists(out);
                failed++;
            }
        }
        // Outputs whose template is gone would silently rot: name them (never delete what we did not write).
        List<Path> orphans = new ArrayList<>();
        for (Path file : listFiles(dir, ".out", ".err")) {
            if (!Files.exists(sibling(file, ".vm"))) {
                orphans.add(file);
            }
        }
        for (Path orphan : orphans) {
            System.err.println("warning: output without a template: " + orphan);
        }
        System.out.println("golden: " + (rendered + failed) + " cases, " + rendered + " rendered (.out), "
                + failed + " failed (.err)");
        return 0;
    }

    private static int benchCommand(Path dir, int iterations) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new HarnessException("not a directory: " + dir);
        }
        List<Path> templates = listFiles(dir, ".vm");
        if (templates.isEmpty()) {
            throw new HarnessException("no *.vm under " + dir);
        }
        for (Path template : templates) {
            Path vars = sibling(template, ".json");
            String name = dir.relativize(template).toString().replace('\\', '/');
            name = name.substring(0, name.length() - ".vm".length());
            System.out.println(name + " ns_per_render=" + benchOne(template, Files.exists(vars) ? vars : null,
                    iterations));
            System.out.flush();
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rendering

    /** Either the rendered bytes or the text of an .err file. */
    private static final class Outcome {
        final byte[] output;
        final String error;

        Outcome(byte[] output, String error) {
            this.output = output;
            this.error = error;
        }
    }

    /**
     * Renders one case exactly as {@code RuntimeInstance.evaluate(context, writer, name, reader)} does (parse, then
     * {@code render}, which initialises the node tree and merges it), but with the two phases apart so a template
     * that Velocity rejects before producing output is told from one that fails while rendering.
     */
    private static Outcome renderCase(Path template, Path vars) throws IOException {
        String source = readUtf8(template);
        Map<String, Object> data = vars == null ? new LinkedHashMap<>() : readVars(vars);
        String name = template.getFileName().toString();
        // A fresh engine per case: inline macros are global in a stock engine and may not be redefined, so one case
        // would otherwise leak its macros into the next.
        RuntimeInstance velocity = newEngine();
        SimpleNode tree;
        try {
            tree = velocity.parse(new StringReader(source), name);
        } catch (ParseException e) {
            return parseFailure(new ParseErrorException(e, name));
        } catch (TemplateInitException e) {
            return parseFailure(new ParseErrorException(e, name));
        } catch (RuntimeException e) {
            return renderFailure(e);
        }
        StringWriter writer = new StringWriter();
        try {
            velocity.render(newContext(data), writer, name, tree);
        } catch (ParseErrorException e) {
            // render() first initialises the node tree and reports a TemplateInitException as a ParseErrorException
            // it creates itself, before any output: that is a property of the template, a parse failure. Text given
            // to #evaluate fails later, from inside the directive, while rendering.
            if (thrownBy(e, RuntimeInstance.class, "render")) {
                return parseFailure(e);
            }
            return renderFailure(e);
        } catch (RuntimeException e) {
            return renderFailure(e);
        } catch (StackOverflowError e) {
            return renderFailure(e);
        }
        return new Outcome(writer.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    private static boolean thrownBy(Throwable e, Class<?> type, String method) {
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length > 0 && trace[0].getClassName().equals(type.getName())
                && trace[0].getMethodName().equals(method);
    }

    private static Outcome parseFailure(ParseErrorException e) {
        int line = e.getLineNumber();
        int column = e.getColumnNumber();
        if (line < 0 || column < 0) {
            // Lexical errors reach Velocity as a ParseException without a token; the position is only in the text.
            Matcher m = Pattern.compile("line (\\d+), column (\\d+)").matcher(String.valueOf(e.getMessage()));
            if (m.find()) {
                line = Integer.parseInt(m.group(1));
                column = Integer.parseInt(m.group(2));
            }
        }
        return new Outcome(null, "parse line=" + line + " column=" + column + "\n" + describe(e));
    }

    private static Outcome renderFailure(Throwable e) {
        return new Outcome(null, "render\n" + describe(e));
    }

    /** Exception class and message of the whole cause chain, for humans reading the .err file. */
    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        Throwable current = e;
        for (int depth = 0; current != null && depth < 8; depth++) {
            if (depth > 0) {
                text.append("caused by: ");
            }
            text.append(current.getClass().getName()).append('\n');
            String message = current.getMessage();
            if (message != null && !message.isEmpty()) {
                text.append(message.replace("\r\n", "\n"));
                if (!message.endsWith("\n")) {
                    text.append('\n');
                }
            }
            Throwable next = current.getCause();
            current = next == current ? null : next;
        }
        return text.toString();
    }

    /** Stock Velocity 1.7, headless: no log output and no files for #parse, #include or macro libraries. */
    private static RuntimeInstance newEngine() {
        RuntimeInstance velocity = new RuntimeInstance();
        velocity.setProperty(RuntimeConstants.RUNTIME_LOG_LOGSYSTEM_CLASS,
                "org.apache.velocity.runtime.log.NullLogChute");
        velocity.setProperty(RuntimeConstants.RESOURCE_LOADER, "nofiles");
        velocity.setProperty("nofiles.resource.loader.class", NoFilesResourceLoader.class.getName());
        velocity.setProperty(RuntimeConstants.INPUT_ENCODING, "UTF-8");
        velocity.setProperty(RuntimeConstants.OUTPUT_ENCODING, "UTF-8");
        try {
            velocity.init();
        } catch (Exception e) {
            throw new HarnessException("could not initialise Velocity: " + e);
        }
        return velocity;
    }

    private static Context newContext(Map<String, Object> data) {
        VelocityContext context = new VelocityContext();
        for (Map.Entry<String, Object> entry : data.entrySet()) {
            // A top-level null is absent, as the contract with the Rust runner says (Velocity would reject it anyway).
            if (entry.getValue() != null) {
                context.put(entry.getKey(), entry.getValue());
            }
        }
        return context;
    }

    /** A resource loader that finds nothing: #parse and #include fail as they would with no files at all. */
    public static final class NoFilesResourceLoader extends ResourceLoader {
        @Override
        public void init(ExtendedProperties configuration) {}

        @Override
        public InputStream getResourceStream(String source) throws ResourceNotFoundException {
            throw new ResourceNotFoundException("no files are readable: '" + source + "'");
        }

        @Override
        public boolean isSourceModified(Resource resource) {
            return false;
        }

        @Override
        public long getLastModified(Resource resource) {
            return 0;
        }

        @Override
        public boolean resourceExists(String name) {
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Benchmark

    private static final int WARMUP_RENDERS = 20_000;
    private static final long WARMUP_MIN_NANOS = 3_000_000_000L;
    private static final long WARMUP_MAX_NANOS = 10_000_000_000L;
    private static final int BATCHES = 5;
    private static final long BATCH_TARGET_NANOS = 500_000_000L;

    /**
     * Median nanoseconds per render of a template parsed once, the way a server with a warm template cache runs
     * it: a {@link Template} whose tree is parsed and initialised once, merged with a fresh context each time (a
     * thin context over the shared data, so #set in one render cannot leak into the next). ITERATIONS 0 means: size
     * each batch to run about half a second, from the warm-up's rate.
     */
    private static long benchOne(Path path, Path vars, int iterations) throws IOException {
        String source = readUtf8(path);
        String name = path.getFileName().toString();
        Context data = newContext(vars == null ? new LinkedHashMap<>() : readVars(vars));
        RuntimeInstance velocity = newEngine();
        Template template = new Template();
        template.setRuntimeServices(velocity);
        template.setName(name);
        try {
            template.setData(velocity.parse(new StringReader(source), name));
            template.initDocument();
        } catch (ParseException e) {
            throw new HarnessException(path + ": does not parse: " + e.getMessage());
        }

        StringWriter writer = new StringWriter();
        Outcome reference = renderCase(path, vars);
        if (reference.output == null) {
            throw new HarnessException(path + ": does not render:\n" + reference.error);
        }
        template.merge(new VelocityContext(data), writer);
        if (!Arrays.equals(writer.toString().getBytes(StandardCharsets.UTF_8), reference.output)) {
            throw new HarnessException(path + ": a parsed-once Template renders differently from evaluate()");
        }

        long sink = 0;
        long started = System.nanoTime();
        long warmups = 0;
        long elapsed = 0;
        while ((warmups < WARMUP_RENDERS || elapsed < WARMUP_MIN_NANOS) && elapsed < WARMUP_MAX_NANOS) {
            writer.getBuffer().setLength(0);
            template.merge(new VelocityContext(data), writer);
            sink += writer.getBuffer().length();
            warmups++;
            elapsed = System.nanoTime() - started;
        }
        if (iterations <= 0) {
            long estimate = Math.max(1, elapsed / warmups);
            iterations = (int) Math.max(10, Math.min(1_000_000, BATCH_TARGET_NANOS / estimate));
        }
        System.err.println(name + ": warm-up " + warmups + " renders in " + (elapsed / 1_000_000) + " ms, then "
                + BATCHES + " batches of " + iterations);
        long[] perRender = new long[BATCHES];
        for (int batch = 0; batch < BATCHES; batch++) {
            long batchStart = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                writer.getBuffer().setLength(0);
                template.merge(new VelocityContext(data), writer);
                sink += writer.getBuffer().length();
            }
            perRender[batch] = (System.nanoTime() - batchStart) / iterations;
        }
        if (sink == 42) {
            // Keeps the JIT from proving the renders dead; never true in practice.
            System.err.print("");
        }
        Arrays.sort(perRender);
        return perRender[BATCHES / 2];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Files

    private static List<Path> listFiles(Path dir, String... suffixes) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        for (String suffix : suffixes) {
                            if (n.endsWith(suffix)) {
                                return true;
                            }
                        }
                        return false;
                    })
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static Path sibling(Path file, String extension) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return file.resolveSibling((dot < 0 ? n : n.substring(0, dot)) + extension);
    }

    private static String readUtf8(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private static void writeIfChanged(Path file, byte[] bytes) throws IOException {
        if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
            return;
        }
        Files.write(file, bytes);
    }

    private static Map<String, Object> readVars(Path file) throws IOException {
        Object value;
        try {
            value = new JsonReader(readUtf8(file)).document();
        } catch (HarnessException e) {
            throw new HarnessException(file + ": " + e.getMessage());
        }
        if (!(value instanceof Map)) {
            throw new HarnessException(file + ": the top level must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = (Map<String, Object>) value;
        return vars;
    }

    // ---------------------------------------------------------------------------------------------------------
    // JSON → Java, the contract with the Rust runner: object → LinkedHashMap (insertion order), array → ArrayList,
    // integer → Integer when it fits in 32 bits, else Long (beyond 64 bits: Double), any other number → Double,
    // string → String, true/false → Boolean, null → null.

    static final class JsonReader {
        private final String text;
        private int pos;

        JsonReader(String text) {
            this.text = text;
        }

        Object document() {
            skipWhitespace();
            Object value = value(0);
            skipWhitespace();
            if (pos != text.length()) {
                throw error("trailing characters");
            }
            return value;
        }

        private Object value(int depth) {
            if (depth > 512) {
                throw error("nesting too deep");
            }
            skipWhitespace();
            if (pos >= text.length()) {
                throw error("unexpected end of input");
            }
            char c = text.charAt(pos);
            switch (c) {
                case '{':
                    return object(depth);
                case '[':
                    return array(depth);
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected character '" + c + "'");
            }
        }

        private Map<String, Object> object(int depth) {
            Map<String, Object> map = new LinkedHashMap<>();
            pos++;
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a string key");
                }
                String key = string();
                skipWhitespace();
                expect(':');
                Object value = value(depth + 1);
                if (map.containsKey(key)) {
                    throw error("duplicate key \"" + key + "\"");
                }
                map.put(key, value);
                skipWhitespace();
                char c = next();
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> array(int depth) {
            List<Object> list = new ArrayList<>();
            pos++;
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                list.add(value(depth + 1));
                skipWhitespace();
                char c = next();
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string() {
            pos++;
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"':
                    case '\\':
                    case '/':
                        out.append(e);
                        break;
                    case 'b':
                        out.append('\b');
                        break;
                    case 'f':
                        out.append('\f');
                        break;
                    case 'n':
                        out.append('\n');
                        break;
                    case 'r':
                        out.append('\r');
                        break;
                    case 't':
                        out.append('\t');
                        break;
                    case 'u':
                        if (pos + 4 > text.length()) {
                            throw error("truncated \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                        break;
                    default:
                        throw error("bad escape \\" + e);
                }
            }
        }

        private Object number() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            boolean integral = true;
            digits();
            if (pos < text.length() && text.charAt(pos) == '.') {
                integral = false;
                pos++;
                digits();
            }
            if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                    pos++;
                }
                digits();
            }
            String literal = text.substring(start, pos);
            if (integral) {
                try {
                    long value = Long.parseLong(literal);
                    if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
                        return Integer.valueOf((int) value);
                    }
                    return Long.valueOf(value);
                } catch (NumberFormatException e) {
                    return Double.valueOf(literal);
                }
            }
            return Double.valueOf(literal);
        }

        private void digits() {
            int start = pos;
            while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
                pos++;
            }
            if (pos == start) {
                throw error("expected a digit");
            }
        }

        private void literal(String word) {
            if (!text.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
        }

        private void expect(char c) {
            if (next() != c) {
                throw error("expected '" + c + "'");
            }
        }

        private char peek() {
            if (pos >= text.length()) {
                throw error("unexpected end of input");
            }
            return text.charAt(pos);
        }

        private char next() {
            char c = peek();
            pos++;
            return c;
        }

        private void skipWhitespace() {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        private HarnessException error(String message) {
            return new HarnessException("invalid JSON at offset " + pos + ": " + message);
        }
    }

    /** A problem with the harness's own inputs (not a Velocity outcome): the whole run stops. */
    static final class HarnessException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HarnessException(String message) {
            super(message);
        }
    }

    private VelocityHarness() {}
}
