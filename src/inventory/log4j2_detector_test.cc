// Decision branches of the log4j-core detector on synthetic jars.
#include <gtest/gtest.h>

#include "inventory/detect.h"
#include "inventory/known_hashes.h"
#include "inventory/log4j2_facts.h"
#include "inventory/test_classes.h"

namespace l4s::inventory {
namespace {

using namespace testing;
using Strings = std::vector<std::string>;

const std::string kStd = "org/apache/logging/log4j/core/";
const std::string kPom = "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties";
const Strings kAll4 = {"CVE-2021-44228", "CVE-2021-44832", "CVE-2021-45046", "CVE-2021-45105"};

std::vector<Finding> detect(const MemoryContainer& c, std::string file_name = "app.jar",
                            std::vector<ScanError>* errors = nullptr) {
  DetectContext ctx{"/srv/" + file_name, "/srv/" + file_name, file_name, errors};
  return detect_components(c, ctx);
}

// The single log4j-core finding, failing the test otherwise.
Finding only(const std::vector<Finding>& found) {
  EXPECT_EQ(found.size(), 1u);
  return found.empty() ? Finding{} : found[0];
}

TEST(Log4j2Detector, StandardJarWithPom) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.14.1"));
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.14.1"));
  Finding f = only(detect(c));
  EXPECT_EQ(f.component, "log4j-core");
  EXPECT_EQ(f.version, "2.14.1");
  EXPECT_EQ(f.version_source, "pom");
  EXPECT_EQ(f.version_range, "");
  EXPECT_EQ(f.cves, kAll4);
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.shaded_prefix, "");
  EXPECT_FALSE(f.metadata_mismatch);
  EXPECT_EQ(f.path, "/srv/app.jar");
  EXPECT_EQ(f.location, "/srv/app.jar");
}

TEST(Log4j2Detector, WithoutMetadataGivesNarrowestRange) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.14.1"));
  Finding f = only(detect(c));
  EXPECT_FALSE(f.version);
  EXPECT_EQ(f.version_range, "2.13.0..2.14.1");  // major 52, NoSqlAppender, old JndiManager
  EXPECT_EQ(f.version_source, "classes");
  EXPECT_EQ(f.cves, kAll4);

  MemoryContainer java7;
  add_log4j2_copy(java7, kStd, release("2.9.1"));
  EXPECT_EQ(only(detect(java7)).version_range, "2.4..2.9.1");  // major 51 without NoSqlAppender
}

TEST(Log4j2Detector, ExactReleasesFromClassesAlone) {
  struct Case {
    const char* release;
    Strings cves;
    FindingStatus status;
  };
  const Case cases[] = {
      {"2.15.0", {"CVE-2021-44832", "CVE-2021-45046", "CVE-2021-45105"}, FindingStatus::kVulnerable},
      {"2.16.0", {"CVE-2021-44832", "CVE-2021-45105"}, FindingStatus::kVulnerable},
      {"2.12.2", {"CVE-2021-44832", "CVE-2021-45105"}, FindingStatus::kVulnerable},
      {"2.17.0", {"CVE-2021-44832"}, FindingStatus::kVulnerable},
      {"2.12.3", {"CVE-2021-44832"}, FindingStatus::kVulnerable},
      {"2.3.1", {"CVE-2021-44832"}, FindingStatus::kVulnerable},
      {"2.12.4", {}, FindingStatus::kSafe},
      {"2.3.2", {}, FindingStatus::kSafe},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.release);
    MemoryContainer c;
    add_log4j2_copy(c, kStd, release(k.release));
    Finding f = only(detect(c));
    EXPECT_EQ(f.version, k.release);
    EXPECT_EQ(f.version_source, "classes");
    EXPECT_EQ(f.cves, k.cves);
    EXPECT_EQ(f.status, k.status);
  }
}

