#include "tgmesh/broker/broker_wake.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace tgmesh::broker {

namespace {

// Its only job is to exist: a signal with a handler ends epoll_wait with EINTR.
void do_nothing(int) {}

}  // namespace

int BrokerWake::signal_number() {
    return SIGRTMIN + kSignalOffset;
}

Status BrokerWake::install() {
    if (installed_) return Status::ok();
    const int sig = signal_number();
    const std::string name =
        "signal SIGRTMIN+" + std::to_string(kSignalOffset) + " (" + std::to_string(sig) + ")";
    if (sig > SIGRTMAX) return Status::failure(name + " does not exist on this system");
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) != 0) {
        return Status::failure("cannot read " + name + ": " + std::strerror(errno));
    }
    const bool has_handler = (current.sa_flags & SA_SIGINFO) != 0 ? current.sa_sigaction != nullptr
                                                                  : current.sa_handler != SIG_DFL;
    if (has_handler) {
        return Status::failure(name + " already has a handler in this process (another plugin?)");
    }
    struct sigaction action {};
    action.sa_handler = do_nothing;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(sig, &action, &previous_) != 0) {
        return Status::failure("cannot install a handler for " + name + ": " +
                               std::strerror(errno));
    }
    broker_thread_ = pthread_self();
    installed_ = true;
    return Status::ok();
}

void BrokerWake::uninstall() {
    if (!installed_) return;
    installed_ = false;
    // The worker is joined, and a signal sent to an unblocked running thread is delivered before
    // it returns from the kernel: none is pending any more when the handler goes.
    sigaction(signal_number(), &previous_, nullptr);
}

void BrokerWake::wake() {
    if (!installed_ || in_flight_.exchange(true, std::memory_order_acq_rel)) return;
    if (pthread_kill(broker_thread_, signal_number()) == 0) {
        wakes_sent_.fetch_add(1, std::memory_order_relaxed);
    } else {
        in_flight_.store(false, std::memory_order_release);
    }
}

}  // namespace tgmesh::broker
