// geosim._geosim: the engine as a Python extension (pybind11).
//
// A thin layer over the functions the command line calls: load_scenario's steps (the file's
// tree is kept, so that a call's overrides apply to the scenario as loaded), run_monte_carlo +
// summarize + run_json (the JSON of `geosim run`), run_paired / lever_effects + compare_text
// (`geosim compare`, `geosim run --lever-effects`), gsa::evaluate_points (the runs behind
// `geosim sensitivity`) and read_sweep_results. Results cross into Python as the same JSON
// text the command writes, so the two cannot drift apart; the package around this module
// (python/geosim/__init__.py) turns them into pandas DataFrames.
//
// Every computation releases the GIL. Progress and Ctrl-C are handled on the calling thread
// only, which takes the GIL back for a moment now and then. Python runs signal handlers on
// its main thread only, so a computation called from another thread learns of a Ctrl-C from
// a SIGINT handler of this module's, chained in front of Python's (Interrupts).
//
// A thread that takes the GIL while Python shuts down (a daemon thread still computing when
// the program ends) is ended by CPython with pthread_exit(), whose unwinding aborts the
// process when it meets a catch (...) or a noexcept destructor on its way, and crashes it
// when it destroys a Python object without the GIL. Such a thread stops its computation and
// waits for the process to end instead (ReleaseGil, Progress).
//
// In a child made by fork() (multiprocessing's "fork" start method) every computation runs
// on one thread: the OpenMP runtime's threads of the parent do not exist in the child, and
// its first parallel region would wait for them forever. Results do not depend on the
// thread count, so only the time changes.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cxxabi.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "analysis/compare/paired.h"
#include "analysis/lint/step_check.h"
#include "analysis/report/report.h"
#include "analysis/sensitivity/evaluate.h"
#include "analysis/sensitivity/sobol.h"
#include "analysis/sweep/results_csv.h"
#include "engine/core/parallel.h"
#include "engine/core/thread_limit.h"
#include "engine/core/version.h"
#include "engine/output/output.h"
#include "engine/output/run_limits.h"
#include "engine/runner/monte_carlo.h"
#include "engine/scenario/loader.h"

namespace py = pybind11;
using namespace geosim;

namespace {

// Whether Python is shutting down: from then on CPython ends any thread but the one shutting
// it down (the main one) that takes the GIL (up to 3.13; see the top of this file). Safe
// without the GIL.
bool python_exiting() {
#if PY_VERSION_HEX >= 0x030D0000
  return !Py_IsInitialized() || Py_IsFinalizing();
#else
  return !Py_IsInitialized() || _Py_IsFinalizing();
#endif
}

// What a thread does instead of returning to a Python that is shutting down: it waits,
// holding nothing, until the process ends (as CPython 3.14 makes such threads wait itself).
[[noreturn]] void wait_for_exit() {
  for (;;) pause();
}

// py::gil_scoped_release, except for a thread that takes the GIL back once Python has begun
// to shut down: CPython ends it by unwinding from PyEval_RestoreThread, which would abort the
// process in this destructor (noexcept); it is caught, and the thread waits for the process
// to end (wait_for_exit).
class ReleaseGil {
 public:
  ReleaseGil() : state_(PyEval_SaveThread()) {}
  ~ReleaseGil() {
    try {
      PyEval_RestoreThread(state_);
    } catch (abi::__forced_unwind&) {
      wait_for_exit();
    }
  }
  ReleaseGil(const ReleaseGil&) = delete;
  ReleaseGil& operator=(const ReleaseGil&) = delete;

