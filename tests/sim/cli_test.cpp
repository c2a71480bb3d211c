// The mahnwerk-sim executable: the generator writes a data file the simulator loads; the
// simulator prints its address, writes its CA for clients to trust (and lexoffice's webhook
// public key), serves, and ends cleanly on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "adapters/http/beast_transport.h"
#include "adapters/http/client.h"
#include "tests/adapters/http/test_pki.h"
#include "tests/sim/sim_data.h"

namespace mahnwerk::sim {
namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[65536];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0) << command;
  return out;
}

TEST(SimCli, GeneratesDataServesItOverHttpsAndStopsOnSigterm) {
  http::testing::TempDir dir;
  const std::string data_json =
      run(std::string(MAHNWERK_SIM_BINARY) + " generate sevdesk --invoices 300 --seed 5");
  const Data data = load_data(data_json);
  EXPECT_EQ(data.system, System::kSevdesk);
  ASSERT_EQ(data.invoices.size(), 300u);
  EXPECT_EQ(data_json, run(std::string(MAHNWERK_SIM_BINARY) + " generate sevdesk --invoices 300 --seed 5"));
  const std::string data_file = dir.write("sevdesk.json", data_json);
  const std::string ca_file = dir.path() + "/ca.pem";

  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(MAHNWERK_SIM_BINARY, MAHNWERK_SIM_BINARY, "sevdesk", "--port", "0", "--data", data_file.c_str(),
          "--ca-out", ca_file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char ch = 0;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  close(out[0]);
  const std::string prefix = "listening on https://127.0.0.1:";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  const std::string origin = line.substr(std::string("listening on ").size());

  http::BeastTransport transport;
  http::Client client(transport);
  http::Request r;
  r.url = origin + "/api/v1/Invoice?status=200&limit=10&countAll=true";
  r.headers = {{"Authorization", data.api_key}};
  r.ca_file = ca_file;
  const http::Outcome o = client.fetch(r);
  EXPECT_TRUE(o.ok()) << o.response.body;
  EXPECT_NE(o.response.body.find("\"objects\":[{"), std::string::npos);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SimCli, WritesTheWebhookPublicKeyLikeItsCa) {
  http::testing::TempDir dir;
  const std::string data_file = dir.write(
      "lex.json", run(std::string(MAHNWERK_SIM_BINARY) + " generate lexoffice --invoices 5 --seed 1"));
  const std::string ca_file = dir.path() + "/ca.pem", key_file = dir.path() + "/webhook.pub.pem";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(MAHNWERK_SIM_BINARY, MAHNWERK_SIM_BINARY, "lexoffice", "--port", "0", "--data", data_file.c_str(),
          "--ca-out", ca_file.c_str(), "--webhook-key-out", key_file.c_str(), "--webhook-retry-ms", "10,20",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char ch = 0;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  close(out[0]);
  ASSERT_EQ(line.rfind("listening on https://127.0.0.1:", 0), 0u) << line;

  std::ifstream in(key_file);
  std::stringstream key;
  key << in.rdbuf();
  EXPECT_EQ(key.str().rfind("-----BEGIN PUBLIC KEY-----", 0), 0u) << key.str();
  http::BeastTransport transport;
  http::Client client(transport);
  http::Request r;
  r.url = line.substr(std::string("listening on ").size()) + "/_sim/webhook-key";
  r.ca_file = ca_file;
  const http::Outcome o = client.fetch(r);
  EXPECT_TRUE(o.ok()) << o.response.body;
  EXPECT_EQ(o.response.body, key.str());

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  const std::string sev_file = dir.write(
      "sev.json", run(std::string(MAHNWERK_SIM_BINARY) + " generate sevdesk --invoices 5 --seed 1"));
  const int rc = std::system(("timeout 10 " + std::string(MAHNWERK_SIM_BINARY) + " sevdesk --data " +
                              sev_file + " --webhook-key-out " + dir.path() + "/none.pem 2>/dev/null")
                                 .c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 64) << rc;  // sevDesk sends no webhooks
}

TEST(SimCli, RefusesADataFileOfTheOtherSystemAndABadFaultSpec) {
  http::testing::TempDir dir;
  const std::string file = dir.write(
      "lex.json", run(std::string(MAHNWERK_SIM_BINARY) + " generate lexoffice --invoices 5 --seed 1"));
  const std::string sim = std::string(MAHNWERK_SIM_BINARY);
  EXPECT_NE(std::system((sim + " sevdesk --data " + file + " 2>/dev/null").c_str()), 0);
  EXPECT_NE(std::system((sim + " lexoffice --data " + file + " --faults explode 2>/dev/null").c_str()), 0);
}

}  // namespace
}  // namespace mahnwerk::sim