TEST(Log4j2Detector, FixedLineIsOpenEnded) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.17.1"));
  Finding f = only(detect(c));
  EXPECT_FALSE(f.version);
  EXPECT_EQ(f.version_range, ">=2.17.1");
  EXPECT_TRUE(f.cves.empty());
  EXPECT_EQ(f.status, FindingStatus::kSafe);
  EXPECT_EQ(f.severity, Severity::kNone);

  // A release newer than the table is accepted from the pom.
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.24.3"));
  f = only(detect(c));
  EXPECT_EQ(f.version, "2.24.3");
  EXPECT_FALSE(f.metadata_mismatch);
}

TEST(Log4j2Detector, Beta9LineHasJndiLookupButNoJndiManager) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.0-beta9"));
  Finding f = only(detect(c));
  EXPECT_EQ(f.version_range, "2.0-beta9..2.0-rc1");  // no SetUtils yet
  EXPECT_EQ(f.cves, kAll4);
}

TEST(Log4j2Detector, PreBeta9CopiesFoundByCoreClasses) {
  MemoryContainer alpha;
  add_log4j2_copy(alpha, kStd, release("2.0-beta2"));
  Finding f = only(detect(alpha));
  EXPECT_EQ(f.version_range, "2.0-alpha1..2.0-beta4");  // major 49
  EXPECT_EQ(f.cves, Strings{"CVE-2021-45105"});
  EXPECT_TRUE(f.mitigated_cves.empty());
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);

  MemoryContainer beta8;
  add_log4j2_copy(beta8, kStd, release("2.0-beta8"));
  beta8.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.0-beta8"));
  f = only(detect(beta8));
  EXPECT_EQ(f.version, "2.0-beta8");
  EXPECT_EQ(f.cves, (Strings{"CVE-2021-44832", "CVE-2021-45105"}));

  MemoryContainer beta8_bare;  // DataSourceConnectionSource marks beta7+
  add_log4j2_copy(beta8_bare, kStd, release("2.0-beta8"));
  EXPECT_EQ(only(detect(beta8_bare)).version_range, "2.0-beta7..2.0-beta8");
}

TEST(Log4j2Detector, JndiLookupRemovedIsMitigated) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.14.1"), {.jndi_lookup = false});
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.14.1"));
  Finding f = only(detect(c));
  EXPECT_EQ(f.version, "2.14.1");
  EXPECT_EQ(f.status, FindingStatus::kMitigated);
  EXPECT_EQ(f.cves, (Strings{"CVE-2021-44832", "CVE-2021-45105"}));
  EXPECT_EQ(f.mitigated_cves, (Strings{"CVE-2021-44228", "CVE-2021-45046"}));
  EXPECT_EQ(f.severity, Severity::kMedium);

  // 2.15.0: only CVE-2021-45046 needed the lookup.
  MemoryContainer c215;
  add_log4j2_copy(c215, kStd, release("2.15.0"), {.jndi_lookup = false});
  f = only(detect(c215));
  EXPECT_EQ(f.status, FindingStatus::kMitigated);
  EXPECT_EQ(f.mitigated_cves, Strings{"CVE-2021-45046"});
}

TEST(Log4j2Detector, RemovingJndiLookupFromFixedReleasesChangesNothing) {
  MemoryContainer c216;
  add_log4j2_copy(c216, kStd, release("2.16.0"), {.jndi_lookup = false});
  Finding f = only(detect(c216));
  EXPECT_EQ(f.version, "2.16.0");
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);
  EXPECT_EQ(f.cves, (Strings{"CVE-2021-44832", "CVE-2021-45105"}));
  EXPECT_TRUE(f.mitigated_cves.empty());

  MemoryContainer c2171;
  add_log4j2_copy(c2171, kStd, release("2.17.1"), {.jndi_lookup = false});
  EXPECT_EQ(only(detect(c2171)).status, FindingStatus::kSafe);
}

