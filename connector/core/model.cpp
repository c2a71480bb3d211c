// Text forms of the canonical model's enums (the JSON contract of DESIGN.md §4).
#include "connector/core/model.h"

namespace mahnwerk::core {

std::string_view to_string(ChargeKind kind) {
  switch (kind) {
    case ChargeKind::kFee:
      return "fee";
    case ChargeKind::kFlatFee:
      return "flat_fee";
    case ChargeKind::kInterest:
      return "interest";
  }
  return "fee";
}

std::string_view to_string(PlanInterval interval) {
  switch (interval) {
    case PlanInterval::kMonthly:
      return "monthly";
    case PlanInterval::kBiweekly:
      return "biweekly";
    case PlanInterval::kWeekly:
      return "weekly";
  }
  return "monthly";
}

std::string_view to_string(PlanStatus status) {
  switch (status) {
    case PlanStatus::kActive:
      return "active";
    case PlanStatus::kCompleted:
      return "completed";
    case PlanStatus::kDefaulted:
      return "defaulted";
    case PlanStatus::kCancelled:
      return "cancelled";
  }
  return "active";
}

}  // namespace mahnwerk::core
