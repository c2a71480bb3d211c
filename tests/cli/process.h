// Runs the real `mahnwerk` binary (MAHNWERK_BINARY, set by tests/CMakeLists.txt) as a child
// process for the CLI tests, capturing stdout, stderr and the exit code; and a temp folder.
#pragma once

#include <fcntl.h>
#include <signal.h>
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

#include "tests/support/temp_dir.h"

extern char** environ;

namespace mahnwerk::testing {

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

// A running `mahnwerk` whose stderr the test reads line by line (the scheduler's log), so it can
// act at a given point of the run without sleeping.
class LoggingProcess {
 public:
  LoggingProcess(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
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
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    read_fd_ = fds[0];
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
  }
  ~LoggingProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(read_fd_);
  }
  LoggingProcess(const LoggingProcess&) = delete;
  LoggingProcess& operator=(const LoggingProcess&) = delete;

  // Reads stderr until `needle` appears (true) or the process closes it (false).
  bool wait_for(std::string_view needle) {
    while (log_.find(needle, scanned_) == std::string::npos) {
      char buffer[4096];
      const ssize_t n = ::read(read_fd_, buffer, sizeof buffer);
      if (n <= 0) return false;
      log_.append(buffer, static_cast<std::size_t>(n));
    }
    scanned_ = log_.find(needle, scanned_) + needle.size();
    return true;
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // Waits for the exit; returns the exit code (-1 when killed by a signal) and reads the rest of the log.
  int wait_exit() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(read_fd_, buffer, sizeof buffer)) > 0)
      log_.append(buffer, static_cast<std::size_t>(n));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::string log_;
  std::size_t scanned_ = 0;
};

}  // namespace mahnwerk::testing