TEST(Log4j2Detector, PomWithoutJndiLookupLikeSimilarButNotVuln) {
  // google's similarbutnotvuln.jar: log4j-core 2.1 with JndiLookup deleted.
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.1"), {.jndi_lookup = false});
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.1"));
  Finding f = only(detect(c));
  EXPECT_EQ(f.version, "2.1");
  EXPECT_EQ(f.status, FindingStatus::kMitigated);
}

TEST(Log4j2Detector, MetadataContradictingClassesIsFlagged) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.14.1"));
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.17.1"));  // forged or stale
  Finding f = only(detect(c));
  EXPECT_TRUE(f.metadata_mismatch);
  EXPECT_EQ(f.claimed_version, "2.17.1");
  EXPECT_FALSE(f.version);
  EXPECT_EQ(f.version_range, "2.13.0..2.14.1");
  EXPECT_EQ(f.cves, kAll4);  // the classes decide
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);

  // A release name that does not exist is a mismatch too.
  MemoryContainer fake;
  add_log4j2_copy(fake, kStd, release("2.14.1"));
  fake.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.14.2"));
  EXPECT_TRUE(only(detect(fake)).metadata_mismatch);
}

TEST(Log4j2Detector, ManifestAndFileNameNameTheRelease) {
  MemoryContainer c;  // logpresso's log4j-core-2.15.0_potentially.jar: JndiLookup only
  c.add(kStd + "lookup/JndiLookup.class", jndi_lookup_class(JndiLookupKind::kClassic, 52));
  c.add("META-INF/MANIFEST.MF",
        "Manifest-Version: 1.0\r\nImplementation-Title: Apache Log4j Core\r\nImplementation-Version: 2.15.0\r\n\r\n");
  Finding f = only(detect(c, "log4j-core-2.15.0_potentially.jar"));
  EXPECT_EQ(f.version, "2.15.0");
  EXPECT_EQ(f.version_source, "manifest");
  EXPECT_EQ(f.cves, (Strings{"CVE-2021-44832", "CVE-2021-45046", "CVE-2021-45105"}));

  MemoryContainer named;
  add_log4j2_copy(named, kStd, release("2.14.0"));
  f = only(detect(named, "log4j-core-2.14.0.jar"));
  EXPECT_EQ(f.version, "2.14.0");
  EXPECT_EQ(f.version_source, "filename");

  // A fat jar's own manifest says nothing about log4j-core.
  MemoryContainer fat;
  add_log4j2_copy(fat, kStd, release("2.14.0"));
  fat.add("META-INF/MANIFEST.MF", "Implementation-Title: My App\nImplementation-Version: 2.14.0\n");
  EXPECT_FALSE(only(detect(fat)).version);
}

TEST(Log4j2Detector, ShadedCopyKeepsItsPrefix) {
  MemoryContainer c;
  add_log4j2_copy(c, "clt/shaded/l/core/", release("2.14.1"));
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.14.1"));
  Finding f = only(detect(c));
  EXPECT_EQ(f.shaded_prefix, "clt/shaded/l/core/");
  EXPECT_EQ(f.version, "2.14.1");
  EXPECT_EQ(f.version_source, "pom");
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);
}

TEST(Log4j2Detector, RootLevelCopyLikeVulnClassJar) {
  // google's vuln-class.jar: lookup/ and net/ at the jar root, log4j-jcl metadata.
  MemoryContainer c;
  c.add("lookup/JndiLookup.class", jndi_lookup_class(JndiLookupKind::kClassic, 52));
  c.add("net/JndiManager.class", jndi_manager_class(JndiManagerKind::kOldCtor, 52));
  c.add("META-INF/maven/org.apache.logging.log4j/log4j-jcl/pom.properties",
        pom("org.apache.logging.log4j", "log4j-jcl", "2.14.0"));
  c.add("META-INF/MANIFEST.MF", "Implementation-Title: Apache Log4j Commons Logging Bridge\n"
                                "Implementation-Version: 2.14.0\n");
  Finding f = only(detect(c));
  EXPECT_EQ(f.shaded_prefix, "/");
  EXPECT_FALSE(f.version);
  EXPECT_EQ(f.version_range, "2.13.0..2.14.1");
  EXPECT_EQ(f.cves, kAll4);
}

