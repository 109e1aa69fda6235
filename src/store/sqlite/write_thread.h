// The one thread every write of the embedded store runs on, in post order: SQLite has one writer
// at a time, so one thread owns the writer connection and the group commit (DESIGN §3: a backend
// owns its threads).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/store.h"

namespace parley::store::sqlite {

class WriteThread {
 public:
  // Starts the thread.
  WriteThread();
  // Runs what is still queued, then joins. Not from the thread itself.
  ~WriteThread();
  WriteThread(const WriteThread&) = delete;
  WriteThread& operator=(const WriteThread&) = delete;

  // Any thread. Tasks run one at a time, in the order they were posted.
  void post(StoreTask task);
  // Returns once every task posted before the call (and every task those posted) has run. Any
  // thread but this one.
  void drain();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable wake_;  // a task was posted, or stopping_
  std::condition_variable idle_;  // the queue ran empty
  std::deque<StoreTask> queue_;   // GUARDED_BY(mu_)
  bool busy_ = false;             // GUARDED_BY(mu_): a task is running
  bool stopping_ = false;         // GUARDED_BY(mu_)
  std::thread thread_;            // last: started once the fields above exist
};

}  // namespace parley::store::sqlite
