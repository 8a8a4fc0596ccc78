#include "tgmesh/adapters/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace tgmesh::adapters {

namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

  private:
    int fd_;
};

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

constexpr size_t kMaxStateBytes = size_t{64} << 20;

}  // namespace

StateStore::Loaded FileStore::load() {
    Loaded result;
    Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno != ENOENT) result.error = errno_text("open " + path_);
        return result;
    }
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            result.error = errno_text("read " + path_);
            return result;
        }
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kMaxStateBytes) {
            result.error = path_ + " is larger than 64 MiB";
            return result;
        }
    }
    result.text = std::move(text);
    return result;
}

Status FileStore::save(const std::string& text) {
    const std::string tmp = path_ + ".tmp";
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
        return Status::failure(errno_text("create " + tmp));
    }
    ::fchmod(fd.get(), 0600);  // an older temp file may have had another mode
    // The reason (errno, read before unlink changes it), and no temp file left behind.
    auto failed_to = [&](const std::string& step) {
        Status failed = Status::failure(errno_text(step + tmp));
        ::unlink(tmp.c_str());
        return failed;
    };
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return failed_to("write ");
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
        return failed_to("fsync ");
    }
    if (::close(fd.release()) != 0) {
        return failed_to("close ");
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0) {
        return failed_to("rename ");
    }
    // Make the rename itself durable.
    std::string dir = std::filesystem::absolute(path_).parent_path().string();
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
    return Status::ok();
}

std::string FileStore::move_aside() {
    std::string target = path_ + ".corrupt-" + std::to_string(std::time(nullptr));
    if (::rename(path_.c_str(), target.c_str()) != 0)
        return "(could not move: " + std::string(std::strerror(errno)) + ")";
    return target;
}

}  // namespace tgmesh::adapters
