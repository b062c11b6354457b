// loggen_sched.h - the discrete-event clock of maillens-loggen.
//
// Every actor of the simulation (an SMTP session, a queued message, an
// attacker, the periodic anvil report) is a C++20 coroutine of type Proc.
// An actor writes the lines of one moment, then `co_await sched.Sleep(dt)`
// to be woken later. The Scheduler keeps one min-heap of wake-ups ordered by
// (time, sequence number), so lines come out in time order, exactly as
// syslog would have written them, and ties resolve the same way every run.
//
// A phase shared by several actors (the postscreen handshake, one SMTP mail
// transaction) is a Sub coroutine that the actor co_awaits; it sleeps on the
// same clock and resumes its parent when it returns.
//
// Rule: no conditional operator, && or || inside a co_await expression.
// GCC 12 evaluates both arms of `co_await f(c ? g.X() : g.Y())`, consuming
// random draws Clang does not, so compute the operand in its own statement.
// Likewise, no two random draws as operands of one + or one call: their
// order is unspecified and compilers differ.
//
// Lifetime: a Proc frame frees itself when the coroutine returns; frames
// still sleeping when the run stops are destroyed by ~Scheduler (a parent
// waiting on a Sub is not in the heap and is left to process exit). Every
// sleeping coroutine is in the heap exactly once: actors only wait on time.
#ifndef MAILLENS_BENCH_LOGGEN_SCHED_H_
#define MAILLENS_BENCH_LOGGEN_SCHED_H_

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <vector>

namespace loggen {

// Proc - the return type of an actor coroutine; it starts suspended.
struct Proc {
  struct promise_type {
    Proc get_return_object() noexcept { return Proc{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

// Sub - an awaitable child coroutine; `co_await Child(...)` runs it to completion.
struct Sub {
  struct promise_type {
    std::coroutine_handle<> parent;
    Sub get_return_object() noexcept { return Sub{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().parent;
      }
      void await_resume() const noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };

  explicit Sub(std::coroutine_handle<promise_type> h) : handle(h) {}
  Sub(Sub&& o) noexcept : handle(o.handle) { o.handle = nullptr; }
  Sub(const Sub&) = delete;
  ~Sub() {
    if (handle) handle.destroy();
  }
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
    handle.promise().parent = parent;
    return handle;
  }
  void await_resume() const noexcept {}

  std::coroutine_handle<promise_type> handle;
};

class Scheduler {
 public:
  Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler() {
    for (const Item& it : heap_) std::coroutine_handle<>::from_address(it.frame).destroy();
  }

  int64_t now() const { return now_; }
  size_t pending() const { return heap_.size(); }

  // Start - schedules a new actor to run `delay` microseconds from now.
  void Start(Proc p, int64_t delay = 0) { Push(now_ + std::max<int64_t>(delay, 0), p.handle); }

  // Sleep - awaitable: resume the calling actor `us` microseconds from now.
  auto Sleep(int64_t us) {
    struct Awaiter {
      Scheduler* s;
      int64_t t;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> h) { s->Push(t, h); }
      void await_resume() const noexcept {}
    };
    return Awaiter{this, now_ + std::max<int64_t>(us, 0)};
  }

  // SetNow - sets the clock before the first actor runs.
  void SetNow(int64_t t) { now_ = t; }

  // RunNext - resumes the earliest actor due before `limit`; false if none.
  bool RunNext(int64_t limit) {
    if (heap_.empty() || heap_.front().t >= limit) return false;
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    const Item it = heap_.back();
    heap_.pop_back();
    now_ = it.t;
    std::coroutine_handle<>::from_address(it.frame).resume();
    return true;
  }

 private:
  struct Item {
    int64_t t;
    uint64_t seq;
    void* frame;
  };
  // Later - heap order: earliest time first, then first scheduled first.
  static bool Later(const Item& a, const Item& b) { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
  void Push(int64_t t, std::coroutine_handle<> h) {
    heap_.push_back(Item{t, seq_++, h.address()});
    std::push_heap(heap_.begin(), heap_.end(), Later);
  }

  std::vector<Item> heap_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
};

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_SCHED_H_