TEST(Log4j2Detector, EveryCopyIsOneFinding) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.17.1"));
  add_log4j2_copy(c, "shaded/log4j/core/", release("2.12.1"));
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.17.1"));
  auto found = detect(c);
  ASSERT_EQ(found.size(), 2u);
  // Ordered by root: "org/..." before "shaded/...".
  EXPECT_EQ(found[0].shaded_prefix, "");
  EXPECT_EQ(found[0].version, "2.17.1");  // the pom speaks for the standard copy
  EXPECT_EQ(found[1].shaded_prefix, "shaded/log4j/core/");
  EXPECT_FALSE(found[1].version);
  EXPECT_EQ(found[1].version_range, "2.10.0..2.12.1");
  EXPECT_EQ(found[1].status, FindingStatus::kVulnerable);
}

TEST(Log4j2Detector, LookAlikesAreNotLog4j) {
  MemoryContainer c;
  // Sentry's io.sentry.config.JndiLookup-style class: same name, not log4j.
  c.add("io/sentry/config/JndiLookup.class", class_bytes(52, {"JndiLookup", "javax/naming/InitialContext"}));
  // palantir's not-a-finding.jar: a text file named like the class.
  c.add("JndiManager.notaclass", "this is not a class file");
  c.add("com/example/lookup/JndiLookupHelper.class", jndi_lookup_class(JndiLookupKind::kClassic, 52));
  EXPECT_TRUE(detect(c).empty());
}

TEST(Log4j2Detector, RenamedClassExtensionsAreRead) {
  MemoryContainer renamed;  // palantir's renamed-log4j-class.jar
  renamed.add("classes/JndiManager.classrenamed", jndi_manager_class(JndiManagerKind::kOldCtor, 52));
  Finding f = only(detect(renamed));
  EXPECT_EQ(f.shaded_prefix, "classes/");
  EXPECT_EQ(f.version_range, "2.13.0..2.14.1");
  EXPECT_EQ(f.status, FindingStatus::kMitigated);  // no JndiLookup beside it

  MemoryContainer elastic;  // Elastic APM agent's .esclazz
  elastic.add("agent/log4j2/core/lookup/JndiLookup.esclazz", jndi_lookup_class(JndiLookupKind::kClassic, 52));
  elastic.add("agent/log4j2/core/net/JndiManager.esclazz", jndi_manager_class(JndiManagerKind::kAllowList, 52));
  f = only(detect(elastic));
  EXPECT_EQ(f.shaded_prefix, "agent/log4j2/core/");
  EXPECT_EQ(f.version, "2.15.0");
}

TEST(Log4j2Detector, ObfuscatedJarFoundByStringsWhenPomSaysLog4jCore) {
  MemoryContainer c;
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.14.1"));
  c.add("org/a/a/a/a/a.class", class_bytes(52, {"a", "b"}));
  c.add("org/a/a/a/a/f/h.class", class_bytes(52, {"Error looking up JNDI resource [{}].", "java:comp/env/"}));
  c.add("org/a/a/a/a/g/b.class",
        class_bytes(52, {"(Ljava/lang/String;Ljavax/naming/Context;)V", "javax/naming/Context", "JndiManager"}));
  Finding f = only(detect(c));
  EXPECT_EQ(f.version, "2.14.1");
  EXPECT_EQ(f.version_source, "pom");
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);
  EXPECT_EQ(f.cves, kAll4);
  EXPECT_EQ(f.shaded_prefix, "");
  bool said_obfuscated = false;
  for (const auto& e : f.evidence) said_obfuscated |= e.find("obfuscated") != std::string::npos;
  EXPECT_TRUE(said_obfuscated);

  // Without the pom nobody scans every class.
  MemoryContainer no_pom;
  no_pom.add("org/a/a/a/a/f/h.class", class_bytes(52, {"Error looking up JNDI resource [{}]."}));
  EXPECT_TRUE(detect(no_pom).empty());
}

