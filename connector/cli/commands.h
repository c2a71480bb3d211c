// The subcommands of `mahnwerk`. Each registers itself on the app; its callback stores the
// process exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include "connector/cli/common.h"

namespace mahnwerk::cli {

void register_interest_command(CLI::App& app, int& exit_code);
void register_claim_command(CLI::App& app, int& exit_code);
void register_plan_command(CLI::App& app, int& exit_code);
void register_propose_command(CLI::App& app, int& exit_code);
void register_letters_command(CLI::App& app, int& exit_code);
void register_datev_command(CLI::App& app, int& exit_code);             // datev read, check
void register_datev_writeback_commands(CLI::App& app, int& exit_code);  // datev import, writeback
void register_config_command(CLI::App& app, int& exit_code);            // config check, init
void register_outbox_command(CLI::App& app, int& exit_code);            // outbox list, retry
void register_sync_command(CLI::App& app, int& exit_code);              // sync --tenant T | --all
void register_proposal_command(CLI::App& app, int& exit_code);          // proposal show, approve, reject
void register_audit_command(CLI::App& app, int& exit_code);             // audit verify
void register_history_command(CLI::App& app, int& exit_code);           // history --item | --debtor
void register_status_command(CLI::App& app, int& exit_code);            // status
void register_run_command(CLI::App& app, int& exit_code);               // run (the scheduler)

// Adds --basiszins and --region to a subcommand.
void add_law_options(CLI::App& command, LawOptions& options);

}  // namespace mahnwerk::cli
