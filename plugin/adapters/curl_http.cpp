#include "tgmesh/adapters/curl_http.h"

#include <vector>

namespace tgmesh::adapters {

struct CurlHttp::Transfer {
    std::unique_ptr<CURL, CurlEasyDeleter> easy;
    std::unique_ptr<curl_slist, CurlSlistDeleter> headers;
    std::string request_body;
    std::string response;
    bool too_big = false;
    char error[CURL_ERROR_SIZE] = {};
    std::function<void(HttpResponse)> done;
};

CurlHttp::CurlHttp() : multi_(curl_multi_init()) {}

CurlHttp::~CurlHttp() {
    remove_all();
}

size_t CurlHttp::on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (t->response.size() + n > kMaxResponseBytes) {
        t->too_big = true;
        return 0;  // makes curl abort this transfer
    }
    t->response.append(data, n);
    return n;
}

void CurlHttp::post(HttpRequest request, std::function<void(HttpResponse)> done) {
    auto t = std::make_unique<Transfer>();
    t->easy.reset(curl_easy_init());
    t->done = std::move(done);
    t->request_body = std::move(request.json_body);
    CURL* e = t->easy.get();
    if (e == nullptr || !multi_) {
        HttpResponse r;
        r.error = "cannot create a libcurl handle";
        t->done(r);
        return;
    }
    t->headers.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
    // Signals are the broker's: libcurl must never install handlers or touch SIGPIPE.
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request_body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(t->request_body.size()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &CurlHttp::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "tgmesh/1.0");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700  // 7.87.0
    // A transfer that ends while its host name is still resolving (timeout, cancel_all at
    // shutdown or reload) otherwise waits for the resolver thread: with a DNS server that
    // never answers, the worker - and SIGTERM - blocked for the resolver's whole timeout
    // (up to 30 s). The thread is detached instead and frees itself when getaddrinfo returns.
    curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
#endif
    if (!proxy_.empty()) curl_easy_setopt(e, CURLOPT_PROXY, proxy_.c_str());
    if (curl_multi_add_handle(multi_.get(), e) != CURLM_OK) {
        HttpResponse r;
        r.error = "cannot start a libcurl transfer";
        t->done(r);
        return;
    }
    transfers_.emplace(e, std::move(t));
}

void CurlHttp::cancel_all() {
    remove_all();
}

void CurlHttp::remove_all() {
    for (auto& [easy, t] : transfers_)
        curl_multi_remove_handle(multi_.get(), easy);
    transfers_.clear();
}

void CurlHttp::finish(CURL* easy, CURLcode code) {
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) return;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_.get(), easy);
    HttpResponse r;
    if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
        r.body = std::move(t->response);
    } else if (t->too_big) {
        r.error = "response larger than 4 MiB";
    } else {
        // curl's messages name hosts and ports, never the path (which holds the token).
        r.error = t->error[0] != '\0' ? t->error : curl_easy_strerror(code);
    }
    t->done(std::move(r));
}

void CurlHttp::perform() {
    if (!multi_) return;
    // A callback may post a request, and the curl_multi_perform that starts it may finish
    // other transfers too: their CURLMSG_DONE then waits in the message queue, and a transfer
    // that is done has no socket for wait() to watch. Reading only once left a Telegram
    // answer unread until the worker's 10 s sleep ran out (seen under load in CI), so
    // perform until a round finishes nothing.
    done_unread_ = false;
    for (int round = 0; round < kMaxPerformRounds; ++round) {
        int running = 0;
        curl_multi_perform(multi_.get(), &running);
        // Collect first: callbacks may post new requests, which changes the message queue.
        std::vector<std::pair<CURL*, CURLcode>> finished;
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &queued)) {
            if (msg->msg == CURLMSG_DONE) finished.emplace_back(msg->easy_handle, msg->data.result);
        }
        if (finished.empty()) return;
        for (auto [easy, code] : finished)
            finish(easy, code);
    }
    done_unread_ = true;  // more may have finished: the next wait() returns at once
}

void CurlHttp::wait(Millis timeout_ms) {
    if (!multi_) return;
    if (done_unread_) timeout_ms = 0;
    curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(timeout_ms), nullptr);
}

void CurlHttp::wakeup() {
    if (multi_) curl_multi_wakeup(multi_.get());
}

}  // namespace tgmesh::adapters
