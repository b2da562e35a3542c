// Ground truth for the lookup evaluator: runs log4j-core 2.14.1's own
// StrSubstitutor / Interpolator / MessagePatternConverter over payloads and
// prints, per payload and call path, what Log4j produced and every name it
// passed to JNDI.
//
//   java -Duser.timezone=UTC -Duser.language=en -Duser.country=US \
//        -cp log4j-core-2.14.1.jar:log4j-api-2.14.1.jar:CLASSES Log4jOracle MODE IN OUT
//
// MODE "file": the application has a configuration file (XML here). Its
//   Interpolator discovers the lookups as plugins: bundle, ctx, date, env,
//   event, java, jndi, jvmrunargs, log4j, lower, main, map, marker, sd, sys, upper.
// MODE "default": no configuration file; Log4j's DefaultConfiguration keeps
//   the Interpolator(Map) built in its constructor, which lacks bundle, event,
//   map and sd (so those prefixes fall through to the properties).
//
// Safety: the `jndi` lookup is replaced by RecorderLookup, which records the
// name JndiLookup would pass to JNDI and returns null (as a failed lookup
// does); nothing is looked up. As a second guard, a JNDI
// InitialContextFactoryBuilder is installed before Log4j starts: every
// InitialContext in this JVM then delegates to RecorderContext, and the JDK no
// longer consults URL context factories (ldap:, rmi:, dns:, iiop:), so even a
// stray lookup could not leave the process.
//
// Environment: the real lookups run, except `env`, which is replaced by one
// that knows nothing (so results do not depend on this machine). The values
// the evaluator must mirror (context properties, ${java:...}, the event's
// fields) are printed as a header.
//
// IN:  one payload per line: "<event time millis>\t<escaped UTF-8>"
// OUT: "#<kind>\t<key>\t<escaped value>" header lines, then per payload two lines
//      "R\t<index>\t<S|M>\t<outcome>\t<call count>\t<escaped output>\t<escaped JNDI name>..."
//      (at most 256 names)
//      and for every distinct JNDI name a java.net.URI line
//      "U\t<escaped name>\t<OK|BAD>\t<scheme>\t<host>\t<port>\t<raw authority>"
// Escaping: bytes outside printable ASCII, and '\', are written as \xHH; "\N" is null.
// outcome: OK, LOOP (IllegalStateException: infinite loop), SOE (StackOverflowError),
//          LOOKUP_ERROR (IllegalArgumentException), TIMEOUT (Log4j did not finish
//          within TIMEOUT_MILLIS or ran out of memory), or ERR:<class>.

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.naming.Context;
import javax.naming.Name;
import javax.naming.NameParser;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.OperationNotSupportedException;
import javax.naming.spi.NamingManager;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.lookup.Interpolator;
import org.apache.logging.log4j.core.lookup.JndiLookup;
import org.apache.logging.log4j.core.lookup.StrLookup;
import org.apache.logging.log4j.core.lookup.StrSubstitutor;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.status.StatusLogger;

public final class Log4jOracle {
  static final List<String> calls = new ArrayList<>();       // from RecorderLookup
  static final List<String> strayCalls = new ArrayList<>();  // from RecorderContext: must stay empty
  static final long TIMEOUT_MILLIS = 1000;

  /** The only JNDI context this JVM can create: records names, resolves nothing. */
  static final class RecorderContext implements Context {
    public Object lookup(String name) { strayCalls.add(name); return null; }
    public Object lookup(Name name) { strayCalls.add(name.toString()); return null; }
    public void close() {}
    public Hashtable<?, ?> getEnvironment() { return new Hashtable<>(); }
    private static NamingException refuse() { return new OperationNotSupportedException("recorder"); }
    public void bind(Name n, Object o) throws NamingException { throw refuse(); }
    public void bind(String n, Object o) throws NamingException { throw refuse(); }
    public void rebind(Name n, Object o) throws NamingException { throw refuse(); }
    public void rebind(String n, Object o) throws NamingException { throw refuse(); }
    public void unbind(Name n) throws NamingException { throw refuse(); }
    public void unbind(String n) throws NamingException { throw refuse(); }
    public void rename(Name a, Name b) throws NamingException { throw refuse(); }
    public void rename(String a, String b) throws NamingException { throw refuse(); }
    public NamingEnumeration<javax.naming.NameClassPair> list(Name n) throws NamingException { throw refuse(); }
    public NamingEnumeration<javax.naming.NameClassPair> list(String n) throws NamingException { throw refuse(); }
    public NamingEnumeration<javax.naming.Binding> listBindings(Name n) throws NamingException { throw refuse(); }
    public NamingEnumeration<javax.naming.Binding> listBindings(String n) throws NamingException { throw refuse(); }
    public void destroySubcontext(Name n) throws NamingException { throw refuse(); }
    public void destroySubcontext(String n) throws NamingException { throw refuse(); }
    public Context createSubcontext(Name n) throws NamingException { throw refuse(); }
    public Context createSubcontext(String n) throws NamingException { throw refuse(); }
    public Object lookupLink(Name n) throws NamingException { throw refuse(); }
    public Object lookupLink(String n) throws NamingException { throw refuse(); }
    public NameParser getNameParser(Name n) throws NamingException { throw refuse(); }
    public NameParser getNameParser(String n) throws NamingException { throw refuse(); }
    public Name composeName(Name a, Name b) throws NamingException { throw refuse(); }
    public String composeName(String a, String b) throws NamingException { throw refuse(); }
    public Object addToEnvironment(String k, Object v) { return null; }
    public Object removeFromEnvironment(String k) { return null; }
    public String getNameInNamespace() throws NamingException { throw refuse(); }
  }

