/*
 * Log4Shield hot-patch agent (issue 16: `log4shield fix --running`).
 *
 * Loaded into a running JVM through HotSpot's dynamic attach (agentmain) or at
 * start-up with -javaagent (premain, same logic; used by the tests). It makes
 * every copy of log4j-core's JndiLookup in the JVM inert without a restart:
 *   1. installs a retransform-capable ClassFileTransformer that rewrites the
 *      `lookup` methods of any class recognised as JndiLookup (by structure and
 *      references, under any package: see ClassPatch) to `return null;`, so a
 *      `${jndi:...}` lookup never reaches JNDI and the text stays unresolved;
 *   2. retransforms the matching classes already loaded, in every class loader;
 *   3. leaves the transformer installed, so copies loaded later are patched;
 *   4. sets the system property `log4shield.hotpatch` to
 *      "<tool version> <ISO-8601 UTC time>": a second load reports
 *      `already_patched <value>` and changes nothing.
 * The patch lives in memory only: a restart undoes it (the jar on disk still
 * needs `log4shield fix`).
 *
 * Options (agent argument): comma-separated key=value pairs, values without
 * commas: `result=/path/file` (report, UTF-8 lines, mode 0644, written to a
 * temporary name in the same folder then renamed; without it the report goes
 * to stderr) and `version=X` (our version, for the marker). Report lines:
 *   patched <class name> <class loader>     a loaded copy was retransformed
 *   not_patched <class name> <class loader> <reason>
 *   transformer_installed
 *   marker <value>
 *   already_patched <value>
 *   error <message>
 * It must never harm the JVM: nothing is thrown out of the entry points, and a
 * class that cannot be parsed is simply not a candidate. Java 8 language level,
 * no third-party code (the class-file rewriting is ours, in ClassPatch).
 */
package dev.log4shield.hotpatch;

import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class Agent {
  public static final String MARKER_PROPERTY = "log4shield.hotpatch";

  private Agent() {}

  public static void premain(String args, Instrumentation inst) {
    run(args, inst);
  }

  public static void agentmain(String args, Instrumentation inst) {
    run(args, inst);
  }

  // Synchronized: two attaches racing must not both install a transformer.
  private static synchronized void run(String args, Instrumentation inst) {
    List<String> lines = new ArrayList<String>();
    Map<String, String> options = new HashMap<String, String>();
    try {
      options = parseOptions(args);
      String existing = System.getProperty(MARKER_PROPERTY);
      if (existing != null) {
        lines.add("already_patched " + existing);
      } else {
        patch(inst, options, lines);
      }
    } catch (Throwable t) {
      lines.add("error " + t);
    }
    try {
      writeResult(options.get("result"), lines);
    } catch (Throwable t) {
      // Reporting must not fail the attach either.
    }
  }

  private static void patch(Instrumentation inst, Map<String, String> options, List<String> lines) {
    // Load ClassPatch now: the transformer must not need the jar later.
    ClassPatch.patch(new byte[0]);
    JndiLookupTransformer transformer = new JndiLookupTransformer();
    boolean retransform = inst.isRetransformClassesSupported();
    inst.addTransformer(transformer, retransform);
    lines.add("transformer_installed");
    if (!retransform) {
      lines.add("error this JVM cannot retransform classes: only copies loaded from now on are patched");
    } else {
      for (Class<?> c : inst.getAllLoadedClasses()) {
        if (!isCandidate(c)) {
          continue;
        }
        String where = c.getName() + " " + describe(c.getClassLoader());
        if (!inst.isModifiableClass(c)) {
          lines.add("not_patched " + where + " not modifiable");
          continue;
        }
        try {
          inst.retransformClasses(c);
          if (transformer.takePatched(c)) {
            lines.add("patched " + where);
          } else if (c.getName().endsWith("JndiLookup")) {
            lines.add("not_patched " + where + " no JNDI access to disable");
          }
        } catch (Throwable t) {
          transformer.takePatched(null);
          lines.add("error retransforming " + where + ": " + t);
        }
      }
    }
    String version = options.get("version");
    String marker = (version == null || version.isEmpty() ? "unknown" : version) + " "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS);
    System.setProperty(MARKER_PROPERTY, marker);
    lines.add("marker " + marker);
  }

  // Cheap pre-selection among all loaded classes; the transformer decides on the bytes.
  private static boolean isCandidate(Class<?> c) {
    try {
      if (c.isArray() || c.isPrimitive() || c.isInterface()) {
        return false;
      }
      if (c.getName().endsWith("JndiLookup")) {
        return true;
      }
      Class<?> parent = c.getSuperclass();
      if (parent != null && (parent.getName().endsWith(".lookup.AbstractLookup")
          || parent.getName().equals("lookup.AbstractLookup"))) {
        return true;
      }
      for (Class<?> i : c.getInterfaces()) {
        if (i.getName().endsWith(".lookup.StrLookup") || i.getName().equals("lookup.StrLookup")) {
          return true;
        }
      }
    } catch (Throwable t) {
      // A class whose hierarchy cannot be resolved is not one of ours.
    }
    return false;
  }

  private static String describe(ClassLoader loader) {
    if (loader == null) {
      return "bootstrap";
    }
    return loader.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(loader));
  }

  static Map<String, String> parseOptions(String args) {
    Map<String, String> options = new HashMap<String, String>();
    if (args == null) {
      return options;
    }
    for (String pair : args.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        options.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
      }
    }
    return options;
  }

  private static void writeResult(String path, List<String> lines) {
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      // One record per line, whatever an exception message holds.
      text.append(line.replace('\n', ' ').replace('\r', ' ')).append('\n');
    }
    if (path == null || path.isEmpty()) {
      System.err.print(text.toString().replaceAll("(?m)^", "log4shield-hotpatch: "));
      return;
    }
    Path target = Paths.get(path).toAbsolutePath();
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp" + System.nanoTime());
    try {  // temporary name then rename: a reader never sees half a report
      Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-r--r--");
      SeekableByteChannel out;
      try {
        out = Files.newByteChannel(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(mode));
      } catch (UnsupportedOperationException e) {
        out = Files.newByteChannel(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
      }
      try {
        ByteBuffer data = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        while (data.hasRemaining()) {
          out.write(data);
        }
      } finally {
        out.close();
      }
      try {
        Files.setPosixFilePermissions(tmp, mode);  // the umask may have narrowed it
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default mode
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (Throwable t) {
      try {
        Files.deleteIfExists(tmp);
      } catch (Throwable ignored) {
        // nothing more to do
      }
      System.err.println("log4shield-hotpatch: cannot write " + target + ": " + t);
      System.err.print(text);
    }
  }
}
