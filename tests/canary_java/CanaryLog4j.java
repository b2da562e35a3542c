import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

// Logs each argument once with Log4j, as an application logging user input
// would, and prints how long each call took: "elapsed_ms <n>" on stderr.
// A warm-up message first, so that plugin loading is not counted.
public class CanaryLog4j {
  public static void main(String[] args) {
    Logger log = LogManager.getLogger(CanaryLog4j.class);
    log.error("warm-up");
    for (String a : args) {
      long t0 = System.nanoTime();
      log.error("user input: {}", a);
      System.err.println("elapsed_ms " + (System.nanoTime() - t0) / 1_000_000);
    }
  }
}
