// Runs the real `mahnwerk` binary (MAHNWERK_BINARY, set by tests/CMakeLists.txt) as a child
// process for the CLI tests, capturing stdout, stderr and the exit code; and a temp folder.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace mahnwerk::testing {

// A fresh folder under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/mahnwerk_cli_test_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Starts `mahnwerk args...` with stdout and stderr going to files in `io_dir`; returns its pid.
// `env` entries ("NAME=value") are added to this process's environment.
inline pid_t spawn_mahnwerk(const std::vector<std::string>& args, const std::string& io_dir,
                            const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv_s{MAHNWERK_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = io_dir + "/stdout", err = io_dir + "/stderr";
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");
  return pid;
}

inline ProcessResult wait_mahnwerk(pid_t pid, const std::string& io_dir) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  ProcessResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_file(io_dir + "/stdout");
  r.err = read_file(io_dir + "/stderr");
  return r;
}

// Runs `mahnwerk args...` to completion.
inline ProcessResult run_mahnwerk(const std::vector<std::string>& args,
                                  const std::vector<std::string>& env = {}) {
  TempDir io;
  return wait_mahnwerk(spawn_mahnwerk(args, io.path(), env), io.path());
}

}  // namespace mahnwerk::testing
