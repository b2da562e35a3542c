// A minimal W3C WebDriver client (libcurl) driving headless Chromium through
// chromedriver, for the HTML report test.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace l4s::testing {

class WebDriver {
 public:
  static constexpr const char* kElement = "element-6066-11e4-a52e-4f735466cecf";

  // Starts chromedriver and a headless Chromium session; "" on success.
  std::string start(const std::string& profile_dir) {
    const char* driver = "/usr/bin/chromedriver";
    const char* browser = "/usr/bin/chromium";
    if (access(driver, X_OK) != 0 || access(browser, X_OK) != 0)
      return "chromium / chromium-driver not installed (apt-get install chromium chromium-driver)";
    port_ = free_port();
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = "--port=" + std::to_string(port_);
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execl(driver, driver, port.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    base_ = "http://127.0.0.1:" + std::to_string(port_);
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      nlohmann::json r;
      ready = call("GET", "/status", nullptr, &r) && r["value"].value("ready", false);
    }
    if (!ready) return "chromedriver did not start";
    nlohmann::json caps = {
        {"capabilities",
         {{"alwaysMatch",
           {{"browserName", "chrome"},
            {"goog:chromeOptions",
             {{"binary", browser},
              {"args",
               {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1600", "--user-data-dir=" + profile_dir}}}}}}}}};
    nlohmann::json r;
    if (!call("POST", "/session", &caps, &r) || !r["value"].contains("sessionId"))
      return "cannot create a Chromium session: " + r.dump();
    session_ = "/session/" + r["value"]["sessionId"].get<std::string>();
    return "";
  }

  ~WebDriver() {
    if (!session_.empty()) call("DELETE", session_, nullptr, nullptr);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  bool navigate(const std::string& url) {
    nlohmann::json body = {{"url", url}};
    return call("POST", session_ + "/url", &body, nullptr);
  }
  std::string find(const std::string& css) {
    nlohmann::json body = {{"using", "css selector"}, {"value", css}}, r;
    if (!call("POST", session_ + "/element", &body, &r) || !r["value"].contains(kElement)) return "";
    return r["value"][kElement];
  }
  std::string text(const std::string& element) {
    nlohmann::json r;
    if (!call("GET", session_ + "/element/" + element + "/text", nullptr, &r)) return "";
    return r["value"].get<std::string>();
  }
  bool click(const std::string& element) {
    nlohmann::json body = nlohmann::json::object();
    return call("POST", session_ + "/element/" + element + "/click", &body, nullptr);
  }
  bool type(const std::string& element, const std::string& keys) {
    nlohmann::json body = {{"text", keys}};
    return call("POST", session_ + "/element/" + element + "/value", &body, nullptr);
  }
  nlohmann::json script(const std::string& js) {
    nlohmann::json body = {{"script", js}, {"args", nlohmann::json::array()}}, r;
    if (!call("POST", session_ + "/execute/sync", &body, &r)) return nullptr;
    return r["value"];
  }
  bool screenshot(const std::string& png_path) {
    nlohmann::json r;
    if (!call("GET", session_ + "/screenshot", nullptr, &r) || !r["value"].is_string()) return false;
    std::string b64 = r["value"];
    std::vector<unsigned char> png(b64.size());
    int n = EVP_DecodeBlock(png.data(), reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
    if (n < 8) return false;
    while (!b64.empty() && b64.back() == '=') b64.pop_back(), --n;  // DecodeBlock counts padding
    std::ofstream out(png_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(png.data()), n);
    return static_cast<bool>(out);
  }

 private:
  static int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
  }
  static size_t collect(char* p, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
  }
  bool call(const char* method, const std::string& path, const nlohmann::json* body, nlohmann::json* out) {
    CURL* c = curl_easy_init();
    std::string response, payload = body ? body->dump() : "";
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, (base_ + path).c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) return false;
    nlohmann::json j = nlohmann::json::parse(response, nullptr, false);
    if (out) *out = j.is_discarded() ? nlohmann::json(nullptr) : j;
    return status == 200;
  }

  int port_ = 0;
  pid_t pid_ = -1;
  std::string base_, session_;
};

}  // namespace l4s::testing
