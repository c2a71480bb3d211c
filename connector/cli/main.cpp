// `mahnwerk`: the command line. Data on stdout, diagnostics on stderr, sysexits exit codes.
// The one catch of the program maps unexpected exceptions to EX_SOFTWARE.
#include <iostream>

#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/core/money.h"

int main(int argc, char** argv) {
  using namespace mahnwerk::cli;
  CLI::App app{
      "mahnwerk: dunning (Mahnwesen) and payment plans for accounting systems, exact to the "
      "cent and to German law.",
      "mahnwerk"};
  app.set_version_flag("--version", std::string("mahnwerk ") + MAHNWERK_VERSION);
  app.require_subcommand(1);
  int exit_code = kExitOk;
  register_interest_command(app, exit_code);
  register_claim_command(app, exit_code);
  register_plan_command(app, exit_code);
  register_propose_command(app, exit_code);
  register_letters_command(app, exit_code);
  register_config_command(app, exit_code);
  register_outbox_command(app, exit_code);
  register_sync_command(app, exit_code);
  register_proposal_command(app, exit_code);
  register_audit_command(app, exit_code);
  register_history_command(app, exit_code);
  register_status_command(app, exit_code);
  register_run_command(app, exit_code);
  register_datev_command(app, exit_code);
  register_datev_writeback_commands(app, exit_code);  // after datev read/check: adds to their subcommand
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const mahnwerk::core::MoneyError& e) {
    std::cerr << "mahnwerk: amount out of range: " << e.what() << "\n";
    return kExitDataErr;
  } catch (const std::exception& e) {
    std::cerr << "mahnwerk: internal error: " << e.what() << "\n";
    return kExitSoftware;
  }
  return exit_code;
}
