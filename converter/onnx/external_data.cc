#include "converter/onnx/external_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "converter/convert.h"
#include "onnx/onnx_pb.h"

namespace nibble::convert {

namespace {

using TP = onnx::TensorProto;

struct ExternalRef {
  std::string location;
  uint64_t offset = 0;
  bool has_length = false;
  uint64_t length = 0;
};

// A non-negative decimal that fits uint64 (onnx writes int64); anything
// else ("-1", "0x10", "1e3", "") is refused rather than half-parsed.
uint64_t parse_decimal(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(what + " is '" + text + "', not a decimal byte count");
  }
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) throw Error(what + " is '" + text + "', more than 2^64 - 1");
  return v;
}

ExternalRef parse_ref(const TP& t, const std::string& what) {
  ExternalRef ref;
  bool has_location = false, has_offset = false;
  for (const auto& entry : t.external_data()) {
    const std::string& key = entry.key();
    bool* seen = key == "location" ? &has_location : key == "offset" ? &has_offset : key == "length" ? &ref.has_length
                                                                                                         : nullptr;
    if (seen == nullptr) continue;  // "checksum" and future keys carry no layout
    if (*seen) throw Error(what + ": external_data key '" + key + "' appears twice");
    *seen = true;
    if (key == "location") ref.location = entry.value();
    if (key == "offset") ref.offset = parse_decimal(entry.value(), what + ": external_data offset");
    if (key == "length") ref.length = parse_decimal(entry.value(), what + ": external_data length");
  }
  if (!has_location || ref.location.empty()) throw Error(what + ": external data without a location");
  return ref;
}

// Rejects what could name a file outside the model's directory before any
// file system access: absolute paths and ".." components (either slash).
void check_location_text(const std::string& location, const std::string& what) {
  if (location.find('\0') != std::string::npos) throw Error(what + ": external data location contains a NUL byte");
  if (location[0] == '/' || location[0] == '\\') {
    throw Error(what + ": external data location '" + location + "' is an absolute path (must be relative to the model)");
  }
  size_t start = 0;
  while (start <= location.size()) {
    const size_t end = location.find_first_of("/\\", start);
    const std::string part = location.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == "..") throw Error(what + ": external data location '" + location + "' contains '..'");
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

std::string real_path(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr), &std::free);
  return resolved ? std::string(resolved.get()) : std::string();
}

// The element size of the types tensor_from_proto reads; 0 for others
// (their refusal comes from tensor_from_proto, naming the type).
uint64_t element_size(int data_type) {
  switch (data_type) {
    case TP::DOUBLE: case TP::INT64: case TP::UINT64: return 8;
    case TP::FLOAT: case TP::INT32: case TP::UINT32: return 4;
    case TP::FLOAT16: case TP::BFLOAT16: case TP::INT16: case TP::UINT16: return 2;
    case TP::INT8: case TP::UINT8: case TP::BOOL: return 1;
    default: return 0;
  }
}

// numel x element size, or throws if a dim is negative or it overflows.
uint64_t tensor_bytes(const TP& t, uint64_t esize, const std::string& what) {
  uint64_t bytes = esize;
  for (int64_t d : t.dims()) {
    if (d < 0) throw Error(what + ": negative dimension " + std::to_string(d));
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes) || bytes > static_cast<uint64_t>(INT64_MAX)) {
      throw Error(what + ": dims overflow a 64-bit byte count");
    }
  }
  return bytes;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void load_one(const std::string& dir, const std::string& real_dir, TP& t, const std::string& what) {
  if (t.has_raw_data()) throw Error(what + ": external data and raw_data both given");
  const ExternalRef ref = parse_ref(t, what);
  check_location_text(ref.location, what);
  const std::string joined = dir + "/" + ref.location;
  const std::string where = what + ": external data '" + ref.location + "'";
  const std::string resolved = real_path(joined);
  if (resolved.empty()) throw Error(where + ": cannot resolve: " + std::strerror(errno));
  if (resolved.compare(0, real_dir.size() + 1, real_dir + "/") != 0) {
    throw Error(where + " resolves to '" + resolved + "', outside the model's directory (symlink?)");
  }
  // O_NONBLOCK: opening a FIFO planted in the directory must not hang;
  // it is refused as not a regular file just below.
  const Fd fd(::open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) throw Error(where + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error(where + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Error(where + " is not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (ref.offset > size) {
    throw Error(where + ": offset " + std::to_string(ref.offset) + " is past the end of the " + std::to_string(size) +
                "-byte file");
  }
  const uint64_t length = ref.has_length ? ref.length : size - ref.offset;
  if (length > size - ref.offset) {
    throw Error(where + ": offset " + std::to_string(ref.offset) + " + length " + std::to_string(length) +
                " is past the end of the " + std::to_string(size) + "-byte file");
  }
  if (const uint64_t esize = element_size(t.data_type())) {
    const uint64_t needed = tensor_bytes(t, esize, what);
    if (length != needed) {
      throw Error(where + ": length " + std::to_string(length) + " bytes, the tensor's dims and type need " +
                  std::to_string(needed));
    }
  }
  std::string bytes(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd.get(), &bytes[done], length - done, static_cast<off_t>(ref.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(where + ": read failed" + (n < 0 ? std::string(": ") + std::strerror(errno) : " (file shrank)"));
    done += static_cast<uint64_t>(n);
  }
  t.set_raw_data(std::move(bytes));
  t.clear_external_data();
  t.set_data_location(TP::DEFAULT);
}

}  // namespace

void load_external_data(const std::string& model_path, onnx::ModelProto& model) {
  const size_t slash = model_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : model_path.substr(0, slash);
  std::string real_dir;  // resolved once, on the first external tensor
  bool dir_resolved = false;
  auto load = [&](TP& t, const std::string& what) {
    if (t.data_location() != TP::EXTERNAL) return;
    if (!dir_resolved) {
      real_dir = real_path(dir);
      if (real_dir.empty()) throw Error(model_path + ": cannot resolve the model's directory: " + std::strerror(errno));
      if (real_dir == "/") real_dir.clear();  // so real_dir + "/" is the prefix
      dir_resolved = true;
    }
    load_one(dir, real_dir, t, what);
  };
  auto* graph = model.mutable_graph();
  for (auto& init : *graph->mutable_initializer()) load(init, model_path + ": initializer '" + init.name() + "'");
  for (auto& node : *graph->mutable_node()) {
    for (auto& attr : *node.mutable_attribute()) {
      const std::string what = model_path + ": node '" + node.name() + "' attribute '" + attr.name() + "'";
      if (attr.has_t()) load(*attr.mutable_t(), what);
      for (auto& t : *attr.mutable_tensors()) load(t, what);
    }
  }
}

}  // namespace nibble::convert
