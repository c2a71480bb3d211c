// Dunning policy files (config/policies/*.json, format in docs/policies.md) -> core::Policy.
// Comments and trailing commas are allowed; amounts and percentages are strings ("0.76",
// "1.00") or JSON numbers read as text, never as double.
#pragma once

#include <string>
#include <string_view>

#include "connector/core/policy.h"
#include "connector/core/result.h"

namespace mahnwerk::jsonfile {

// Parses a policy document and runs core::validate on it. `source` names it in errors.
// Every failure is kBadConfig:
//  - syntax errors: context "<source>, line L, column C";
//  - a missing, mistyped or unknown field, an unknown enum value, a trigger key on the wrong
//    level (the first level takes days_after_due, later ones days_after_previous): the first
//    such error, context "<source>, levels[1].fee.fixed";
//  - validation: one violation has context "<source>, <path>"; several are reported together,
//    context "<source>" and one "<path>: <message>" line each, so the office sees them all.
core::Result<core::Policy> parse_policy(std::string_view json, std::string_view source);

// read_file + parse_policy. A missing or unreadable file is kNotFound naming the path.
core::Result<core::Policy> load_policy(const std::string& path);

}  // namespace mahnwerk::jsonfile
