// wake_broker on: the worker ends the broker thread's idle epoll_wait with a signal whose handler
// does nothing. The thread that installs plays the broker thread here, waiting as mosquitto
// 2.0.11 does (src/mux_epoll.c:188-190: five signals masked, epoll_wait for 100 ms, EINTR taken
// as an ordinary turn).
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include "test_support.h"
#include "tgmesh/broker/broker_wake.h"

using tgmesh::broker::BrokerWake;
using namespace std::chrono_literals;

namespace {

class EpollFd {
  public:
    EpollFd() : fd_(epoll_create1(EPOLL_CLOEXEC)) {}
    ~EpollFd() { close(fd_); }
    EpollFd(const EpollFd&) = delete;
    EpollFd& operator=(const EpollFd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// One turn of mosquitto 2.0.11's loop wait; returns epoll_wait's result and errno.
std::pair<int, int> broker_wait(int epoll_fd, int timeout_ms) {
    sigset_t mosquitto_mask;
    sigset_t previous;
    sigemptyset(&mosquitto_mask);
    for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGHUP})
        sigaddset(&mosquitto_mask, sig);
    sigprocmask(SIG_SETMASK, &mosquitto_mask, &previous);
    epoll_event event{};
    const int n = epoll_wait(epoll_fd, &event, 1, timeout_ms);
    const int error = errno;
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    return {n, error};
}

bool handler_is_default() {
    struct sigaction current {};
    sigaction(BrokerWake::signal_number(), nullptr, &current);
    return (current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL;
}

void a_wake_ends_the_idle_wait_at_once(void**) {
    BrokerWake wake;
    assert_true(wake.install().is_ok());
    EpollFd epoll;
    std::thread worker([&] {
        std::this_thread::sleep_for(50ms);
        wake.wake();
    });
    const auto start = std::chrono::steady_clock::now();
    auto [n, error] = broker_wait(epoll.get(), 10'000);
    const auto waited = std::chrono::steady_clock::now() - start;
    worker.join();
    assert_int_equal(n, -1);
    assert_int_equal(error, EINTR);
    assert_true(waited < 5s);  // not the 10 s timeout
    assert_int_equal(wake.wakes_sent(), 1);
}

void without_install_nothing_is_sent(void**) {
    BrokerWake wake;
    wake.wake();
    assert_int_equal(wake.wakes_sent(), 0);
    EpollFd epoll;
    auto [n, error] = broker_wait(epoll.get(), 20);
    assert_int_equal(n, 0);  // the whole wait: no signal came
    (void)error;
}

void at_most_one_wake_in_flight_until_the_next_tick(void**) {
    BrokerWake wake;
    assert_true(wake.install().is_ok());
    wake.wake();
    wake.wake();
    wake.wake();
    assert_int_equal(wake.wakes_sent(), 1);
    wake.tick_ran();
    wake.wake();
    assert_int_equal(wake.wakes_sent(), 2);
}

// SA_RESTART: a blocking call of the broker thread other than the wait (here a read from a
// pipe) is restarted by the kernel and still gets its data.
void other_blocking_calls_are_restarted(void**) {
    BrokerWake wake;
    assert_true(wake.install().is_ok());
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    std::thread worker([&] {
        std::this_thread::sleep_for(50ms);
        wake.wake();
        std::this_thread::sleep_for(50ms);
        assert_int_equal(write(fds[1], "x", 1), 1);
    });
    char byte = 0;
    const ssize_t n = read(fds[0], &byte, 1);
    worker.join();
    assert_int_equal(n, 1);
    assert_int_equal(byte, 'x');
    assert_int_equal(wake.wakes_sent(), 1);
    close(fds[0]);
    close(fds[1]);
}

void a_signal_someone_else_handles_is_refused(void**) {
    struct sigaction theirs {};
    theirs.sa_handler = [](int) {};
    sigemptyset(&theirs.sa_mask);
    struct sigaction before {};
    assert_int_equal(sigaction(BrokerWake::signal_number(), &theirs, &before), 0);
    {
        BrokerWake wake;
        auto installed = wake.install();
        assert_false(installed.is_ok());
        assert_non_null(std::strstr(installed.error().c_str(), "SIGRTMIN+3"));
        assert_non_null(std::strstr(installed.error().c_str(), "already has a handler"));
        assert_false(wake.installed());
    }
    // Theirs is left alone.
    struct sigaction after {};
    sigaction(BrokerWake::signal_number(), nullptr, &after);
    assert_true(after.sa_handler == theirs.sa_handler);
    sigaction(BrokerWake::signal_number(), &before, nullptr);
}

void unloading_gives_the_signal_back(void**) {
    assert_true(handler_is_default());
    {
        BrokerWake wake;
        assert_true(wake.install().is_ok());
        assert_false(handler_is_default());
        wake.uninstall();
        assert_true(handler_is_default());
        assert_true(wake.install().is_ok());
    }  // and the destructor too
    assert_true(handler_is_default());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_wake_ends_the_idle_wait_at_once),
        cmocka_unit_test(without_install_nothing_is_sent),
        cmocka_unit_test(at_most_one_wake_in_flight_until_the_next_tick),
        cmocka_unit_test(other_blocking_calls_are_restarted),
        cmocka_unit_test(a_signal_someone_else_handles_is_refused),
        cmocka_unit_test(unloading_gives_the_signal_back),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