 private:
  PyThreadState* state_;
};

// sys.modules[name], or None when it has not been imported: a value cannot be one of a
// module's types unless the module is loaded, so there is no need to import it to tell.
py::object loaded_module(const char* name) {
  PyObject* m = PyImport_GetModule(py::str(name).ptr());
  if (!m) {
    if (PyErr_Occurred()) throw py::error_already_set();
    return py::none();
  }
  return py::reinterpret_steal<py::object>(m);
}

// A loaded scenario and its model; the model refers to the scenario, so both live together.
struct Loaded {
  std::string path;                 // as given to load(), used as the arm's name in comparisons
  std::vector<std::string> sets;    // as given to load(), then the variant's own
  std::vector<std::string> labels;  // where each override came from ("--until ..."), as LoadOptions
  // The merged tree of the file and its `extends:` chain as read at load(), before any
  // override: a variant (a call's set=, until=, horizon=) applies its overrides to a copy of
  // it, so that one Scenario is one scenario even when the file is edited or deleted since.
  std::shared_ptr<const YNode> tree;
  Scenario sc;
  std::unique_ptr<Model> model;
};

// Python's text, as a message quotes it: "-1", "1.7", "'abc'".
std::string shown(py::handle v) { return py::isinstance<py::str>(v) ? py::repr(v) : py::str(v); }

// A path or an argument from Python: the C library reads a string up to its first NUL, so
// "a.yaml\0b.yaml" would open a.yaml (and the command recorded would hold the NUL). Refused
// as Python's open() refuses it; UsageError is a ValueError, as open()'s error is.
void no_nul(const std::string& text, const std::string& where, const std::string& what) {
  if (text.find('\0') != std::string::npos) throw UsageError(where + ": embedded null byte in " + what);
}

// The scenario of `l`'s tree with its overrides, as load_scenario builds it from the file.
void build(Loaded& l) {
  YNode root = *l.tree;
  apply_sets(root, l.sets, l.labels);
  l.sc = build_scenario(root, l.path);
  l.model = std::make_unique<Model>(l.sc);
}

void check_sets(const std::vector<std::string>& sets, const std::vector<std::string>& labels,
                const std::string& where) {
  for (const auto& s : sets) no_nul(s, where, "an override");
  for (const auto& s : labels) no_nul(s, where, "an override");
  if (labels.size() > sets.size()) throw UsageError(where + ": more labels than overrides");
}

// labels: where each override came from, for its messages ("--until 2020-03-01"); an empty
// one, or none, is "--set PATH=VALUE".
std::shared_ptr<Loaded> py_load(const std::string& path, const std::vector<std::string>& sets,
                                const std::vector<std::string>& labels) {
  no_nul(path, "load", "the path");
  check_sets(sets, labels, "load");
  auto l = std::make_shared<Loaded>();
  l->path = path;
  l->sets = sets;
  l->labels = labels;
  {
    ReleaseGil release;
    // The file is read once, here (load_scenario_tree), and never again by this Scenario.
    l->tree = std::make_shared<const YNode>(load_scenario_tree(path));
    try {
      build(*l);
    } catch (const InputError&) {
      // load_scenario says which file extended the one a message is about (its messages
      // are the command's); the tree alone does not know. Its result is not used: should
      // the file have changed since, the error found above is the one to report.
      LoadOptions lo;
      lo.sets = sets;
      lo.set_labels = labels;
      load_scenario(path, lo);
      throw;
    }
  }
  return l;
}

// The scenario as loaded with more overrides (a call's set=, until=, horizon=), applied
// after load()'s as the command applies --set, --until and --horizon after the file's.
std::shared_ptr<Loaded> py_variant(const Loaded& base, const std::vector<std::string>& sets,
                                   const std::vector<std::string>& labels) {
  check_sets(sets, labels, "load");  // as load(path, set=...) says it: the same overrides
  auto l = std::make_shared<Loaded>();
  l->path = base.path;
  l->tree = base.tree;
  l->sets = base.sets;
  l->sets.insert(l->sets.end(), sets.begin(), sets.end());
  l->labels = base.labels;
  l->labels.resize(base.sets.size());
  l->labels.insert(l->labels.end(), labels.begin(), labels.end());
  {
    ReleaseGil release;
    build(*l);
  }
  return l;
}

// "2^40", "2^31 - 1" or the number itself: a limit as the messages write it.
std::string limit_text(uint64_t x) {
  for (int k = 20; k <= 64; ++k) {
    const uint64_t p = k == 64 ? 0 : uint64_t{1} << k;  // 2^64 wraps to 0: 2^64 - 1 is 0 - 1
    if (k < 64 && x == p) return "2^" + std::to_string(k);
    if (x == p - 1) return "2^" + std::to_string(k) + " - 1";
  }
  return std::to_string(x);
}

// A whole-number argument, read here rather than by pybind11's conversion: pybind11 answers
// -1 or 2^64 for a uint64_t with a bare "incompatible function arguments" TypeError, and
// Python's int() would cut runs=1.7 to 1. Every real number with nothing after the point is
// a whole number, whatever its type: a Python int, anything with __index__ (numpy's
// integers), a float (1e4, as --runs 1e4 on the command line), numpy's floats, Fraction,
// Decimal. Returns it as a Python int, or nothing for a number that is not whole (1.7, nan,
// inf); a value that is no number at all (text, None, a complex, a bool, numpy's bool) is a
// TypeError: "NAME must be NOUN, got TYPE VALUE".
std::optional<py::int_> whole_value(py::handle v, const std::string& name, const std::string& noun) {
  PyObject* o = v.ptr();
  auto no_number = [&] {
    return py::type_error(name + " must be " + noun + ", got " + std::string(py::str(v.get_type().attr("__name__"))) +
                          " " + shown(v));
  };
  py::object np = loaded_module("numpy");
  if (PyBool_Check(o) || (!np.is_none() && py::isinstance(v, np.attr("bool_")))) throw no_number();
  if (PyFloat_Check(o)) {
    const double x = PyFloat_AsDouble(o);
    if (!std::isfinite(x) || x != std::floor(x)) return std::nullopt;
    return py::reinterpret_steal<py::int_>(PyLong_FromDouble(x));
  }
  if (PyIndex_Check(o)) {
    auto i = py::reinterpret_steal<py::int_>(PyNumber_Index(o));
    if (!i) throw py::error_already_set();
    return i;
  }
  py::object decimal = loaded_module("decimal");
  if (!py::isinstance(v, py::module_::import("numbers").attr("Real")) &&
      (decimal.is_none() || !py::isinstance(v, decimal.attr("Decimal"))))
    throw no_number();
  // int() cuts a fraction, so compare the two exactly; nan and inf have no int().
  py::int_ i;
  try {
    i = py::reinterpret_steal<py::int_>(PyNumber_Long(o));
    if (!i) throw py::error_already_set();
  } catch (py::error_already_set& e) {
    if (e.matches(PyExc_ValueError) || e.matches(PyExc_ArithmeticError)) return std::nullopt;
    throw;
  }
  const int same = PyObject_RichCompareBool(o, i.ptr(), Py_EQ);
  if (same < 0) throw py::error_already_set();
  if (!same) return std::nullopt;
  return i;
}

// A whole-number argument from lo to hi. A fraction or a number outside [lo, hi] is a
// UsageError naming the argument and its range; no number at all is a TypeError (whole_value).
uint64_t whole(py::handle v, const std::string& name, uint64_t lo, uint64_t hi) {
  auto out_of_range = [&] {
    return UsageError(name + " must be a whole number from " + limit_text(lo) + " to " + limit_text(hi) + ", got " +
                      shown(v));
  };
  std::optional<py::int_> i = whole_value(v, name, "a whole number");
  if (!i) throw out_of_range();
  int overflow = 0;
  const long long s = PyLong_AsLongLongAndOverflow(i->ptr(), &overflow);
  if (s == -1 && PyErr_Occurred()) throw py::error_already_set();
  uint64_t x = 0;
  if (overflow < 0 || (overflow == 0 && s < 0)) throw out_of_range();
  if (overflow == 0) {
    x = static_cast<uint64_t>(s);
  } else {
    x = PyLong_AsUnsignedLongLong(i->ptr());
    if (PyErr_Occurred()) {  // 2^64 or more
      PyErr_Clear();
      throw out_of_range();
    }
  }
  if (x < lo || x > hi) throw out_of_range();
  return x;
}

// Seeds are any 64-bit number, as --seed.
uint64_t check_seed(py::handle v) { return whole(v, "seed", 0, std::numeric_limits<uint64_t>::max()); }

// Runs of one call: the bound of --runs (engine/output/run_limits.h).
uint64_t check_runs(py::handle v) { return whole(v, "runs", 1, kMaxRuns); }

// Threads for one call (0: all cores), restored afterwards. OpenMP keeps the thread count
// per calling thread, so two Python threads running at once do not disturb each other. The
// bound is the command line's --threads (engine/core/thread_limit.h), with its words: a
// hundred thousand threads only exhaust memory or crash the OpenMP runtime.
//
// In a child made by fork() every call runs on one thread (see the top of this file): the
// default (0) quietly, a request for more with a RuntimeWarning that says so.
class ThreadScope {
 public:
  explicit ThreadScope(py::handle threads) : saved_(max_threads()) {
    uint64_t n = 0;
    try {
      n = whole(threads, "threads", 0, static_cast<uint64_t>(thread_limit()));
    } catch (const UsageError&) {
      throw UsageError("threads must be " + thread_range() + ", got " + shown(threads));
    }
    if (forked_child()) {
      if (n > 1) {
        const std::string text = "threads=" + std::to_string(n) +
                                 " runs on one thread in a process made by fork() (the parent's "
                                 "OpenMP threads do not exist here); results are the same. Start "
                                 "processes with the 'spawn' or 'forkserver' method for more";
        if (PyErr_WarnEx(PyExc_RuntimeWarning, text.c_str(), 1) != 0) throw py::error_already_set();
      }
      n = 1;
    }
    set_threads(threads_to_use(static_cast<int>(n)));
  }
  ~ThreadScope() { set_threads(saved_); }

