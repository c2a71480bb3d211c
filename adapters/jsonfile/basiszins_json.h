// The Basiszinssatz table file (config/basiszins.json): {"source": "...", "entries":
// [{"valid_from": "2002-01-01", "rate": "2.57"}, ...]}, one entry per half-year, rates in
// percent with at most two decimals. Errors name the file and the field.
#pragma once

#include <string>
#include <string_view>

#include "connector/core/basiszins.h"
#include "connector/core/result.h"

namespace mahnwerk::jsonfile {

// Parses a table document; `source_name` names it in errors. Syntax errors, missing or
// malformed fields and a table that BasiszinsTable::create rejects are all kBadConfig, with
// context "<source_name>, line L, column C" or "<source_name>, entries[3].rate". A rate may
// be a string ("1.27") or a JSON number (1.27): numbers are read as text, never as double.
// "source" is informational and not checked.
core::Result<core::BasiszinsTable> parse_basiszins(std::string_view json, std::string_view source_name);

// read_file + parse_basiszins. A missing or unreadable file is kNotFound naming the path.
core::Result<core::BasiszinsTable> load_basiszins(const std::string& path);

}  // namespace mahnwerk::jsonfile
