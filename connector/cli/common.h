// What every subcommand shares: the data files it loads at start-up (the Basiszinssatz table),
// option parsing helpers, and how errors reach stderr.
#pragma once

#include <iosfwd>
#include <string>

#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"
#include "connector/core/date.h"
#include "connector/core/result.h"

namespace mahnwerk::cli {

// Options every command that computes law accepts.
struct LawOptions {
  std::string basiszins_file;  // --basiszins; empty: the lookup of find_data_file
  std::string region = "DE";   // --region: holiday region for § 193
};

// Finds a file of config/ in order: $MAHNWERK_DATA_DIR, next to the installed binary
// (../share/mahnwerk), the build's install data dir, the source tree's config/ (development).
std::string find_data_file(const std::string& name);

core::Result<core::BasiszinsTable> load_basiszins_table(const LawOptions& options);
core::Result<core::HolidayCalendar> make_calendar(const LawOptions& options);

// Parses an option value as a date; errors name the option.
core::Result<core::Date> parse_date_option(const std::string& option, const std::string& value);

// Prints "mahnwerk: <context>: <message>" to stderr and returns the exit code for its kind.
int report(const core::Error& error);

}  // namespace mahnwerk::cli
