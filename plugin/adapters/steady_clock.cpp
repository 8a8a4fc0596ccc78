#include "tgmesh/adapters/steady_clock.h"

#include <chrono>

namespace tgmesh::adapters {

Millis steady_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Millis SteadyClock::now_ms() const {
    return steady_now_ms();
}

int64_t SteadyClock::unix_seconds() const {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace tgmesh::adapters
