#pragma once
// The one way tgmesh reports that a step failed and why: Status (done, or the reason) and
// Result<T> (a value, or the reason). The reason is a sentence for the log, the chat or a
// control client ("must be an integer from 1 to 7 (got "9")"). Callers add context in front
// ("option hop_limit: ..."); nothing throws.
#include <optional>
#include <string>
#include <utility>

namespace tgmesh {

class [[nodiscard]] Status {
  public:
    static Status ok() { return Status(); }
    // `why` says what went wrong; an empty one still fails.
    static Status failure(std::string why) {
        Status s;
        s.failed_ = true;
        s.why_ = std::move(why);
        return s;
    }
    bool is_ok() const { return !failed_; }
    explicit operator bool() const { return !failed_; }
    const std::string& error() const { return why_; }

  private:
    bool failed_ = false;
    std::string why_;
};

template <class T>
class [[nodiscard]] Result {
  public:
    // Not yet computed: a failure until a value is assigned.
    Result() : status_(Status::failure("no value")) {}
    Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    // From a failed Status (a Status that is ok makes no value: a caller bug, kept failed).
    Result(Status failure) : status_(std::move(failure)) {  // NOLINT(google-explicit-constructor)
        if (status_.is_ok()) status_ = Status::failure("no value");
    }
    bool is_ok() const { return value_.has_value(); }
    explicit operator bool() const { return value_.has_value(); }
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    const std::string& error() const { return status_.error(); }
    const Status& status() const { return status_; }

  private:
    std::optional<T> value_;
    Status status_;
};

}  // namespace tgmesh
