// `mahnwerk config check`: validates the office configuration without contacting any system.
// `mahnwerk init`: writes a commented configuration skeleton (mode 0600).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "adapters/jsonfile/office_config.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"

namespace mahnwerk::cli {
namespace {

namespace fs = std::filesystem;

struct CheckArgs {
  std::string config;
  bool json = false;
};

struct InitArgs {
  std::string config;
  bool force = false;
};

void print_json(const jsonfile::OfficeCheck& check) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_field(w, "config", check.config.path);
  write_field(w, "ok", check.ok());
  write_string(w, "tenants");
  w.StartArray();
  for (const auto& t : check.config.tenants) {
    w.StartObject();
    write_field(w, "id", t.id);
    write_field(w, "name", t.name);
    write_field(w, "source", t.source);
    write_field(w, "adapter", jsonfile::to_string(t.adapter));
    write_field(w, "policy", t.policy_path);
    write_field(w, "schedule", t.schedule.text);
    write_field(w, "time_zone", t.time_zone);
    write_field(w, "approval", jsonfile::to_string(t.approval));
    // The reference only, never what it resolves to.
    write_field(w, "credentials", t.credentials ? std::string_view(t.credentials->text) : std::string_view());
    w.EndObject();
  }
  w.EndArray();
  write_string(w, "problems");
  w.StartArray();
  for (const auto& e : check.problems) {
    w.StartObject();
    write_field(w, "context", e.context);
    write_field(w, "message", e.message);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

int run_check(const CheckArgs& args) {
  auto path = jsonfile::find_office_config(args.config);
  if (!path) return report(path.error());
  const jsonfile::OfficeCheck check = jsonfile::check_office_config(*path, true);
  if (args.json) print_json(check);
  if (!check.ok()) {
    for (const auto& e : check.problems) report(e);
    std::cerr << "mahnwerk: " << *path << ": " << check.problems.size()
              << " problem(s) in the configuration\n";
    return kExitConfig;
  }
  if (!args.json) {
    for (const auto& t : check.config.tenants) {
      std::printf("%s  adapter %s  policy %s  schedule \"%s\" (%s)  approval %s\n", t.id.c_str(),
                  std::string(jsonfile::to_string(t.adapter)).c_str(), t.policy_path.c_str(),
                  t.schedule.text.c_str(), t.time_zone.c_str(),
                  std::string(jsonfile::to_string(t.approval)).c_str());
    }
    std::printf("configuration OK: %zu tenant(s) in %s\n", check.config.tenants.size(), path->c_str());
  }
  return kExitOk;
}

// O_EXCL unless --force, so two concurrent inits cannot both believe they created the file;
// fchmod because an existing file keeps its old mode through O_TRUNC.
int run_init(const InitArgs& args) {
  const std::string path = jsonfile::office_config_init_path(args.config);
  const std::string text = jsonfile::office_config_skeleton(find_data_file("policies/standard.json"));
  std::error_code ec;
  if (const fs::path dir = fs::path(path).parent_path(); !dir.empty()) fs::create_directories(dir, ec);
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (args.force ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      std::cerr << "mahnwerk: " << path << ": exists; not overwritten (use --force to replace it)\n";
      return kExitUsage;
    }
    return report(core::Error{core::ErrorKind::kBadConfig,
                              std::string("cannot create: ") + std::strerror(errno), path});
  }
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int err = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok)
    return report(
        core::Error{core::ErrorKind::kBadConfig, std::string("cannot write: ") + std::strerror(err), path});
  std::printf("wrote %s (mode 0600); edit it, then run: mahnwerk config check --config %s\n", path.c_str(),
              path.c_str());
  return kExitOk;
}

}  // namespace

void register_config_command(CLI::App& app, int& exit_code) {
  CLI::App* config = app.add_subcommand("config", "The office configuration (docs/configuration.md)");
  config->require_subcommand(1);
  auto check = std::make_shared<CheckArgs>();
  CLI::App* cmd = config->add_subcommand(
      "check",
      "Validate the office file, every tenant, policy and credentials reference; contacts no system");
  cmd->add_option("--config", check->config,
                  "office file; default: $MAHNWERK_CONFIG, $XDG_CONFIG_HOME/mahnwerk/office.json, "
                  "/etc/mahnwerk/office.json");
  cmd->add_flag("--json", check->json, "print JSON (tenants and problems) instead of lines");
  cmd->callback([check, &exit_code] { exit_code = run_check(*check); });

  auto init = std::make_shared<InitArgs>();
  CLI::App* init_cmd =
      app.add_subcommand("init", "Write a commented office configuration skeleton (mode 0600)");
  init_cmd->add_option(
      "--config", init->config,
      "where to write; default: $MAHNWERK_CONFIG, else $XDG_CONFIG_HOME/mahnwerk/office.json");
  init_cmd->add_flag("--force", init->force, "overwrite an existing file");
  init_cmd->callback([init, &exit_code] { exit_code = run_init(*init); });
}

}  // namespace mahnwerk::cli
