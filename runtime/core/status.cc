#include "nibble/status.h"

#include <cstdarg>

#include "core/format.h"

namespace nibble {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kIoError: return "I/O error";
    case StatusCode::kTruncated: return "truncated";
    case StatusCode::kBadIdentifier: return "bad identifier";
    case StatusCode::kUnsupportedVersion: return "unsupported version";
    case StatusCode::kMalformed: return "malformed";
    case StatusCode::kOutOfRange: return "out of range";
    case StatusCode::kMisaligned: return "misaligned";
    case StatusCode::kOverflow: return "overflow";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kOutOfMemory: return "out of memory";
    case StatusCode::kBackendError: return "backend error";
    case StatusCode::kInternal: return "internal error";
  }
  return "unknown status";
}

Status Status::error(StatusCode code, const char* format, ...) {
  Status status;
  status.code_ = code;
  va_list args;
  va_start(args, format);
  // vformat, not vsnprintf: freestanding C libraries format differently
  // (see core/format.h).
  vformat(status.message_, kMessageCapacity, format, args);
  va_end(args);
  return status;
}

}  // namespace nibble