  // Whether this process was made by fork() from one that had loaded this module.
  static bool forked_child() { return forked_.load(); }
  static void after_fork_in_child() { forked_.store(true); }

 private:
  int saved_;
  static inline std::atomic<bool> forked_{false};
};

// One thread in a forked child for a call that has no threads= (sobol_analyze's bootstrap).
class ForkedChildScope {
 public:
  ForkedChildScope() : saved_(max_threads()) {
    if (ThreadScope::forked_child()) set_threads(1);
  }
  ~ForkedChildScope() { set_threads(saved_); }

 private:
  int saved_;
};

// Ctrl-C for computations called from threads other than Python's main one. Python's SIGINT
// handler only notes the signal for the main thread, which alone runs Python's handlers
// (and raises KeyboardInterrupt there), so a computation on another thread would run on
// after Ctrl-C, and the program could not end until it had. The handler here counts each
// SIGINT and calls Python's; such a computation stops when the count moves, provided
// Python's handler for SIGINT is its default one, which raises KeyboardInterrupt (a program
// that handles SIGINT itself decides what Ctrl-C does).
class Interrupts {
 public:
  // SIGINTs so far; chains the handler in front of Python's when it is not there yet.
  // With the GIL held (so one thread at a time).
  static uint64_t watch() {
    struct sigaction current;
    if (sigaction(SIGINT, nullptr, &current) == 0 &&
        !((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_sigint)) {
      // Only in front of the handler found the first time, Python's, or of no handler of
      // Python's at all: SIGINT ignored or with its default action, which ends the process.
      // Python installs its handler again when a program sets one with signal.signal(), and
      // the next computation chains in front of it again. A handler that another library
      // chained in front of this one is left alone: it may call this one.
      const bool python_handler =
          !(current.sa_flags & SA_SIGINFO) && current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN;
      if (python_handler && (!python_.load() || python_.load() == current.sa_handler)) {
        python_.store(current.sa_handler);
        struct sigaction mine = current;
        mine.sa_flags |= SA_SIGINFO;
        mine.sa_sigaction = on_sigint;
        sigaction(SIGINT, &mine, nullptr);
      }
    }
    return count_.load();
  }
  static uint64_t count() { return count_.load(); }

 private:
  static void on_sigint(int sig, siginfo_t*, void*) {
    count_.fetch_add(1);
    if (auto handler = python_.load()) handler(sig);
  }
  static inline std::atomic<uint64_t> count_{0};
  static inline std::atomic<void (*)(int)> python_{nullptr};
};

// Whether Ctrl-C raises KeyboardInterrupt: SIGINT has Python's default handler. With the GIL.
bool ctrl_c_raises() {
  py::module_ signal = py::module_::import("signal");
  return signal.attr("getsignal")(signal.attr("SIGINT")).is(signal.attr("default_int_handler"));
}

// Progress from a computation running without the GIL: forwards (done, total) to the
// Python callback, checks for Ctrl-C, and stops the computation when either raises. Made
// with the GIL held, on the calling thread.
class Progress {
 public:
  explicit Progress(py::object callback) : callback_(std::move(callback)), interrupts_(Interrupts::watch()) {
    // A value that cannot be called would fail only at the first report, after seconds of
    // work, or never (a short run), and `progress=5` would pass unnoticed.
    if (!callback_.is_none() && !PyCallable_Check(callback_.ptr()))
      throw py::type_error("progress must be a callable f(done, total) or None, got " + shown(callback_));
    main_thread_ = PyThread_get_thread_ident() == main_thread_ident;
  }
  // Python's main thread (threading.main_thread()), set when the module is imported: no
  // Python code runs to tell a computation's thread (see to_python).
  static inline unsigned long main_thread_ident = 0;
  const std::atomic<bool>* stop() const { return &stop_; }
  std::function<void(uint64_t, uint64_t)> hook() {
    return [this](uint64_t done, uint64_t total) { report(done, total); };
  }
  // From the calling thread only. Takes the GIL at most every 50 ms. Off the main thread, never
  // once Python is shutting down (see ReleaseGil): the computation then stops.
  void report(uint64_t done, uint64_t total) {
    if (stop_.load()) return;
    if (!main_thread_ && python_exiting()) {
      stop_.store(true);
      return;
    }
    auto now = std::chrono::steady_clock::now();
    if (reported_ && now - last_ < std::chrono::milliseconds(50)) return;
    reported_ = true;
    last_ = now;
    try {
      py::gil_scoped_acquire acquire;
      try {
        // On the main thread Python's own handler sees Ctrl-C; elsewhere, Interrupts.
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (!main_thread_ && Interrupts::count() != interrupts_ && ctrl_c_raises()) {
          PyErr_SetNone(PyExc_KeyboardInterrupt);
          throw py::error_already_set();
        }
        call(done, total);
      } catch (abi::__forced_unwind&) {  // not to be swallowed below (call() catches its own)
        stop_.store(true);
        wait_for_exit();
      } catch (...) {
        error_ = std::current_exception();
        stop_.store(true);
      }
    } catch (abi::__forced_unwind&) {  // Python began to shut down as this thread took the GIL
      stop_.store(true);
      wait_for_exit();
    }
  }
  // Raises what the callback (or Ctrl-C) raised; call with the GIL held.
  void rethrow() {
    if (error_) std::rethrow_exception(error_);
  }
  // The last call, (total, total), once the computation is complete; with the GIL held.
  void finish(uint64_t total) {
    rethrow();
    if (!stop_.load()) call(total, total);
  }

