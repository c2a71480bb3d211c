// sysexits-style exit codes of the `mahnwerk` command, and the mapping from error kinds.
#pragma once

#include "connector/core/result.h"

namespace mahnwerk::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 64,     // EX_USAGE: wrong arguments
  kExitDataErr = 65,   // EX_DATAERR: bad input data
  kExitNoInput = 66,   // EX_NOINPUT: an input file is missing or unreadable
  kExitSoftware = 70,  // EX_SOFTWARE: a bug
  kExitTempFail = 75,  // EX_TEMPFAIL: try again later
  kExitNoPerm = 77,    // EX_NOPERM: credentials refused
  kExitConfig = 78,    // EX_CONFIG: bad configuration
};

inline int exit_code_for(core::ErrorKind kind) {
  switch (kind) {
    case core::ErrorKind::kInvalidInput:
      return kExitDataErr;
    case core::ErrorKind::kNotFound:
      return kExitNoInput;
    case core::ErrorKind::kUnauthorized:
      return kExitNoPerm;
    case core::ErrorKind::kConflict:
    case core::ErrorKind::kUnavailable:
      return kExitTempFail;
    case core::ErrorKind::kBadConfig:
      return kExitConfig;
    case core::ErrorKind::kInternal:
      return kExitSoftware;
  }
  return kExitSoftware;
}

}  // namespace mahnwerk::cli