  /**
   * Replaces JndiLookup: converts the key exactly as JndiLookup does (its own
   * private convertJndiName, called reflectively) and records the name. Going
   * around JndiManager also keeps its static lock out of the recursion, where a
   * StackOverflowError or a stopped runaway payload could leave it held.
   */
  static final class RecorderLookup implements StrLookup {
    private final JndiLookup real = new JndiLookup();
    private final Method convert;

    RecorderLookup() throws ReflectiveOperationException {
      convert = JndiLookup.class.getDeclaredMethod("convertJndiName", String.class);
      convert.setAccessible(true);
    }

    public String lookup(String key) { return lookup(null, key); }

    public String lookup(LogEvent event, String key) {
      if (key == null) return null;
      try {
        calls.add((String) convert.invoke(real, key));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      return null;  // As JndiLookup does when the lookup fails.
    }
  }

  /** Stands in for lookups whose values would come from this machine. */
  static final class AbsentLookup implements StrLookup {
    public String lookup(String key) { return null; }
    public String lookup(LogEvent event, String key) { return null; }
  }

  @SuppressWarnings("removal")
  public static void main(String[] args) throws Exception {
    NamingManager.setInitialContextFactoryBuilder(environment -> env -> new RecorderContext());
    // Prove the recorder is in place before any payload runs.
    new javax.naming.InitialContext().lookup("ldap://127.0.0.1:1/selftest");
    if (strayCalls.size() != 1) throw new IllegalStateException("JNDI recorder not installed");
    strayCalls.clear();

    LoggerContext context = new LoggerContext("oracle");
    Configuration config;
    if (args[0].equals("file")) {
      String xml = "<Configuration status=\"OFF\"><Appenders><Null name=\"null\"/></Appenders>"
          + "<Loggers><Root level=\"info\"><AppenderRef ref=\"null\"/></Root></Loggers></Configuration>";
      config = new XmlConfiguration(context,
          new ConfigurationSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
    } else {
      config = new DefaultConfiguration();
    }
    context.start(config);
    // Lookups report errors (an invalid ${date:} pattern) to the StatusLogger,
    // which takes a lock; silence it so that no lock is taken inside the
    // recursion (see RecorderLookup) and stderr stays readable.
    StatusLogger.getLogger().setLevel(Level.OFF);
    StrSubstitutor subst = config.getStrSubstitutor();
    Interpolator interpolator = (Interpolator) subst.getVariableResolver();
    Map<String, StrLookup> lookups = interpolator.getStrLookupMap();
    lookups.put("env", new AbsentLookup());
    lookups.put("jndi", new RecorderLookup());
    PatternLayout layout = PatternLayout.newBuilder().withConfiguration(config).withPattern("%m").build();

    try (BufferedReader in = Files.newBufferedReader(Paths.get(args[1]), StandardCharsets.US_ASCII);
         BufferedWriter out = Files.newBufferedWriter(Paths.get(args[2]), StandardCharsets.US_ASCII)) {
      out.write("#lookups\t" + String.join(",", new TreeSet<>(lookups.keySet())) + "\n");
      Map<String, String> props = config.getComponent(Configuration.CONTEXT_PROPERTIES);
      for (String k : new TreeSet<>(props.keySet())) {
        out.write("#property\t" + k + "\t" + esc(props.get(k)) + "\n");
      }
      for (String k : new String[] {"version", "runtime", "vm", "os", "hw", "locale"}) {
        out.write("#java\t" + k + "\t" + esc(lookups.get("java").lookup(k)) + "\n");
      }
      for (String k : new String[] {"file.separator", "path.separator", "line.separator"}) {
        out.write("#sys\t" + k + "\t" + esc(System.getProperty(k)) + "\n");
      }
      out.write("#event\tLevel\tINFO\n#event\tLogger\tcom.example.App\n");
      out.write("#event\tThreadName\tmain\n#event\tThreadId\t1\n");

      String line;
      int index = 0;
      while ((line = in.readLine()) != null) {
        int tab = line.indexOf('\t');
        long time = Long.parseLong(line.substring(0, tab));
        String payload = unesc(line.substring(tab + 1));
        LogEvent event = Log4jLogEvent.newBuilder()
            .setLoggerName("com.example.App")
            .setLevel(Level.INFO)
            .setMessage(new SimpleMessage(payload))
            .setTimeMillis(time)
            .setThreadName("main")
            .setThreadId(1)
            .build();
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String path : new String[] {"S", "M"}) {
          calls.clear();
          String[] outcome = {"OK"};
          String[] result = {null};
          Thread worker = new Thread(null, () -> {
            try {
              result[0] = path.equals("S") ? subst.replace(event, payload) : layout.toSerializable(event);
            } catch (StackOverflowError e) {
              outcome[0] = "SOE";
            } catch (IllegalStateException e) {
              outcome[0] = String.valueOf(e.getMessage()).startsWith("Infinite loop") ? "LOOP" : "ERR:" + e;
            } catch (IllegalArgumentException e) {
              // JavaLookup's "unknown key"; anything else is JDK code that failed
              // because the stack ran out under it (its trace is the full 1024 frames).
              StackTraceElement[] trace = e.getStackTrace();
              outcome[0] = trace.length > 0 && trace[0].getClassName().endsWith(".JavaLookup") ? "LOOKUP_ERROR"
                  : trace.length >= 1000 ? "SOE" : "ERR:" + e;
            } catch (OutOfMemoryError e) {
              result[0] = null;
              outcome[0] = "TIMEOUT";
            } catch (ThreadDeath e) {
              outcome[0] = "TIMEOUT";
            } catch (Throwable e) {
              outcome[0] = e.getStackTrace().length >= 1000 ? "SOE" : "ERR:" + e;
            }
          }, "payload", 2L << 20);
          worker.start();
          worker.join(TIMEOUT_MILLIS);
          if (worker.isAlive()) {
            // Log4j itself never finishes on some inputs (the %m rescan can grow the
            // message forever, e.g. "${a} $$${event:Message}"): stop it.
            worker.stop();
            worker.join();
            outcome[0] = "TIMEOUT";
            result[0] = null;
          }
          StringBuilder sb = new StringBuilder();
          sb.append("R\t").append(index).append('\t').append(path).append('\t').append(outcome[0])
              .append('\t').append(calls.size()).append('\t').append(esc(result[0]));
          // A StackOverflowError repeats calls thousands of times; the first ones suffice.
          for (String c : calls.subList(0, Math.min(calls.size(), 256))) sb.append('\t').append(esc(c));
          out.write(sb.append('\n').toString());
          names.addAll(calls);
        }
        for (String name : names) {
          StringBuilder sb = new StringBuilder("U\t").append(esc(name));
          try {
            URI uri = new URI(name);
            sb.append("\tOK\t").append(esc(uri.getScheme())).append('\t').append(esc(uri.getHost()))
                .append('\t').append(uri.getPort()).append('\t').append(esc(uri.getRawAuthority()));
          } catch (URISyntaxException e) {
            sb.append("\tBAD");
          }
          out.write(sb.append('\n').toString());
        }
        ++index;
        out.flush();  // So that a payload that hangs Log4j can be found in the output.
      }
    }
    if (!strayCalls.isEmpty()) throw new IllegalStateException("JNDI used outside JndiLookup: " + strayCalls);
    context.stop();
  }

  static String esc(String s) {
    if (s == null) return "\\N";
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\t') {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02X", c));
      }
    }
    return sb.toString();
  }

  static String unesc(String s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); ++i) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.charAt(i + 1) == 'x') {
        bytes.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
        i += 3;
      } else {
        bytes.write(c);
      }
    }
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }
}
