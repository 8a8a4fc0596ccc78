#pragma once
// HttpClient on one libcurl multi handle, driven by the worker thread. The multi handle is
// created before the worker starts and destroyed after it is joined, so wakeup() is safe from
// the broker thread at any time in between.
#include <curl/curl.h>

#include <map>
#include <memory>
#include <string>

#include "tgmesh/base/ports.h"

namespace tgmesh::adapters {

struct CurlMultiDeleter {
    void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct CurlEasyDeleter {
    void operator()(CURL* e) const { curl_easy_cleanup(e); }
};
struct CurlSlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

class CurlHttp : public HttpClient {
  public:
    static constexpr size_t kMaxResponseBytes = size_t{4} << 20;
    // perform() rounds before it leaves the rest to the next call (callbacks that keep
    // posting requests that fail at once must not hold the worker).
    static constexpr int kMaxPerformRounds = 64;

    CurlHttp();
    ~CurlHttp() override;
    CurlHttp(const CurlHttp&) = delete;
    CurlHttp& operator=(const CurlHttp&) = delete;

    bool ok() const { return multi_ != nullptr; }
    void set_proxy(std::string proxy) { proxy_ = std::move(proxy); }

    void post(HttpRequest request, std::function<void(HttpResponse)> done) override;
    void cancel_all() override;

    // Worker thread: advance transfers and run the callbacks of finished ones, including
    // those that finish while the callbacks' own requests start.
    void perform();
    // Worker thread: sleep until socket activity, wakeup(), or the timeout.
    void wait(Millis timeout_ms);
    // Any thread.
    void wakeup();
    size_t active() const { return transfers_.size(); }

  private:
    struct Transfer;
    static size_t on_body(char* data, size_t size, size_t count, void* user);
    void finish(CURL* easy, CURLcode code);
    void remove_all();

    std::unique_ptr<CURLM, CurlMultiDeleter> multi_;
    std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
    std::string proxy_;
    bool done_unread_ = false;  // perform() stopped at kMaxPerformRounds
};

}  // namespace tgmesh::adapters
