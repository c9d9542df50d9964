// Model::load_file: the one place the runtime touches the file system.
// It sits above the freestanding core (which only sees buffers): an RTOS
// build leaves this file out.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "loader/model_impl.h"

namespace nibble {
namespace {

void unmap(void* /*context*/, const void* data, uint64_t size) {
  if (data != nullptr && size > 0) munmap(const_cast<void*>(data), size);
}

}  // namespace

Result<Model> Model::load_file(const char* path) {
  if (path == nullptr) return NIBBLE_ERROR(kInvalidArgument, "model path is null");
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NIBBLE_ERROR(kIoError, "%s: cannot open: %s", path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return NIBBLE_ERROR(kIoError, "%s: cannot stat: %s", path, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return NIBBLE_ERROR(kIoError, "%s: not a regular file", path);
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == 0) {
    close(fd);
    return NIBBLE_ERROR(kTruncated, "%s: file is empty", path);
  }
  // Page-aligned, so the 64-byte segment alignment holds in memory.
  void* data = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  close(fd);
  if (data == MAP_FAILED) return NIBBLE_ERROR(kIoError, "%s: cannot mmap: %s", path, std::strerror(err));
  Result<Model> model = make_model(data, size, unmap, nullptr);
  if (!model.is_ok()) {
    // Prefix the path so the message names the file at fault.
    return Status::error(model.status().code(), "%s: %s", path, model.status().message());
  }
  return model;
}

}  // namespace nibble