 private:
  // Calls the callback, with the GIL held. The callback's code may give up the GIL and take it
  // back; should Python begin to shut down meanwhile, CPython ends this thread by unwinding.
  // It is caught at once, before any C++ object is destroyed without the GIL (a pybind11
  // argument tuple, whose Py_DECREF crashed), and the thread waits for the process to end.
  void call(uint64_t done, uint64_t total) {
    if (callback_.is_none()) return;
    PyObject* result = nullptr;
    try {
      result = PyObject_CallFunction(callback_.ptr(), "KK", static_cast<unsigned long long>(done),
                                     static_cast<unsigned long long>(total));
    } catch (abi::__forced_unwind&) {
      stop_.store(true);
      wait_for_exit();
    }
    if (!result) throw py::error_already_set();
    Py_DECREF(result);
  }

  py::object callback_;
  uint64_t interrupts_;  // Interrupts::count() when the computation began
  bool main_thread_ = true;
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
  bool reported_ = false;
  std::chrono::steady_clock::time_point last_;
};

// Runs `work` (which must not touch Python) on a thread of its own, with `threads` OpenMP
// threads, while the calling thread waits and, every 50 ms, reports done() of `total` to
// `progress` and checks for Ctrl-C; either may set progress.stop(), which `work` must heed.
// The calling thread thus polls whichever thread computes: with OpenMP's dynamic schedule a
// long piece of work (one row of evaluate) may land on any thread of the team, and only the
// calling thread reports. Exceptions from `work` propagate here.
// Call without the GIL.
template <class Work, class Done>
void compute_while_polling(int threads, Progress& progress, uint64_t total, Work&& work, Done&& done) {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      set_threads(threads);  // OpenMP keeps the thread count per thread: a new one has the default
      work();
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
    cv.notify_one();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return finished; })) {
      lock.unlock();
      progress.report(done(), total);
      lock.lock();
    }
  }
  worker.join();
  if (error) std::rethrow_exception(error);
}

// Json (ordered) as a Python object, the one json.loads makes of its text: every number is
// the same double or integer. Built here rather than by the json module, whose Python code
// may give up the GIL (see the top of this file: a daemon thread calling this as Python shuts
// down would be unwound through the objects being built).
py::object to_python(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return py::none();
    case Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(j.get<int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(j.get<uint64_t>());
    case Json::value_t::number_float: {
      const double x = j.get<double>();
      return std::isfinite(x) ? py::object(py::float_(x)) : py::none();  // written as null
    }
    case Json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case Json::value_t::array: {
      py::list out;
      for (const auto& x : j) out.append(to_python(x));
      return out;
    }
    case Json::value_t::object: {
      py::dict out;
      for (auto it = j.begin(); it != j.end(); ++it) out[py::str(it.key())] = to_python(it.value());
      return out;
    }
    default:
      throw std::logic_error("to_python: a JSON value of an unexpected kind");
  }
}

// `geosim run`: returns the JSON text the command writes with --format json.
std::string py_run(const Loaded& l, py::handle runs_arg, py::handle seed_arg, py::handle threads,
                   const std::string& command, py::object callback) {
  const uint64_t runs = check_runs(runs_arg), seed = check_seed(seed_arg);
  ThreadScope ts(threads);
  Progress progress(std::move(callback));
  std::string text;
  bool complete = false;
  {
    ReleaseGil release;
    RunOptions ro;
    ro.runs = runs;
    ro.seed = seed;
    ro.stop = progress.stop();
    ro.progress = progress.hook();
    Accumulator acc = run_monte_carlo(*l.model, ro);
    complete = acc.runs() == runs;
    if (complete) text = json_text(run_json(l.sc, summarize(l.sc, acc, seed), command));
  }
  progress.rethrow();
  if (!complete) throw std::runtime_error("the run stopped before its end");
  progress.finish(runs);
  return text;
}

