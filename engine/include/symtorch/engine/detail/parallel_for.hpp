#pragma once
// tbb::parallel_for with its fork and join made visible to ThreadSanitizer.
//
// Not part of the engine's documented API: it lives under include/ only so that the engine,
// the CLI (apps/) and torchbridge share one copy. Every tbb::parallel_for in this project
// should go through it, or a TSan build reports the hand-over of that loop's tasks.
//
// oneTBB hands tasks to its worker threads inside libtbb.so. A distribution's libtbb is not
// built with -fsanitize=thread, so TSan sees neither that a body runs after the code that
// called parallel_for nor that it finishes before parallel_for returns, and reports every
// read of data prepared before the loop as a race. In a TSan build these wrappers state
// only orderings oneTBB really provides (a task is built before it runs, its memory is
// reused only after its body has been read, every body call ends before the loop returns),
// so races between body calls that run concurrently are still reported. In every other
// build they are plain tbb::parallel_for.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#if defined(__SANITIZE_THREAD__)
#define SYMTORCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYMTORCH_TSAN 1
#endif
#endif

#ifdef SYMTORCH_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace symtorch::detail {

#ifdef SYMTORCH_TSAN
// The body object oneTBB copies into each task. A copy is built by the thread that creates
// the task, after that thread has seen its source copy, and is then released on its own
// address; a call acquires that address before it reads anything of the copy. That is the
// hand-over of the task through libtbb. libtbb's task pool reuses a finished task's memory
// for a new task, possibly on another thread, so a call also releases the address when it is
// done with the copy and a new copy there first acquires it. Each call ends with a release
// on the loop's join object, acquired after the loop.
template <typename Range, typename F>
class TsanVisibleBody {
 public:
  TsanVisibleBody(const F& body, char& join) noexcept : body_(&body), join_(&join) { __tsan_release(this); }
  TsanVisibleBody(const TsanVisibleBody& other) noexcept
      : body_(handed_over(this, other).body_), join_(other.join_) {
    __tsan_release(this);
  }
  TsanVisibleBody& operator=(const TsanVisibleBody&) = delete;

  void operator()(const Range& part) const {
    __tsan_acquire(const_cast<TsanVisibleBody*>(this));
    // Hides that self is this, so the compiler cannot read the (const) copy before the acquire.
    const TsanVisibleBody* self = this;
    asm volatile("" : "+r"(self));
    const F& body = *self->body_;
    char* join = self->join_;
    __tsan_release(const_cast<TsanVisibleBody*>(this));
    const Leave leave{join};
    body(part);
  }

 private:
  static const TsanVisibleBody& handed_over(TsanVisibleBody* self, const TsanVisibleBody& other) noexcept {
    __tsan_acquire(self);
    __tsan_acquire(const_cast<TsanVisibleBody*>(&other));
    return other;
  }
  struct Leave {
    char* join;
    ~Leave() { __tsan_release(join); }
  };
  const F* body_;
  char* join_;
};

template <typename Range, typename F>
void parallel_for(const Range& range, const F& body) {
  char join = 0;
  tbb::parallel_for(range, TsanVisibleBody<Range, F>(body, join));
  __tsan_acquire(&join);
}

// Same splitting as tbb::parallel_for(first, last, f): a blocked_range of grain size 1.
template <typename Index, typename F>
void parallel_for(Index first, Index last, const F& body) {
  // Qualified: unqualified, argument-dependent lookup would pick tbb::parallel_for.
  detail::parallel_for(tbb::blocked_range<Index>(first, last), [&](const tbb::blocked_range<Index>& part) {
    for (Index i = part.begin(); i < part.end(); ++i) body(i);
  });
}
#else
template <typename Range, typename F>
void parallel_for(const Range& range, const F& body) {
  tbb::parallel_for(range, body);
}

template <typename Index, typename F>
void parallel_for(Index first, Index last, const F& body) {
  tbb::parallel_for(first, last, body);
}
#endif

}  // namespace symtorch::detail

// The search's sources call it by their own detail namespace's name.
namespace symtorch::search_detail {
using detail::parallel_for;
}  // namespace symtorch::search_detail
