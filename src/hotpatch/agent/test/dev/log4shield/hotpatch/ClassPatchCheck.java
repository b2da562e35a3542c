package dev.log4shield.hotpatch;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * ClassPatch over every class of every jar in the fixtures (MANIFEST.tsv):
 * it must match exactly the JndiLookup of each log4j-core release (and the
 * shaded copy) and nothing else, its output must be idempotent, and the JVM
 * must load, verify and run the patched class (lookup returns null).
 *
 *   java -cp agent.jar:classes dev.log4shield.hotpatch.ClassPatchCheck <fixtures> <log4j-api.jar>
 */
public final class ClassPatchCheck {
  static int failures = 0;

  static void check(boolean ok, String what) {
    if (!ok) {
      failures++;
      System.err.println("FAIL " + what);
    }
  }

  public static void main(String[] args) throws Exception {
    // 2.17.0+ (and 2.12.4, 2.3.2) refuse to construct JndiLookup otherwise.
    System.setProperty("log4j2.enableJndiLookup", "true");
    File fixtures = new File(args[0]);
    File api = new File(args[1]);
    List<String> manifest = Files.readAllLines(new File(fixtures, "MANIFEST.tsv").toPath(), StandardCharsets.UTF_8);
    int jars = 0;
    int classes = 0;
    int patched = 0;
    for (String row : manifest.subList(1, manifest.size())) {
      String[] f = row.split("\t", -1);
      String path = f[0];
      String std = f[4];
      String layout = f[5];
      if (!path.endsWith(".jar") || !layout.startsWith("top-level zip")) {
        continue;
      }
      File jar = new File(fixtures, path);
      String expected = null;
      if (std.equals("yes") && !f[3].equals("2.12.2")) {  // 2.12.2's JndiLookup is a stub without JNDI
        expected = "org/apache/logging/log4j/core/lookup/JndiLookup.class";
      } else if (std.startsWith("shaded:") && std.contains("/core/lookup/")) {
        expected = std.substring(7);
      }
      int matches = 0;
      try (ZipFile zip = new ZipFile(jar)) {
        jars++;
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
          ZipEntry entry = e.nextElement();
          if (!entry.getName().endsWith(".class") || entry.getName().startsWith("__MACOSX/")) {
            continue;
          }
          byte[] b;
          try (InputStream in = zip.getInputStream(entry)) {
            b = readAll(in);
          } catch (IOException ex) {
            continue;  // a deliberately corrupt entry
          }
          classes++;
          byte[] out = ClassPatch.patch(b);
          if (out == null) {
            continue;
          }
          patched++;
          matches++;
          // Test jars also hold JndiLookup copies under other names (lookup/JndiLookup,
          // JndiLookupOther): real ones, so matching them is right.
          check(entry.getName().equals(expected) || entry.getName().contains("JndiLookup"),
              path + ": unexpected match " + entry.getName());
          check(out.length < b.length, path + ": patched class is smaller");
          check(Arrays.equals(ClassPatch.patch(out), out), path + ": patching is idempotent");
          // Truncations never throw and never match.
          for (int cut = 0; cut < b.length; cut += 97) {
            check(ClassPatch.patch(Arrays.copyOf(b, cut)) == null, path + ": truncated at " + cut);
          }
          if (entry.getName().startsWith("org/apache/logging/log4j/core/")) {
            runPatched(jar, api, entry.getName(), out);
          }
        }
      } catch (IOException ex) {
        continue;  // not a readable zip for java.util.zip (prefixed, corrupt)
      }
      if (expected != null && !path.contains("google-log4jscanner/jar/testdata/corrupt")) {
        check(matches == 1, path + ": one JndiLookup matched, got " + matches);
      }
    }
    System.err.println("jars " + jars + ", classes " + classes + ", patched " + patched);
    check(patched >= 60, "at least 60 JndiLookup copies patched");
    System.err.println(failures == 0 ? "PASS" : failures + " check(s) failed");
    System.exit(failures == 0 ? 0 : 1);
  }

  /** Defines the patched class next to its own jar, initialises it (verification) and calls lookup. */
  static void runPatched(File jar, File api, String entry, final byte[] patched) throws Exception {
    final String name = entry.substring(0, entry.length() - 6).replace('/', '.');
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toURI().toURL(), api.toURI().toURL()}, null) {
      @Override
      protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(n)) {
          if (n.equals(name)) {
            Class<?> c = findLoadedClass(n);
            return c != null ? c : defineClass(n, patched, 0, patched.length);
          }
          return super.loadClass(n, resolve);
        }
      }
    }) {
      Class<?> c = Class.forName(name, true, loader);
      Object instance = c.getDeclaredConstructor().newInstance();
      int called = 0;
      for (Method m : c.getMethods()) {
        if (m.getName().equals("lookup")) {
          Object[] a = new Object[m.getParameterTypes().length];
          a[a.length - 1] = "ldap://127.0.0.1:1/x";
          check(m.invoke(instance, a) == null, jar + ": patched " + m + " returns null");
          called++;
        }
      }
      check(called > 0, jar + ": lookup called");
    } catch (VerifyError | ClassFormatError e) {
      check(false, jar + ": patched class rejected: " + e);
    } catch (LinkageError e) {
      System.err.println("note " + jar + ": not run (" + e + ")");
    }
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