PairOptions pair_options(uint64_t runs, uint64_t seed, Progress& progress) {
  PairOptions po;
  po.runs = runs;
  po.seed = seed;
  po.stop = progress.stop();
  po.progress = progress.hook();
  return po;
}

// `geosim compare BASE VARIANT --format json`.
std::string py_compare(const Loaded& base, const Loaded& variant, py::handle runs_arg, py::handle seed_arg,
                       py::handle threads, const std::string& command, py::object callback) {
  const uint64_t runs = check_runs(runs_arg), seed = check_seed(seed_arg);
  ThreadScope ts(threads);
  Progress progress(std::move(callback));
  CompareReport rep;
  {
    ReleaseGil release;
    Arm a{base.path, base.model.get(), nullptr}, b{variant.path, variant.model.get(), nullptr};
    PairCounts pc = run_paired(a, b, pair_options(runs, seed, progress));
    rep.scenario = base.sc.id;
    rep.runs = runs;
    rep.seed = seed;
    rep.base_hash = base.sc.content_hash;
    rep.variant_hash = variant.sc.content_hash;
    rep.command = command;
    rep.comparisons.push_back({base.path, variant.path, paired_effects(base.sc, pc)});
    rep.has_changes = true;  // as the command writes it: what the variant changes
    rep.changes = diff_scenarios(base.sc, variant.sc);
  }
  progress.finish(runs);
  return compare_text(rep, "json");
}

// `geosim validate --step-check`: the scenario (format 2, weekly steps) against itself in daily
// steps over the same days, as JSON (step_check_json).
std::string py_step_check(const Loaded& own, py::handle runs_arg, py::handle seed_arg, py::handle threads,
                          py::object callback) {
  const uint64_t runs = check_runs(runs_arg), seed = check_seed(seed_arg);
  if (const std::string refusal = step_check_refusal(own.sc); !refusal.empty())
    throw UsageError("step_check: '" + own.path + "': the step check " + refusal);
  LoadOptions daily_sets;
  add_daily_steps(daily_sets, own.sc, "step_check");
  const std::shared_ptr<Loaded> daily = py_variant(own, daily_sets.sets, daily_sets.set_labels);
  ThreadScope ts(threads);
  Progress progress(std::move(callback));
  StepCheck c;
  {
    ReleaseGil release;
    c = step_check(*own.model, *daily->model, pair_options(runs, seed, progress));
  }
  progress.finish(runs);
  return step_check_json(c).dump(2);
}

// `geosim run SCENARIO --lever-effects --format json`.
std::string py_lever_effects(const Loaded& l, py::handle runs_arg, py::handle seed_arg, py::handle threads,
                             const std::string& command, py::object callback) {
  const uint64_t runs = check_runs(runs_arg), seed = check_seed(seed_arg);
  ThreadScope ts(threads);
  Progress progress(std::move(callback));
  CompareReport rep;
  uint64_t total = 0;
  {
    ReleaseGil release;
    rep = geosim::lever_effects(*l.model, pair_options(runs, seed, progress));
    rep.command = command;
    total = runs * rep.comparisons.size();
  }
  progress.finish(total);
  return compare_text(rep, "json");
}

