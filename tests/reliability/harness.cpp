#include "tests/reliability/harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "model/data/idx.h"

extern char** environ;

namespace alexnet::reliability {
namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

RunResult run_tool(const std::string& args, const std::map<std::string, std::string>& env, double kill_after_seconds,
                   double timeout_seconds) {
  std::vector<std::string> argv_text{ALEXNET_VK_BINARY};
  std::istringstream split(args);
  for (std::string word; split >> word;) argv_text.push_back(word);
  return run_program(argv_text, env, kill_after_seconds, timeout_seconds);
}

RunResult run_program(const std::vector<std::string>& argv_given, const std::map<std::string, std::string>& env,
                      double kill_after_seconds, double timeout_seconds) {
  static int counter = 0;
  const fs::path base = fs::path(::testing::TempDir()) /
                        ("alexnet_vk_reliability_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const std::string out_path = base.string() + ".out", err_path = base.string() + ".err";
  std::vector<std::string> argv_text = argv_given;
  std::string args;  // for messages
  for (std::size_t i = 1; i < argv_text.size(); ++i) args += (i > 1 ? " " : "") + argv_text[i];
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_text;
  for (const auto& [k, v] : merged) env_text.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const auto start = std::chrono::steady_clock::now();
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  RunResult r;
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(spawned);
    return r;
  }
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (kill_after_seconds > 0 && elapsed() >= kill_after_seconds && !r.killed_by_us) {
      ::kill(pid, SIGKILL);
      r.killed_by_us = true;
    }
    if (elapsed() >= timeout_seconds) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << argv_text[0] << " " << args << " still running after " << timeout_seconds << " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = elapsed();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return r;
}

std::map<std::uint64_t, std::vector<std::string>> read_step_log(const fs::path& path) {
  std::map<std::uint64_t, std::vector<std::string>> steps;
  std::ifstream in(path);
  std::uint64_t step;
  std::string loss;
  while (in >> step >> loss) steps[step].push_back(loss);
  return steps;
}

int line_count(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("reliability_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace alexnet::reliability
