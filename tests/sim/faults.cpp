#include "tests/sim/faults.h"

#include <stdexcept>

namespace mahnwerk::sim {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

long long number(std::string_view rule, std::string_view key, std::string_view value) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(std::string(value), &used);
    if (used == value.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("fault rule '" + std::string(rule) + "': " + std::string(key) +
                              " needs a non-negative integer");
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::kDrop:
      return "drop";
    case FaultKind::kDelay:
      return "delay";
    case FaultKind::k429:
      return "429";
    case FaultKind::k500:
      return "500";
    case FaultKind::k504:
      return "504";
    case FaultKind::kTruncate:
      return "truncate";
    case FaultKind::kDuplicate:
      return "duplicate";
  }
  return "?";
}

std::vector<FaultRule> parse_faults(std::string_view spec) {
  std::vector<FaultRule> rules;
  for (std::string_view part : split(spec, ';')) {
    part = trim(part);
    if (part.empty()) continue;
    FaultRule rule;
    rule.text = std::string(part);
    const std::size_t colon = part.find(':');
    std::string_view head = part.substr(0, colon);
    const std::size_t at = head.find('@');
    const std::string_view kind = head.substr(0, at);
    if (at != std::string_view::npos) rule.route = std::string(head.substr(at + 1));
    if (rule.route.empty()) throw std::invalid_argument("fault rule '" + rule.text + "': empty route");
    bool known = false;
    for (FaultKind k : {FaultKind::kDrop, FaultKind::kDelay, FaultKind::k429, FaultKind::k500,
                        FaultKind::k504, FaultKind::kTruncate, FaultKind::kDuplicate}) {
      if (kind == to_string(k)) {
        rule.kind = k;
        known = true;
      }
    }
    if (!known) {
      throw std::invalid_argument("fault rule '" + rule.text + "': unknown kind '" + std::string(kind) +
                                  "' (drop, delay, 429, 500, 504, truncate, duplicate)");
    }
    if (colon != std::string_view::npos) {
      for (std::string_view param : split(part.substr(colon + 1), ',')) {
        param = trim(param);
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos)
          throw std::invalid_argument("fault rule '" + rule.text + "': '" + std::string(param) +
                                      "' is not key=value");
        const std::string_view key = param.substr(0, eq), value = param.substr(eq + 1);
        if (key == "every") {
          rule.every = static_cast<int>(number(part, key, value));
        } else if (key == "nth") {
          rule.nth = static_cast<int>(number(part, key, value));
        } else if (key == "count") {
          rule.count = static_cast<int>(number(part, key, value));
        } else if (key == "ms") {
          rule.delay = std::chrono::milliseconds(number(part, key, value));
        } else if (key == "seed") {
          rule.seed = static_cast<std::uint64_t>(number(part, key, value));
        } else if (key == "commit") {
          rule.commit = number(part, key, value) != 0;
        } else if (key == "p") {
          try {
            rule.p = std::stod(std::string(value));
          } catch (const std::exception&) {
            rule.p = -1;
          }
          if (!(rule.p > 0.0 && rule.p <= 1.0))
            throw std::invalid_argument("fault rule '" + rule.text + "': p must be in (0, 1]");
        } else {
          throw std::invalid_argument("fault rule '" + rule.text + "': unknown parameter '" +
                                      std::string(key) + "'");
        }
      }
    }
    if (rule.kind == FaultKind::kDelay && rule.delay.count() == 0) {
      throw std::invalid_argument("fault rule '" + rule.text + "': delay needs ms=");
    }
    rule.rng.seed(rule.seed);
    rules.push_back(std::move(rule));
  }
  return rules;
}

FaultDecision decide(std::vector<FaultRule>& rules, std::string_view route) {
  FaultDecision decision;
  for (FaultRule& rule : rules) {
    if (rule.route != "any" && rule.route != route) continue;
    ++rule.matched;
    bool fire = true;
    if (rule.nth > 0) fire = rule.matched == rule.nth;
    if (rule.every > 0) fire = fire && rule.matched % rule.every == 0;
    if (rule.p > 0.0) fire = fire && std::uniform_real_distribution<double>(0.0, 1.0)(rule.rng) < rule.p;
    if (rule.count >= 0 && rule.fired >= rule.count) fire = false;
    if (!fire) continue;
    ++rule.fired;
    decision.delay += rule.delay;
    if (rule.kind == FaultKind::kDelay || decision.act) continue;
    decision.act = rule.kind;
    decision.commit = rule.commit || rule.kind == FaultKind::k504;
  }
  return decision;
}

}  // namespace mahnwerk::sim
