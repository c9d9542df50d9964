#include "converter/util/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "converter/convert.h"

namespace nibble::convert {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream os;
  os << in.rdbuf();
  if (in.bad()) throw Error(path + ": read failed");
  return os.str();
}

StagedFile::StagedFile(const std::string& path, const std::string& bytes) : path_(path) {
  // mkstemp (O_EXCL, a fresh name) rather than a fixed PATH.tmp.PID: a file
  // or symlink already at the temporary name is never followed or reused.
  std::string tmpl = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(&tmpl[0]);
  if (fd < 0) throw Error(path + ": cannot write: " + std::strerror(errno));
  tmp_ = tmpl;
  auto fail_with = [&](const char* what, int err) {
    ::close(fd);
    remove_temporary();
    throw Error(path + ": " + what + ": " + std::strerror(err));
  };
  // mkstemp creates 0600; the output gets what open(.., 0644) would give.
  // (umask can only be read by setting it: the tools are single-threaded.)
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0644 & ~mask) != 0) fail_with("chmod failed", errno);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_with("write failed", errno);
    if (n == 0) fail_with("write failed", EIO);  // no progress: never spin
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) fail_with("fsync failed", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    remove_temporary();
    throw Error(path + ": close failed: " + std::strerror(err));
  }
}

StagedFile::~StagedFile() { remove_temporary(); }

void StagedFile::remove_temporary() {
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

void StagedFile::commit() {
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    remove_temporary();
    throw Error(path_ + ": rename failed: " + std::strerror(err));
  }
  tmp_.clear();
}

void write_file_atomic(const std::string& path, const std::string& bytes) { StagedFile(path, bytes).commit(); }

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace nibble::convert
