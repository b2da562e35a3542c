// End-to-end check of the hot-patch agent inside a real JVM with real log4j-core
// jars (fixtures). Exits 0 when every check passes, 1 otherwise, printing each.
//
//   attach <agent.jar> <fixtures> <scratch>   log4j 2.14.1 on the class path is
//       used before the agent, then the agent is loaded by self-attach from a
//       copy deleted right after (agentmain, retransformation), and again
//       (already_patched)
//   premain <fixtures> <scratch>              the agent was given with
//       -javaagent twice (result1.txt, result2.txt in scratch)
//
// A JNDI lookup is detected by the TCP connection it makes to a local
// ServerSocket; the patched lookup must make none.
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

public final class HotpatchAgentCheck {
  static final String JARS = "jars/";
  static final String CORE_2_14_1 = JARS + "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
  static final String API_2_14_1 = JARS + "mergebase-log4j-samples/false-hits/log4j-api-2.14.1.jar";
  static final String CORE_2_15_0 = JARS + "google-log4jscanner/jar/testdata/log4j-core-2.15.0.jar";
  static final String CORE_2_10_0 = JARS + "mergebase-log4j-samples/true-hits/log4j-core-2.10.0.jar";
  static final String CORE_2_0_BETA9 = JARS + "google-log4jscanner/jar/testdata/log4j-core-2.0-beta9.jar";
  // 2.14.1 relocated as a shading plugin would, with the package prefix renamed.
  static final String RELOCATED_LOOKUP = "com.acme.shaded.l4j.core.lookup.JndiLookup";
  static final String STD_LOOKUP = "org.apache.logging.log4j.core.lookup.JndiLookup";

  static int failures = 0;
  static ServerSocket server;
  static String fixtures;
  static final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  static void check(boolean ok, String what) {
    System.err.println((ok ? "ok   " : "FAIL ") + what);
    if (!ok) {
      failures++;
    }
  }

  /** Runs action on a thread; true when it opened a TCP connection to our server. */
  static boolean connects(final Runnable action) throws Exception {
    final AtomicReference<Throwable> thrown = new AtomicReference<Throwable>();
    Thread t = new Thread(() -> {
      try {
        action.run();
      } catch (Throwable e) {
        thrown.set(e);
      }
    });
    t.setDaemon(true);
    t.start();
    long deadline = System.currentTimeMillis() + 15000;
    server.setSoTimeout(200);
    while (System.currentTimeMillis() < deadline) {
      boolean finished = !t.isAlive();
      try {
        server.accept().close();  // closing makes an unpatched JNDI client fail fast
        return true;
      } catch (SocketTimeoutException e) {
        if (finished) {
          if (thrown.get() != null) {
            throw new RuntimeException("action failed", thrown.get());
          }
          return false;
        }
      }
    }
    throw new RuntimeException("action neither connected nor finished in 15 s");
  }

  static String jndiUrl(String token) {
    return "ldap://127.0.0.1:" + server.getLocalPort() + "/" + token;
  }

  static URLClassLoader isolated(String... jars) throws Exception {
    URL[] urls = new URL[jars.length];
    for (int i = 0; i < jars.length; i++) {
      urls[i] = new File(fixtures, jars[i]).toURI().toURL();
    }
    return new URLClassLoader(urls, null);  // no parent but the bootstrap: child-first
  }

  /**
   * Child-first loader serving log4j 2.14.1 (core and api) relocated from
   * org.apache.logging.log4j to com.acme.shaded.l4j: every class name in the
   * constant pool is rewritten. (The shaded fixture jar lacks log4j-api, so its
   * JndiLookup cannot be initialised.)
   */
  static final class RelocatingLoader extends ClassLoader {
    private final URLClassLoader original;

    RelocatingLoader(URLClassLoader original) {
      super(null);
      this.original = original;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      if (!name.startsWith("com.acme.shaded.l4j.")) {
        throw new ClassNotFoundException(name);
      }
      String resource = "org/apache/logging/log4j/" + name.substring(20).replace('.', '/') + ".class";
      try (java.io.InputStream in = original.getResourceAsStream(resource)) {
        if (in == null) {
          throw new ClassNotFoundException(name);
        }
        byte[] b = relocate(readAll(in));
        return defineClass(name, b, 0, b.length);
      } catch (java.io.IOException e) {
        throw new ClassNotFoundException(name, e);
      }
    }
  }

