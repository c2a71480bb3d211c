// The configuration bundled with the source tree (config/), loaded for tests that run the sync
// job; throws on a broken file so a fixture fails loudly in its constructor.
#pragma once

#include <stdexcept>
#include <utility>

#include "adapters/jsonfile/basiszins_json.h"
#include "adapters/jsonfile/policy_json.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk::testing {

// config/basiszins.json.
inline core::BasiszinsTable bundled_basiszins() {
  auto table = jsonfile::load_basiszins(source_dir() + "/config/basiszins.json");
  if (!table) throw std::runtime_error(table.error().to_string());
  return std::move(table).value();
}

// config/policies/standard.json.
inline core::Policy standard_policy() {
  auto policy = jsonfile::load_policy(source_dir() + "/config/policies/standard.json");
  if (!policy) throw std::runtime_error(policy.error().to_string());
  return std::move(policy).value();
}

}  // namespace mahnwerk::testing
