// Status and Result: how every fallible call in runtime/ and kernels/
// reports failure. No exceptions, no abort(): a code plus a message that
// names the file, tensor or node at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#if defined(__GNUC__)
#define NIBBLE_STATUS_API __attribute__((visibility("default")))
#else
#define NIBBLE_STATUS_API
#endif

namespace nibble {

// Values are the C API's nibble_status values (nibble.h); keep them equal.
enum class StatusCode : int32_t {
  kOk = 0,
  kInvalidArgument = 1,    // a caller passed something unusable
  kIoError = 2,            // open/read/mmap failed
  kTruncated = 3,          // the file ends before something it declares
  kBadIdentifier = 4,      // not a nibble file
  kUnsupportedVersion = 5, // a format version this runtime cannot read
  kMalformed = 6,          // FlatBuffers verification or structural error
  kOutOfRange = 7,         // an index, offset or size points outside
  kMisaligned = 8,         // a buffer or segment is not aligned as required
  kOverflow = 9,           // arithmetic on file values would overflow
  kUnsupported = 10,       // an op, codec or option this build lacks
  kOutOfMemory = 11,
  kBackendError = 12,      // XNNPACK or the thread pool refused
  kInternal = 13,
};

NIBBLE_STATUS_API const char* status_code_name(StatusCode code);

// [[nodiscard]]: a Status cannot be dropped silently.
class [[nodiscard]] Status;
class NIBBLE_STATUS_API Status {
 public:
  static constexpr size_t kMessageCapacity = 240;

  Status() = default;
  static Status ok() { return Status(); }
  // printf-style message; truncated to kMessageCapacity - 1 bytes.
  static Status error(StatusCode code, const char* format, ...)
      __attribute__((format(printf, 2, 3)));

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const char* message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  char message_[kMessageCapacity] = {0};
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T&& value) : has_value_(true) { new (&value_) T(std::move(value)); }
  Result(Status status) : status_(status), has_value_(false) {
    if (status_.is_ok()) {
      status_ = Status::error(StatusCode::kInternal, "Result built from an ok Status");
    }
  }
  Result(Result&& other) noexcept : status_(other.status_), has_value_(other.has_value_) {
    if (has_value_) new (&value_) T(std::move(other.value_));
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() {
    if (has_value_) value_.~T();
  }

  bool is_ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  T& operator*() { return value_; }

 private:
  Status status_;
  bool has_value_;
  union {
    T value_;
  };
};

}  // namespace nibble

// Propagate a failed Status to the caller.
#define NIBBLE_RETURN_IF_ERROR(expr)             \
  do {                                           \
    ::nibble::Status nibble_status_ = (expr);    \
    if (!nibble_status_.is_ok()) return nibble_status_; \
  } while (0)

// Shorthand for building an error Status.
#define NIBBLE_ERROR(code, ...) ::nibble::Status::error(::nibble::StatusCode::code, __VA_ARGS__)