// Outcome probabilities at each row of X (one column per path, in the parameters' own
// units), R runs per row with the same seed and run indices 0..R-1 at every row (common
// random numbers): the computation of a sweep point or a sensitivity design point. Rows
// are shared among the threads; each row is computed by gsa::evaluate_points with its
// values as fixed parameters, so a row's result depends on nothing but the row.
py::array_t<double> evaluate(const Loaded& l, py::array_t<double, py::array::c_style | py::array::forcecast> X,
                             const std::vector<std::string>& paths, py::handle runs_arg, py::handle seed_arg,
                             py::handle threads, py::object callback) {
  const Scenario& sc = l.sc;
  if (X.ndim() != 2)
    throw UsageError("evaluate: X must be a matrix (one row per point, one column per path), got " +
                     std::to_string(X.ndim()) + " dimension(s)");
  const int64_t n = X.shape(0), k = X.shape(1);
  if (static_cast<size_t>(k) != paths.size())
    throw UsageError("evaluate: X has " + std::to_string(k) + " column(s) but " + std::to_string(paths.size()) +
                     " path(s) were given; give one path per column");
  // gsa::EvalOptions holds R as an int: 2^31 - 1 is the most it takes.
  const auto runs_per_point = static_cast<int64_t>(
      whole(runs_arg, "evaluate: runs_per_point", 1, static_cast<uint64_t>(std::numeric_limits<int>::max())));
  const uint64_t seed = check_seed(seed_arg);
  std::vector<std::string> all;
  for (const auto& p : sc.params) all.push_back(p.path);
  std::vector<ParamId> ids;
  std::set<ParamId> seen;
  for (const auto& path : paths) {
    ParamId id = sc.find_param(path);
    if (id == kNoParam) {
      std::string guess = closest_match(path, all);
      throw UsageError("evaluate: '" + path + "' is not a parameter of '" + sc.id + "'" +
                       (guess.empty() ? "" : "; did you mean '" + guess + "'?") + " (Scenario.parameters lists them)");
    }
    if (!seen.insert(id).second) throw UsageError("evaluate: paths lists '" + path + "' twice");
    ids.push_back(id);
  }
  auto x = X.unchecked<2>();
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) {
      const Param& p = sc.params[static_cast<size_t>(ids[static_cast<size_t>(c)])];
      double v = x(r, c);
      if (!std::isfinite(v) || !p.range.contains(v)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        throw UsageError("evaluate: row " + std::to_string(r) + ": " + p.path + " = " + buf +
                         " is outside the values it may take, " + p.range.str());
      }
    }
  // One constant distribution per cell: a factor whose every quantile is the row's value.
  std::vector<Distribution> cells(static_cast<size_t>(n * k));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) cells[static_cast<size_t>(r * k + c)] = Distribution::constant(x(r, c));

  const size_t m = sc.outcomes.size();
  py::array_t<double> Y({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(m)});
  double* y = Y.mutable_data();
  ThreadScope ts(threads);
  Progress progress(std::move(callback));
  {
    ReleaseGil release;
    const uint64_t total = static_cast<uint64_t>(n) * static_cast<uint64_t>(runs_per_point);
    // Runs done: whole rows, plus the runs of rows in progress as their threads count them.
    std::atomic<uint64_t> done{0};
    const Eigen::MatrixXd u = Eigen::MatrixXd::Constant(1, k, 0.5);
    const uint64_t R = static_cast<uint64_t>(runs_per_point);
    auto rows = [&] {
      ParallelFor(n, [&](int64_t r) {
        if (progress.stop()->load()) return;
        std::vector<gsa::Factor> factors(static_cast<size_t>(k));
        for (int64_t c = 0; c < k; ++c) {
          auto& f = factors[static_cast<size_t>(c)];
          f.id = ids[static_cast<size_t>(c)];
          f.path = paths[static_cast<size_t>(c)];
          f.dist = &cells[static_cast<size_t>(r * k + c)];
        }
        gsa::EvalOptions eo;
        eo.seed = seed;
        eo.runs_per_point = static_cast<int>(runs_per_point);
        eo.stop = progress.stop();
        // Called by the thread computing this row every kPollRuns runs (evaluate_points runs
        // a row on one thread, the first of its own team of one), with the row's runs so
        // far: the count of a long row moves while it runs, on whichever thread it runs.
        uint64_t counted = 0;
        eo.poll = [&](uint64_t in_row) {
          done.fetch_add(in_row - counted);
          counted = in_row;
        };
        Eigen::MatrixXd row = gsa::evaluate_points(*l.model, factors, u, eo);
        if (progress.stop()->load()) return;  // the row was abandoned: its counts are partial
        for (size_t j = 0; j < m; ++j) y[static_cast<size_t>(r) * m + j] = row(0, static_cast<Eigen::Index>(j));
        done.fetch_add(R - counted);
      });
    };
    compute_while_polling(max_threads(), progress, total, rows, [&] { return done.load(); });
  }
  progress.rethrow();
  if (progress.stop()->load()) throw std::runtime_error("evaluate stopped before its end");
  progress.finish(static_cast<uint64_t>(n) * static_cast<uint64_t>(runs_per_point));
  return Y;
}

py::dict scenario_info(const Loaded& l) {
  const Scenario& sc = l.sc;
  py::dict d;
  d["id"] = sc.id;
  d["title"] = sc.title;
  d["description"] = sc.description;
  d["file"] = sc.file;
  d["path"] = l.path;
  d["sets"] = l.sets;
  d["start"] = sc.start.str();
  d["until"] = sc.date_of_step(sc.horizon).str();
  d["step"] = sc.unit == StepUnit::Week ? "week" : "day";
  d["horizon"] = sc.horizon;
  auto param_path = [&](ParamId id) -> py::object {
    if (id == kNoParam) return py::none();
    return py::str(sc.params[static_cast<size_t>(id)].path);
  };
  py::list levers;
  for (const auto& lv : sc.levers) {
    py::dict j;
    j["id"] = lv.id;
    j["name"] = lv.name;
    j["kind"] = lever_kinds()[static_cast<size_t>(lv.kind)].name;
    j["by"] = sc.actors[static_cast<size_t>(lv.by)].id;
    j["target"] = sc.actors[static_cast<size_t>(lv.target)].id;
    j["start_step"] = lv.start_step;
    j["end_step"] = lv.end_step;
    // Format 2: the days as written (a step holding part of the window acts for that part).
    j["from"] = sc.format_version >= 2 ? py::object(py::str(lv.first_day.str())) : py::object(py::none());
    j["until"] = sc.format_version >= 2 ? py::object(py::str(lv.last_day.str())) : py::object(py::none());
    j["enabled"] = param_path(lv.enabled);
    j["intensity"] = param_path(lv.intensity);
    j["credibility"] = param_path(lv.credibility);
    levers.append(j);
  }
  d["levers"] = levers;
  // parameters_json is what `geosim run --format json` lists under "parameters"; the
  // numbers of each distribution are added for programs (bounds for samplers).
  py::list params = to_python(parameters_json(sc));
  for (size_t i = 0; i < sc.params.size(); ++i) {
    const Param& p = sc.params[i];
    py::dict j = params[i].cast<py::dict>();
    j["min"] = p.dist.min();
    j["max"] = p.dist.max();
    j["mean"] = p.dist.mean();
    j["range"] = py::make_tuple(p.range.lo, p.range.hi);
    j["where"] = p.loc.str();
  }
  d["parameters"] = params;
  py::list outcomes;
  for (const auto& o : sc.outcomes) {
    py::dict j;
    j["id"] = o.id;
    j["label"] = o.label;
    j["default"] = o.is_default;
    j["removes_incumbent"] = o.removes_incumbent;
    outcomes.append(j);
  }
  d["outcomes"] = outcomes;
  py::list fans;
  for (int v : sc.fans) fans.append(sc.vars[static_cast<size_t>(v)].name);
  d["fans"] = fans;
  return d;
}