  static RelocatingLoader relocated() throws Exception {
    return new RelocatingLoader(isolated(CORE_2_14_1, API_2_14_1));
  }

  static byte[] readAll(java.io.InputStream in) throws java.io.IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** Rewrites the package prefix in every Utf8 constant; everything else is copied. */
  static byte[] relocate(byte[] b) throws java.io.IOException {
    java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(b));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    out.writeInt(in.readInt());
    out.writeInt(in.readInt());
    int count = in.readUnsignedShort();
    out.writeShort(count);
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      out.writeByte(tag);
      int size;
      switch (tag) {
        case 1:
          out.writeUTF(in.readUTF().replace("org/apache/logging/log4j/", "com/acme/shaded/l4j/")
              .replace("org.apache.logging.log4j.", "com.acme.shaded.l4j."));
          continue;
        case 5: case 6: size = 8; i++; break;
        case 7: case 8: case 16: case 19: case 20: size = 2; break;
        case 15: size = 3; break;
        default: size = 4; break;
      }
      byte[] raw = new byte[size];
      in.readFully(raw);
      out.write(raw);
    }
    out.write(readAll(in));
    return bytes.toByteArray();
  }

  /** Calls lookup(LogEvent, String) (or lookup(String) on old releases) on a new instance. */
  static Object directLookup(Class<?> c, String key) throws Exception {
    Object instance = c.getDeclaredConstructor().newInstance();
    for (Method m : c.getMethods()) {
      if (m.getName().equals("lookup") && m.getParameterTypes().length == 2) {
        return m.invoke(instance, null, key);
      }
    }
    throw new NoSuchMethodException(c.getName() + ".lookup");
  }

  static boolean lookupConnects(final Class<?> c, final String token) throws Exception {
    final AtomicReference<Object> result = new AtomicReference<Object>("unset");
    boolean connected = connects(() -> {
      try {
        result.set(directLookup(c, jndiUrl(token)));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    if (!connected) {
      check(result.get() == null, c.getName() + " (" + token + ") lookup returned null");
    }
    return connected;
  }

  static List<String> readResult(Path p) throws Exception {
    check(Files.exists(p), "result file " + p + " exists");
    check("rw-r--r--".equals(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))),
        "result file mode 0644");
    List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
    for (String l : lines) {
      System.err.println("     | " + l);
    }
    return lines;
  }

  static boolean has(List<String> lines, String prefix) {
    for (String l : lines) {
      if (l.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  static int count(List<String> lines, String prefix) {
    int n = 0;
    for (String l : lines) {
      n += l.startsWith(prefix) ? 1 : 0;
    }
    return n;
  }

  /**
   * Loads a copy of the agent jar by attaching to this JVM and deletes the copy
   * afterwards, as `fix --running` does: the transformer must not need the jar.
   */
  static void loadAgent(String jar, Path scratch, String options) throws Exception {
    Path copy = scratch.resolve("agent-" + System.nanoTime() + ".jar");
    Files.copy(Paths.get(jar), copy);
    try {
      attachAndLoad(copy.toString(), options);
    } finally {
      Files.delete(copy);
    }
  }

  static void attachAndLoad(String jar, String options) throws Exception {
    Class<?> vmClass = Class.forName("com.sun.tools.attach.VirtualMachine");
    Object vm = vmClass.getMethod("attach", String.class)
        .invoke(null, String.valueOf(ProcessHandle.current().pid()));
    try {
      vmClass.getMethod("loadAgent", String.class, String.class).invoke(vm, jar, options);
    } finally {
      vmClass.getMethod("detach").invoke(vm);
    }
  }

  static String lastOutputLineWith(String needle) {
    String all = new String(captured.toByteArray(), StandardCharsets.UTF_8);
    String found = null;
    for (String l : all.split("\n")) {
      if (l.contains(needle)) {
        found = l;
      }
    }
    return found;
  }

  /** Logs through the application's log4j 2.14.1 and checks what the patch leaves working. */
  static void checkLogging(final Object logger, final String phase) throws Exception {
    final Method error = logger.getClass().getMethod("error", String.class);
    final String plain = "plain line " + phase + " {} $ 100% ${ no lookup";
    error.invoke(logger, plain);
    String line = lastOutputLineWith("plain line " + phase);
    check(line != null && line.endsWith(" - " + plain), phase + ": plain line printed unchanged: " + line);
    error.invoke(logger, "java ${java:version} " + phase);
    line = lastOutputLineWith(" " + phase);
    check(line != null && line.contains("Java version " + System.getProperty("java.version")),
        phase + ": ${java:version} still resolved: " + line);
    final String attack = "${jndi:" + jndiUrl("log-" + phase) + "}";
    boolean connected = connects(() -> {
      try {
        error.invoke(logger, "attack " + attack);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    if (phase.equals("before")) {
      check(connected, "before: an unpatched ${jndi:} lookup connects (the check can see it)");
    } else {
      check(!connected, phase + ": ${jndi:} lookup made no connection");
      line = lastOutputLineWith("attack ");
      check(line != null && line.endsWith(" - attack " + attack), phase + ": lookup left unresolved: " + line);
    }
  }

  /**
   * log4j in its own loader with a pattern holding $${ctx:user}: the
   * CVE-2021-45046 route, where a thread-context value reaches JndiLookup.
   */
  static Object contextLogger(Path scratch) throws Exception {
    Path config = scratch.resolve("log4j2-ctx.xml");
    Files.write(config, ("<Configuration status=\"OFF\"><Appenders><Console name=\"c\" target=\"SYSTEM_OUT\">"
        + "<PatternLayout pattern=\"ctx-route %m user=$${ctx:user}%n\"/></Console></Appenders>"
        + "<Loggers><Root level=\"error\"><AppenderRef ref=\"c\"/></Root></Loggers></Configuration>")
        .getBytes(StandardCharsets.UTF_8));
    // The CVE names 2.15.0, but the fixtures hold no log4j-api it runs with
    // (2.14.1 and 2.19.0 are not compatible); 2.14.1 takes the same route, and
    // 2.15.0's JndiLookup is checked directly above.
    ClassLoader loader = isolated(CORE_2_14_1, API_2_14_1);
    System.setProperty("log4j.configurationFile", config.toString());
    try {
      return loader.loadClass("org.apache.logging.log4j.LogManager").getMethod("getLogger", String.class)
          .invoke(null, "ctx");
    } finally {
      System.clearProperty("log4j.configurationFile");
    }
  }

  static boolean contextLookupConnects(final Object logger, final String token) throws Exception {
    final ClassLoader loader = logger.getClass().getClassLoader();
    return connects(() -> {
      try {
        loader.loadClass("org.apache.logging.log4j.ThreadContext").getMethod("put", String.class, String.class)
            .invoke(null, "user", "${jndi:" + jndiUrl(token) + "}");
        logger.getClass().getMethod("error", String.class).invoke(logger, token);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    boolean attach = mode.equals("attach");
    fixtures = attach ? args[2] : args[1];
    Path scratch = Paths.get(attach ? args[3] : args[2]);
    server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    final PrintStream stdout = System.out;
    System.setOut(new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        captured.write(b);
        stdout.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        captured.write(b, off, len);
        stdout.write(b, off, len);
      }
    }, true));

    Class<?> logManager = Class.forName("org.apache.logging.log4j.LogManager");
    Object logger = logManager.getMethod("getLogger", String.class).invoke(null, "check");
    Class<?> appLookup = Class.forName(STD_LOOKUP);
    // Copies loaded before the agent (retransformed by agentmain).
    Class<?> early215 = isolated(CORE_2_15_0, API_2_14_1).loadClass(STD_LOOKUP);
    Class<?> earlyBeta9 = isolated(CORE_2_0_BETA9, API_2_14_1).loadClass(STD_LOOKUP);
    Class<?> earlyRelocated = relocated().loadClass(RELOCATED_LOOKUP);
    Object ctxLogger = contextLogger(scratch);

    if (attach) {
      checkLogging(logger, "before");
      check(lookupConnects(appLookup, "direct-before"), "before: 2.14.1 JndiLookup.lookup connects");
      check(lookupConnects(early215, "215-before"), "before: 2.15.0 JndiLookup.lookup connects");
      check(lookupConnects(earlyRelocated, "relocated-before"), "before: relocated 2.14.1 lookup connects");
      check(contextLookupConnects(ctxLogger, "ctx-before"),
          "before: $${ctx:} in the pattern with a ${jndi:} value connects");
      check(System.getProperty("log4shield.hotpatch") == null, "before: no marker");

      Path result1 = scratch.resolve("result1.txt");
      loadAgent(args[1], scratch, "result=" + result1 + ",version=9.8.7");
      List<String> lines = readResult(result1);
      check(has(lines, "transformer_installed"), "agentmain: transformer_installed");
      check(has(lines, "patched " + STD_LOOKUP + " jdk.internal.loader.ClassLoaders$AppClassLoader@"),
          "agentmain: patched the application's JndiLookup");
      check(count(lines, "patched " + STD_LOOKUP + " java.net.URLClassLoader@") == 3,
          "agentmain: patched the 2.15.0, 2.0-beta9 and $${ctx:} copies in their own loaders");
      check(has(lines, "patched " + RELOCATED_LOOKUP + " HotpatchAgentCheck$RelocatingLoader@"),
          "agentmain: patched the relocated copy");
      check(!has(lines, "error"), "agentmain: no error");
      String marker = System.getProperty("log4shield.hotpatch");
      check(marker != null && marker.matches("9\\.8\\.7 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
          "marker property is '<version> <UTC time>': " + marker);
      check(lines.contains("marker " + marker), "agentmain: reports the marker");
    } else {
      List<String> lines = readResult(scratch.resolve("result1.txt"));
      check(has(lines, "transformer_installed") && has(lines, "marker "), "premain: installed, marked");
      check(!has(lines, "error"), "premain: no error");
      List<String> second = readResult(scratch.resolve("result2.txt"));
      check(second.size() == 1 && second.get(0).equals("already_patched "
          + System.getProperty("log4shield.hotpatch")), "second -javaagent: already_patched <marker>");
    }

    checkLogging(logger, "after");
    check(!lookupConnects(appLookup, "direct-after"), "after: 2.14.1 JndiLookup.lookup makes no connection");
    check(!lookupConnects(early215, "215-after"), "after: 2.15.0 (loaded earlier) no connection");
    check(!lookupConnects(earlyBeta9, "beta9-after"), "after: 2.0-beta9 (loaded earlier) no connection");
    check(!lookupConnects(earlyRelocated, "relocated-after"), "after: relocated (loaded earlier) no connection");
    check(!contextLookupConnects(ctxLogger, "ctx-after"),
        "after: $${ctx:} in the pattern with a ${jndi:} value, no connection");
    String line = lastOutputLineWith("ctx-route ctx-after");
    check(line != null && line.startsWith("ctx-route ctx-after user="), "after: $${ctx:} line logged: " + line);

    // Copies whose loaders are created after the patch (and after the agent jar
    // was deleted): the installed transformer.
    check(!lookupConnects(isolated(CORE_2_14_1, API_2_14_1).loadClass(STD_LOOKUP), "late-2141"),
        "late loader: second 2.14.1 copy, no connection");
    check(!lookupConnects(isolated(CORE_2_10_0, API_2_14_1).loadClass(STD_LOOKUP), "late-2100"),
        "late loader: 2.10.0, no connection");
    check(!lookupConnects(relocated().loadClass(RELOCATED_LOOKUP), "late-relocated"),
        "late loader: 2.14.1 relocated to com.acme.shaded.l4j, no connection");

    if (attach) {
      String marker = System.getProperty("log4shield.hotpatch");
      Path result2 = scratch.resolve("result2.txt");
      loadAgent(args[1], scratch, "result=" + result2 + ",version=1.0.0");
      List<String> lines = readResult(result2);
      check(lines.size() == 1 && lines.get(0).equals("already_patched " + marker),
          "second attach: only 'already_patched <marker>'");
      check(marker.equals(System.getProperty("log4shield.hotpatch")), "second attach: marker unchanged");
    }
    server.close();
    System.err.println(failures == 0 ? "PASS" : failures + " check(s) failed");
    System.exit(failures == 0 ? 0 : 1);
  }
}