TEST(Log4j2Detector, UnreadableJndiLookupIsNotCountedAsRemoved) {
  MemoryContainer c;
  c.add_unreadable(kStd + "lookup/JndiLookup.class", 3000);
  c.add(kStd + "net/JndiManager.class", jndi_manager_class(JndiManagerKind::kOldCtor, 52));
  std::vector<ScanError> errors;
  Finding f = only(detect(c, "app.jar", &errors));
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);
  EXPECT_TRUE(f.mitigated_cves.empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].location, "/srv/app.jar!/" + kStd + "lookup/JndiLookup.class");
}

TEST(Log4j2Detector, OtherLog4jArtifactsAreNotFindings) {
  MemoryContainer api;  // log4j-api: org/apache/logging/log4j/... but no core
  api.add("org/apache/logging/log4j/LogManager.class", class_bytes(52, {"LogManager"}));
  api.add("META-INF/maven/org.apache.logging.log4j/log4j-api/pom.properties",
          pom("org.apache.logging.log4j", "log4j-api", "2.14.1"));
  EXPECT_TRUE(detect(api, "log4j-api-2.14.1.jar").empty());
}

TEST(Log4j2Detector, HashNarrowsTheRange) {
  Log4j2Facts facts;
  facts.jndi_lookup = JndiLookupKind::kClassic;
  facts.jndi_manager = JndiManagerKind::kOldCtor;
  facts.major = 52;
  facts.jndi_manager_md5 = "f1d630c48928096a484e4b95ccb162a0";
  Narrowing n = narrow_releases(facts);
  EXPECT_EQ(render_range(n.releases), "2.14.0..2.14.1");
  EXPECT_TRUE(n.by_hash);

  facts.jndi_manager_md5 = "5d253e53fa993e122ff012221aa49ec3";  // 2.15.0's: contradicts the markers
  n = narrow_releases(facts);
  EXPECT_EQ(render_range(n.releases), "2.13.0..2.14.1");
  EXPECT_FALSE(n.by_hash);
}

TEST(Log4j2Detector, StrongestFactWinsOverContradictions) {
  Log4j2Facts facts;
  facts.jndi_manager = JndiManagerKind::kAllowListOff;  // 2.16.0
  facts.jndi_lookup = JndiLookupKind::kGated;           // 2.17-style lookup patched in by hand
  facts.major = 52;
  Narrowing n = narrow_releases(facts);
  EXPECT_EQ(render_range(n.releases), "2.16.0");
  ASSERT_FALSE(n.evidence.empty());
  EXPECT_NE(n.evidence[0].find("ignored contradicting fact"), std::string::npos);
}

// Every release of the table: a complete copy with its pom is named exactly
// and carries exactly its CVEs; without metadata the range contains it and
// no CVE of it is missed.
TEST(Log4j2Detector, EveryReleaseRoundTrips) {
  for (const Log4j2Release& r : log4j2_releases()) {
    SCOPED_TRACE(std::string(r.name));
    MemoryContainer c;
    add_log4j2_copy(c, kStd, r);
    Finding bare = only(detect(c));
    Strings expected = cve_ids(r.cves);
    for (const auto& cve : expected)
      EXPECT_NE(std::find(bare.cves.begin(), bare.cves.end(), cve), bare.cves.end()) << cve;
    c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", r.name));
    Finding named = only(detect(c));
    EXPECT_EQ(named.version, std::string(r.name));
    EXPECT_FALSE(named.metadata_mismatch);
    EXPECT_EQ(named.cves, expected);
  }
}

}  // namespace
}  // namespace l4s::inventory