// A sweep's results.csv, column by column, as pandas would read it.
py::dict read_sweep(const std::string& dir) {
  no_nul(dir, "read_sweep", "the path");
  SweepResults r;
  {
    ReleaseGil release;
    r = read_sweep_results(dir);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<int64_t> point;
  std::vector<std::string> status;
  std::vector<int64_t> runs;
  for (const auto& row : r.rows) {
    point.push_back(row.point);
    status.push_back(row.ok ? "ok" : "failed");
    runs.push_back(static_cast<int64_t>(row.runs));
  }
  py::dict cols;
  cols["point"] = py::array_t<int64_t>(static_cast<py::ssize_t>(point.size()), point.data());
  cols["status"] = status;
  for (size_t k = 0; k < r.parameters.size(); ++k) {
    std::vector<double> v;
    for (const auto& row : r.rows) v.push_back(row.x[k]);
    cols[py::str(r.parameters[k])] = py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
  }
  cols["runs"] = py::array_t<int64_t>(static_cast<py::ssize_t>(runs.size()), runs.data());
  for (size_t k = 0; k < r.outcomes.size(); ++k) {
    std::vector<double> p, lo, hi;
    for (const auto& row : r.rows) {
      p.push_back(row.p.empty() ? nan : row.p[k]);
      lo.push_back(row.lo.empty() ? nan : row.lo[k]);
      hi.push_back(row.hi.empty() ? nan : row.hi[k]);
    }
    cols[py::str("p_" + r.outcomes[k])] = py::array_t<double>(static_cast<py::ssize_t>(p.size()), p.data());
    cols[py::str("lo_" + r.outcomes[k])] = py::array_t<double>(static_cast<py::ssize_t>(lo.size()), lo.data());
    cols[py::str("hi_" + r.outcomes[k])] = py::array_t<double>(static_cast<py::ssize_t>(hi.size()), hi.data());
  }
  for (size_t k = 0; k < r.states.size(); ++k) {
    const char* names[3] = {"q05_", "q50_", "q95_"};
    for (size_t q = 0; q < 3; ++q) {
      std::vector<double> v;
      for (const auto& row : r.rows) v.push_back(row.state.empty() ? nan : row.state[k][q]);
      cols[py::str(names[q] + r.states[k])] = py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
    }
  }
  return cols;
}

// geosim's own Sobol design (the one `geosim sensitivity --method sobol` uses): (d + 2) N
// points of the unit cube, block b (0 = A, 1 = B, 2 + i = AB_i) in rows b N .. b N + N - 1.
// The most parameters the design takes (SobolSampler: boost's table of 3667 dimensions).
constexpr uint64_t kMaxSobolD = 1833;

py::array_t<double> sobol_sample(py::handle n_arg, py::handle d_arg, py::handle seed_arg) {
  // n (a power of two is best) and d checked one by one, so that n (d + 2) cannot overflow.
  constexpr uint64_t kMaxPoints = uint64_t{1} << 28;
  const auto n_base = static_cast<int>(whole(n_arg, "sobol_sample: n", 2, kMaxPoints));
  const auto d = static_cast<int>(whole(d_arg, "sobol_sample: d", 1, kMaxSobolD));
  const uint64_t seed = check_seed(seed_arg);
  if (static_cast<uint64_t>(n_base) * static_cast<uint64_t>(d + 2) > kMaxPoints)
    throw UsageError("sobol_sample: n (d + 2) is limited to 2^28 points, got " + std::to_string(n_base) + " * " +
                     std::to_string(d + 2));
  const auto rows = static_cast<size_t>(n_base) * static_cast<size_t>(d + 2), cols = static_cast<size_t>(d);
  py::array_t<double> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  double* o = out.mutable_data();
  Progress progress{py::none()};  // Ctrl-C
  {
    ReleaseGil release;
    // sensitivity::sobol_design's loop, written straight into the array (no copy of the
    // design), and stopped by Ctrl-C.
    sensitivity::SobolSampler sampler(d, seed);
    std::vector<double> a(cols), b(cols), points((cols + 2) * cols);
    for (int j = 0; j < n_base && !progress.stop()->load(); ++j) {
      sampler.next(a.data(), b.data());
      sensitivity::sobol_row_points(a.data(), b.data(), d, points.data());
      for (size_t block = 0; block < cols + 2; ++block)
        std::copy_n(points.data() + block * cols, cols,
                    o + (block * static_cast<size_t>(n_base) + static_cast<size_t>(j)) * cols);
      if ((j & 63) == 63) progress.report(static_cast<uint64_t>(j) + 1, static_cast<uint64_t>(n_base));
    }
  }
  progress.rethrow();
  return out;
}

// First-order and total indices of every output column of Y, computed at sobol_sample(n, d)'s
// points in its row order, with bootstrap 95 % intervals.
py::list sobol_analyze(py::array_t<double, py::array::c_style | py::array::forcecast> Y, py::handle d_arg,
                       py::handle bootstrap_arg, py::handle seed_arg) {
  if (Y.ndim() != 2) throw UsageError("sobol_analyze: Y must be a matrix (one column per output)");
  const auto d = static_cast<int>(whole(d_arg, "sobol_analyze: d", 1, kMaxSobolD));
  // Resamples as --bootstrap allows at most; each holds d indices per output.
  const auto bootstrap = static_cast<int>(whole(bootstrap_arg, "sobol_analyze: bootstrap", 0, 100000));
  const uint64_t seed = check_seed(seed_arg);
  const int64_t rows = Y.shape(0), m = Y.shape(1);
  if (m == 0) throw UsageError("sobol_analyze: Y has no columns; give one column per output");
  // SobolAnalyzer keeps 2 + 2 d sums per output in an int-indexed row.
  if (m > std::numeric_limits<int>::max() / (2 + 2 * d))
    throw UsageError("sobol_analyze: Y has too many columns (" + std::to_string(m) + ") for d = " + std::to_string(d));
  if (rows % (d + 2) != 0 || rows / (d + 2) < 2)
    throw UsageError("sobol_analyze: Y has " + std::to_string(rows) +
                     " rows; sobol_sample(n, d) gives n (d + 2) = n * " + std::to_string(d + 2) + " with n >= 2");
  const int64_t n = rows / (d + 2);
  auto y = Y.unchecked<2>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < m; ++k)
      if (!std::isfinite(y(r, k)))
        throw UsageError("sobol_analyze: Y[" + std::to_string(r) + ", " + std::to_string(k) +
                         "] is not a finite number");
  std::vector<sensitivity::SobolIndices> idx;
  ForkedChildScope one_thread_if_forked;
  Progress progress{py::none()};  // Ctrl-C
  {
    ReleaseGil release;
    // On a thread of its own, as evaluate(), while this one watches for Ctrl-C every 50 ms:
    // each row of a wide Y is added to every resample's sums (tens of milliseconds a row), and
    // the bootstrap of finish() takes seconds; both stop soon after Ctrl-C sets progress.stop().
    std::atomic<uint64_t> added{0};
    auto work = [&] {
      sensitivity::SobolAnalyzer an(d, static_cast<int>(m), bootstrap, seed);
      std::vector<double> row(static_cast<size_t>((d + 2) * m));
      for (int64_t j = 0; j < n && !progress.stop()->load(); ++j) {
        for (int b = 0; b < d + 2; ++b)
          for (int64_t k = 0; k < m; ++k) row[static_cast<size_t>(b * m + k)] = y(b * n + j, k);
        an.add(row.data());
        added.store(static_cast<uint64_t>(j) + 1);
      }
      if (!progress.stop()->load()) idx = an.finish(progress.stop());
    };
    compute_while_polling(max_threads(), progress, static_cast<uint64_t>(n), work, [&] { return added.load(); });
  }
  progress.rethrow();
  if (progress.stop()->load()) throw std::runtime_error("sobol_analyze stopped before its end");
  py::list out;
  for (const auto& s : idx) {
    py::dict j;
    j["S1"] = s.S1;
    j["ST"] = s.ST;
    j["S1_ci95"] = s.S1_ci95;
    j["ST_ci95"] = s.ST_ci95;
    out.append(j);
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_geosim, m) {
  m.doc() = "geosim's engine (the package geosim wraps it; see docs/python.md)";
  m.attr("__version__") = kGeosimVersion;
  // A child made by fork() runs on one thread (ThreadScope); the handler only sets a flag.
  pthread_atfork(nullptr, nullptr, &ThreadScope::after_fork_in_child);
  Progress::main_thread_ident =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  m.def("_forked_child", &ThreadScope::forked_child,
        "Whether this process was made by fork() after the module was loaded (it then computes on one thread).");

  static py::exception<InputError> input_error(m, "InputError", PyExc_ValueError);
  static py::exception<UsageError> usage_error(m, "UsageError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      input_error(e.what());
    } catch (const UsageError& e) {
      usage_error(e.what());
    }
  });

  py::class_<Loaded, std::shared_ptr<Loaded>>(m, "_Scenario")
      .def("info", &scenario_info)
      .def("variant", &py_variant, py::arg("sets"), py::arg("labels") = std::vector<std::string>{},
           "This scenario, as loaded, with more overrides (the file is not read again).")
      .def("run", &py_run, py::arg("runs"), py::arg("seed"), py::arg("threads"), py::arg("command"),
           py::arg("progress") = py::none())
      .def("compare", &py_compare, py::arg("variant"), py::arg("runs"), py::arg("seed"), py::arg("threads"),
           py::arg("command"), py::arg("progress") = py::none())
      .def("step_check", &py_step_check, py::arg("runs"), py::arg("seed"), py::arg("threads"),
           py::arg("progress") = py::none())
      .def("lever_effects", &py_lever_effects, py::arg("runs"), py::arg("seed"), py::arg("threads"), py::arg("command"),
           py::arg("progress") = py::none())
      .def("evaluate", &evaluate, py::arg("X"), py::arg("paths"), py::arg("runs_per_point"), py::arg("seed"),
           py::arg("threads"), py::arg("progress") = py::none());

  m.def("load", &py_load, py::arg("path"), py::arg("sets") = std::vector<std::string>{},
        py::arg("labels") = std::vector<std::string>{},
        "Loads and validates a scenario (sets: PATH=VALUE overrides, as --set; labels: where each came from).");
  m.def(
      "reproduce_command",
      [](const std::string& command, const std::vector<std::string>& args) {
        no_nul(command, "reproduce_command", "the command");
        for (const auto& a : args) no_nul(a, "reproduce_command", "an argument");
        return reproduce_command(command, args);
      },
      py::arg("command"), py::arg("args"), "The command line geosim records in its JSON output for these arguments.");
  m.def(
      "_whole",
      [](py::handle value, const std::string& name, const std::string& noun) -> py::object {
        std::optional<py::int_> i = whole_value(value, name, noun);
        return i ? py::object(*i) : py::none();
      },
      py::arg("value"), py::arg("name"), py::arg("noun") = "a whole number",
      "value as an int when it is a whole number (1e4, np.float32(10), Fraction(10) too), None when it is a number "
      "that is not (1.7, nan); TypeError 'NAME must be NOUN, got ...' when it is no number at all.");
  m.def("sobol_sample", &sobol_sample, py::arg("n"), py::arg("d"), py::arg("seed") = 1);
  m.def("sobol_analyze", &sobol_analyze, py::arg("Y"), py::arg("d"), py::arg("bootstrap") = 1000, py::arg("seed") = 0);
  m.def("read_sweep", &read_sweep, py::arg("dir"), "A sweep's results.csv as columns.");
}
